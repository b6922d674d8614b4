// <locale.h> and <langinfo.h>: the locales Nimbus has built in, C (also called POSIX) and C.UTF-8.
// Any other name is refused as glibc refuses a locale that is not installed (setlocale returns
// NULL, newlocale fails with ENOENT), so programs fall back to C as they do on Linux.
using System.Runtime;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Ctype;
using Nimbus.Kernel.Libc.Pthread;
using Nimbus.Kernel.Libc.Stdlib;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc.Locale
{
    // glibc's struct __locale_struct, so that code compiled against glibc's headers can read the
    // ctype table pointers of a locale_t. __locales[c] holds 1 where category c is UTF-8, else 0.
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct LocaleObject
    {
        public fixed ulong Utf8[Locales.Categories];
        public ushort* CtypeB;
        public int* CtypeTolower;
        public int* CtypeToupper;
        public fixed ulong Names[Locales.Categories];
    }

    internal static unsafe class Locales
    {
        public const int Categories = 13, All = 6, CtypeCategory = 0;
        private static readonly LocaleObject* GlobalLocale = (LocaleObject*)-1L;   // LC_GLOBAL_LOCALE

        private static LocaleObject s_global;
        private static Sync.Mutex s_lock;

        // Interned names ("C", "C.UTF-8", "C.utf8", ...): setlocale returns the name as it was given.
        private const int NameRoom = 24, NameSlots = 8;
        private struct NamePool { public fixed byte Text[NameRoom * NameSlots]; public int Used; }
        private static NamePool s_names;
        private struct Composite { public fixed byte Text[512]; }
        private static Composite s_composite;

        private static byte* CName => Strings.Literal("C\0"u8);

        // The locale the calling thread uses: its own (uselocale), or the global one.
        public static LocaleObject* Current
        {
            get
            {
                var own = (LocaleObject*)Threads.Current->Locale;
                if (own != null) return own;
                fixed (LocaleObject* g = &s_global) { EnsureInitialised(g); return g; }
            }
        }

        // Whether multibyte text is UTF-8 for the calling thread (else the C locale's ASCII).
        public static bool Utf8 => Current->Utf8[CtypeCategory] != 0;
        public static bool IsUtf8() => Utf8;

        private static void EnsureInitialised(LocaleObject* l)
        {
            if (l->CtypeB != null) return;
            for (int c = 0; c < Categories; c++) { l->Names[c] = (ulong)CName; l->Utf8[c] = 0; }
            l->CtypeTolower = *CharClasses.CtypeTolowerLoc();
            l->CtypeToupper = *CharClasses.CtypeToupperLoc();
            l->CtypeB = *CharClasses.CtypeBLoc();
        }

        // The interned name for a locale name we have built in, or null: glibc's rules, "POSIX" is
        // "C", and "C.<codeset>" where the codeset normalises (letters and digits, lower case) to utf8.
        private static byte* Resolve(byte* name, out bool utf8)
        {
            utf8 = false;
            if (Strings.CompareStrings(name, Strings.Literal("C\0"u8), 2) == 0 || Strings.CompareStrings(name, Strings.Literal("POSIX\0"u8), 6) == 0)
                return CName;
            if (name[0] != 'C' || name[1] != '.') return null;
            byte* norm = stackalloc byte[8];
            int n = 0;
            ulong length = Strings.Length(name);
            if (length >= NameRoom) return null;
            for (byte* p = name + 2; *p != 0; p++)
            {
                byte ch = *p;
                if (ch >= 'A' && ch <= 'Z') ch = (byte)(ch + 32);
                else if (!(ch >= 'a' && ch <= 'z') && !(ch >= '0' && ch <= '9')) { if (ch == '-' || ch == '_') continue; return null; }
                if (n == 7) return null;
                norm[n++] = ch;
            }
            if (n != 4 || norm[0] != 'u' || norm[1] != 't' || norm[2] != 'f' || norm[3] != '8') return null;
            utf8 = true;
            return Intern(name, length);
        }

        private static byte* Intern(byte* name, ulong length)
        {
            fixed (NamePool* pool = &s_names)
            {
                for (int i = 0; i < pool->Used; i++)
                    if (Strings.CompareStrings(pool->Text + i * NameRoom, name, NameRoom) == 0) return pool->Text + i * NameRoom;
                if (pool->Used == NameSlots) return null;
                byte* slot = pool->Text + pool->Used++ * NameRoom;
                Memory.Mem.Move(slot, name, (nuint)(length + 1));
                return slot;
            }
        }

        // What "" means for a category: LC_ALL, then LC_<category>, then LANG, then C.
        private static byte* FromEnvironment(int category)
        {
            byte* v = Environ.GetEnvironment(Strings.Literal("LC_ALL\0"u8));
            if (v == null || *v == 0) v = Environ.GetEnvironment(CategoryName(category));
            if (v == null || *v == 0) v = Environ.GetEnvironment(Strings.Literal("LANG\0"u8));
            return v == null || *v == 0 ? CName : v;
        }

        private static byte* CategoryName(int category) => Strings.Literal(category switch
        {
            0 => "LC_CTYPE\0"u8, 1 => "LC_NUMERIC\0"u8, 2 => "LC_TIME\0"u8, 3 => "LC_COLLATE\0"u8, 4 => "LC_MONETARY\0"u8,
            5 => "LC_MESSAGES\0"u8, 7 => "LC_PAPER\0"u8, 8 => "LC_NAME\0"u8, 9 => "LC_ADDRESS\0"u8, 10 => "LC_TELEPHONE\0"u8,
            11 => "LC_MEASUREMENT\0"u8, 12 => "LC_IDENTIFICATION\0"u8, _ => "LC_ALL\0"u8,
        });

        // Sets the categories of mask (bit c for category c) in l, from name ("" = the environment).
        // All or nothing: an unknown name for any category leaves l unchanged.
        private static bool Apply(LocaleObject* l, int mask, byte* name)
        {
            byte** names = stackalloc byte*[Categories];
            bool* utf8 = stackalloc bool[Categories];
            for (int c = 0; c < Categories; c++)
            {
                if (c == All || (mask & (1 << c)) == 0) continue;
                names[c] = Resolve(*name == 0 ? FromEnvironment(c) : name, out utf8[c]);
                if (names[c] == null) return false;
            }
            for (int c = 0; c < Categories; c++)
            {
                if (c == All || (mask & (1 << c)) == 0) continue;
                l->Names[c] = (ulong)names[c];
                l->Utf8[c] = utf8[c] ? 1UL : 0UL;
            }
            return true;
        }

        // LC_ALL's name: the common one, or glibc's "LC_CTYPE=...;LC_NUMERIC=...;..." list.
        private static byte* AllName(LocaleObject* l)
        {
            bool same = true;
            for (int c = 1; c < Categories; c++)
                if (c != All && l->Names[c] != l->Names[0]) same = false;
            if (same) return (byte*)l->Names[0];
            fixed (Composite* b = &s_composite)
            {
                byte* o = b->Text;
                for (int c = 0; c < Categories; c++)
                {
                    if (c == All) continue;
                    if (o != b->Text) *o++ = (byte)';';
                    for (byte* s = CategoryName(c); *s != 0; s++) *o++ = *s;
                    *o++ = (byte)'=';
                    for (byte* s = (byte*)l->Names[c]; *s != 0; s++) *o++ = *s;
                }
                *o = 0;
                return b->Text;
            }
        }

        [RuntimeExport("abi_setlocale")]
        private static byte* SetLocale(int category, byte* name)
        {
            if (category < 0 || category >= Categories) { LibcErrno.Set(Errno.EINVAL); return null; }
            fixed (Sync.Mutex* m = &s_lock)
            fixed (LocaleObject* g = &s_global)
            {
                m->Lock();
                EnsureInitialised(g);
                byte* result = null;
                if (name == null || Apply(g, category == All ? (1 << Categories) - 1 : 1 << category, name))
                    result = category == All ? AllName(g) : (byte*)g->Names[category];
                else LibcErrno.Set(Errno.ENOENT);
                m->Unlock();
                return result;
            }
        }

        [RuntimeExport("abi_newlocale")]
        private static LocaleObject* NewLocale(int mask, byte* name, LocaleObject* base_)
        {
            if (name == null || (mask & ~((1 << Categories) - 1)) != 0) { LibcErrno.Set(Errno.EINVAL); return null; }
            if ((mask & (1 << All)) != 0) mask = (1 << Categories) - 1;    // LC_ALL_MASK
            var l = base_ != null && base_ != GlobalLocale ? base_ : (LocaleObject*)Malloc.Allocate((ulong)sizeof(LocaleObject));
            if (l == null) { LibcErrno.Set(Errno.ENOMEM); return null; }
            if (l != base_)
            {
                EnsureInitialisedFresh(l);
                if (base_ == GlobalLocale) *l = *Global;
            }
            var copy = *l;
            if (!Apply(&copy, mask, name))
            {
                if (l != base_) Malloc.Free(l);
                LibcErrno.Set(Errno.ENOENT);
                return null;
            }
            *l = copy;          // newlocale reuses base, as glibc may
            return l;
        }

        private static LocaleObject* Global { get { fixed (LocaleObject* g = &s_global) { EnsureInitialised(g); return g; } } }

        private static void EnsureInitialisedFresh(LocaleObject* l)
        {
            l->CtypeB = null;
            EnsureInitialised(l);
        }

        [RuntimeExport("abi_duplocale")]
        private static LocaleObject* DupLocale(LocaleObject* l)
        {
            var copy = (LocaleObject*)Malloc.Allocate((ulong)sizeof(LocaleObject));
            if (copy == null) { LibcErrno.Set(Errno.ENOMEM); return null; }
            *copy = l == GlobalLocale ? *Global : *l;
            return copy;
        }

        [RuntimeExport("abi_freelocale")]
        private static void FreeLocale(LocaleObject* l)
        {
            if (l != null && l != GlobalLocale && l != Global) Malloc.Free(l);
        }

        // Returns the thread's previous locale (LC_GLOBAL_LOCALE when it used the global one).
        [RuntimeExport("abi_uselocale")]
        private static LocaleObject* UseLocale(LocaleObject* l)
        {
            PThread* t = Threads.Current;
            var previous = t->Locale != null ? (LocaleObject*)t->Locale : GlobalLocale;
            if (l == GlobalLocale) t->Locale = null;
            else if (l != null) t->Locale = l;
            return previous;
        }

        [RuntimeExport("abi___ctype_get_mb_cur_max")]
        private static ulong MbCurMax() => Utf8 ? 6UL : 1UL;

        [RuntimeExport("abi_nl_langinfo")]
        private static byte* NlLangInfo(int item) => LangInfo(item, Current);

        [RuntimeExport("abi_nl_langinfo_l")]
        private static byte* NlLangInfoL(int item, LocaleObject* l) => LangInfo(item, l == GlobalLocale ? Global : l);

        // The C locale's answers (C.UTF-8 differs only in the codeset); unknown items give "".
        private static byte* LangInfo(int item, LocaleObject* l)
        {
            int category = item >> 16, index = item & 0xFFFF;
            if (item == 14) return Strings.Literal(l->Utf8[CtypeCategory] != 0 ? "UTF-8\0"u8 : "ANSI_X3.4-1968\0"u8);
            if (category == 1) return Strings.Literal(index == 0 ? ".\0"u8 : "\0"u8);
            if (category == 5) return Strings.Literal(index switch { 0 => "^[yY]\0"u8, 1 => "^[nN]\0"u8, _ => "\0"u8 });
            if (category == 4 && index == 15) return Strings.Literal("-\0"u8);
            if (category != 2) return Strings.Literal("\0"u8);
            if (index < 7) return DayOrMonth(index, 0, abbreviated: true);
            if (index < 14) return DayOrMonth(index - 7, 0, abbreviated: false);
            if (index < 26) return DayOrMonth(index - 14, 1, abbreviated: true);
            if (index < 38) return DayOrMonth(index - 26, 1, abbreviated: false);
            if (index >= 0x6F && index < 0x6F + 12) return DayOrMonth(index - 0x6F, 1, abbreviated: false);   // ALTMON_n
            if (index >= 0x87 && index < 0x87 + 12) return DayOrMonth(index - 0x87, 1, abbreviated: true);    // _NL_ABALTMON_n
            return Strings.Literal(index switch
            {
                0x26 => "AM\0"u8, 0x27 => "PM\0"u8, 0x28 => "%a %b %e %H:%M:%S %Y\0"u8, 0x29 => "%m/%d/%y\0"u8,
                0x2A => "%H:%M:%S\0"u8, 0x2B => "%I:%M:%S %p\0"u8, 0x6C => "%a %b %e %H:%M:%S %Z %Y\0"u8, _ => "\0"u8,
            });
        }

        private static byte* DayOrMonth(int n, int kind, bool abbreviated)
        {
            // Each entry padded to 10 bytes: "Sunday\0..."; the abbreviation is its first three letters.
            System.ReadOnlySpan<byte> days = "Sunday\0\0\0\0Monday\0\0\0\0Tuesday\0\0\0Wednesday\0Thursday\0\0Friday\0\0\0\0Saturday\0\0"u8;
            System.ReadOnlySpan<byte> months = "January\0\0\0February\0\0March\0\0\0\0\0April\0\0\0\0\0May\0\0\0\0\0\0\0June\0\0\0\0\0\0July\0\0\0\0\0\0August\0\0\0\0September\0October\0\0\0November\0\0December\0\0"u8;
            byte* full = Strings.Literal(kind == 0 ? days : months) + n * 10;
            if (!abbreviated) return full;
            byte* shortNames = Strings.Literal(kind == 0 ? "Sun\0Mon\0Tue\0Wed\0Thu\0Fri\0Sat\0"u8 : "Jan\0Feb\0Mar\0Apr\0May\0Jun\0Jul\0Aug\0Sep\0Oct\0Nov\0Dec\0"u8);
            return shortNames + n * 4;
        }

        // struct lconv of the C locale: "." and empty strings, CHAR_MAX for the numbers.
        [StructLayout(LayoutKind.Sequential)]
        private struct Lconv
        {
            public byte* DecimalPoint, ThousandsSep, Grouping, IntCurrSymbol, CurrencySymbol, MonDecimalPoint,
                MonThousandsSep, MonGrouping, PositiveSign, NegativeSign;
            public fixed byte Numbers[14];
        }
        private static Lconv s_lconv;

        [RuntimeExport("abi_localeconv")]
        private static void* LocaleConv()
        {
            fixed (Lconv* c = &s_lconv)
            {
                byte* empty = Strings.Literal("\0"u8);
                c->DecimalPoint = Strings.Literal(".\0"u8);
                c->ThousandsSep = c->Grouping = c->IntCurrSymbol = c->CurrencySymbol = c->MonDecimalPoint = empty;
                c->MonThousandsSep = c->MonGrouping = c->PositiveSign = c->NegativeSign = empty;
                for (int i = 0; i < 14; i++) c->Numbers[i] = 127;
                return c;
            }
        }
    }
}
