// The exported <wctype.h> functions and wcwidth/wcswidth, answering in the calling thread's
// locale (WideClasses.cs has the tables).
using System.Runtime;
using Nimbus.Kernel.Libc.Locale;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc.Wctype
{
    internal static unsafe class WideExports
    {
        private static bool Utf8 => Locales.Utf8;
        private static int Is(uint c, int cls) => WideClasses.Is(c, cls, Utf8) ? 1 : 0;

        [RuntimeExport("abi_iswalnum")] private static int Iswalnum(uint c) => Is(c, WideClasses.Alnum);
        [RuntimeExport("abi_iswalpha")] private static int Iswalpha(uint c) => Is(c, WideClasses.Alpha);
        [RuntimeExport("abi_iswblank")] private static int Iswblank(uint c) => Is(c, WideClasses.Blank);
        [RuntimeExport("abi_iswcntrl")] private static int Iswcntrl(uint c) => Is(c, WideClasses.Cntrl);
        [RuntimeExport("abi_iswdigit")] private static int Iswdigit(uint c) => Is(c, WideClasses.Digit);
        [RuntimeExport("abi_iswgraph")] private static int Iswgraph(uint c) => Is(c, WideClasses.Graph);
        [RuntimeExport("abi_iswlower")] private static int Iswlower(uint c) => Is(c, WideClasses.Lower);
        [RuntimeExport("abi_iswprint")] private static int Iswprint(uint c) => Is(c, WideClasses.Print);
        [RuntimeExport("abi_iswpunct")] private static int Iswpunct(uint c) => Is(c, WideClasses.Punct);
        [RuntimeExport("abi_iswspace")] private static int Iswspace(uint c) => Is(c, WideClasses.Space);
        [RuntimeExport("abi_iswupper")] private static int Iswupper(uint c) => Is(c, WideClasses.Upper);
        [RuntimeExport("abi_iswxdigit")] private static int Iswxdigit(uint c) => Is(c, WideClasses.Xdigit);

        [RuntimeExport("abi_towupper")] private static uint Towupper(uint c) => WideClasses.ToUpper(c, Utf8);
        [RuntimeExport("abi_towlower")] private static uint Towlower(uint c) => WideClasses.ToLower(c, Utf8);

        // wctype_t: the class's bit number + 1 (0: no such class).
        [RuntimeExport("abi_wctype")]
        private static ulong Wctype(byte* name)
        {
            System.ReadOnlySpan<byte> names = "alnum\0alpha\0blank\0cntrl\0digit\0graph\0lower\0print\0punct\0space\0upper\0xdigit\0"u8;
            byte* p = Strings.Literal(names);
            for (int k = 0; k < WideClasses.ClassCount; k++)
            {
                if (Strings.CompareStrings(p, name, ulong.MaxValue) == 0) return (ulong)k + 1;
                p += Strings.Length(p) + 1;
            }
            return 0;
        }

        [RuntimeExport("abi_iswctype")]
        private static int Iswctype(uint c, ulong desc) => desc >= 1 && desc <= WideClasses.ClassCount ? Is(c, (int)desc - 1) : 0;

        // wctrans_t: 1 toupper, 2 tolower, 0 none.
        [RuntimeExport("abi_wctrans")]
        private static ulong Wctrans(byte* name) =>
            Strings.CompareStrings(name, Strings.Literal("toupper\0"u8), 8) == 0 ? 1UL
            : Strings.CompareStrings(name, Strings.Literal("tolower\0"u8), 8) == 0 ? 2UL : 0UL;

        [RuntimeExport("abi_towctrans")]
        private static uint Towctrans(uint c, ulong desc) => desc == 1 ? Towupper(c) : desc == 2 ? Towlower(c) : c;

        [RuntimeExport("abi_wcwidth")]
        private static int Wcwidth(uint c) => WideClasses.Width(c, Utf8);

        // The columns of at most n characters of s (to its terminator), or -1 if one is not printable.
        [RuntimeExport("abi_wcswidth")]
        private static int Wcswidth(uint* s, ulong n)
        {
            bool utf8 = Utf8;
            int total = 0;
            for (ulong i = 0; i < n && s[i] != 0; i++)
            {
                int w = WideClasses.Width(s[i], utf8);
                if (w < 0) return -1;
                total += w;
            }
            return total;
        }
    }
}
