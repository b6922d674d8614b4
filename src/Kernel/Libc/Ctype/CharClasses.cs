// <ctype.h> of the kernel's libc, in the C locale.
using System.Runtime;

namespace Nimbus.Kernel.Libc.Ctype
{
    internal static unsafe class CharClasses
    {
        // <ctype.h> in the C locale, with glibc's table layout: gcc compiles isalpha(c) and friends to
        // (*__ctype_b_loc())[c] & _ISalpha, and toupper to (*__ctype_toupper_loc())[c], with c in -128..255.

        public const ushort ClassUpper = 1 << 8, ClassLower = 1 << 9, ClassAlpha = 1 << 10, ClassDigit = 1 << 11,
            ClassXDigit = 1 << 12, ClassSpace = 1 << 13, ClassPrint = 1 << 14, ClassGraph = 1 << 15,
            ClassBlank = 1 << 0, ClassCntrl = 1 << 1, ClassPunct = 1 << 2, ClassAlnum = 1 << 3;

        // The class bits of c in the C locale (bytes 128..255 and EOF have none).
        public static ushort ClassOf(int c)
        {
            if (c < 0 || c >= 128) return 0;
            int bits = 0;
            if (c < 32 || c == 127) bits |= ClassCntrl;
            if (c == ' ' || (c >= '\t' && c <= '\r')) bits |= ClassSpace;
            if (c == ' ' || c == '\t') bits |= ClassBlank;
            if (c >= 32 && c < 127) bits |= ClassPrint;
            if (c > 32 && c < 127) bits |= ClassGraph;
            if (c >= 'A' && c <= 'Z') bits |= ClassUpper | ClassAlpha | ClassAlnum;
            if (c >= 'a' && c <= 'z') bits |= ClassLower | ClassAlpha | ClassAlnum;
            if (c >= '0' && c <= '9') bits |= ClassDigit | ClassAlnum;
            if ((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')) bits |= ClassXDigit;
            if ((bits & ClassGraph) != 0 && (bits & ClassAlnum) == 0) bits |= ClassPunct;
            return (ushort)bits;
        }

        // glibc's functions index the table without a range check; outside -128..255 we answer 0.
        private static int Is(int c, ushort mask) => c >= -128 && c < 256 ? ClassOf(c & 0xFF) & mask : 0;

        // The toupper/tolower tables map -128..-2 to 128..254 (a signed char means its byte) and EOF to EOF.
        [RuntimeExport("abi_toupper")]
        public static int UpperOf(int c) => c >= 'a' && c <= 'z' ? c - 32 : c >= -128 && c < -1 ? c + 256 : c;
        [RuntimeExport("abi_tolower")]
        public static int LowerOf(int c) => c >= 'A' && c <= 'Z' ? c + 32 : c >= -128 && c < -1 ? c + 256 : c;

        private struct CtypeTables
        {
            public fixed ushort Classes[384];
            public fixed int Upper[384];
            public fixed int Lower[384];
        }

        private static CtypeTables s_tables;
        // What the _loc functions return pointers to: the tables at index 0 (128 entries in).
        private static ushort* s_classes;
        private static int* s_upper;
        private static int* s_lower;

        // Filled on first use; two threads racing here write the same values.
        private static void EnsureTables()
        {
            if (s_lower != null) return;
            fixed (CtypeTables* t = &s_tables)
            {
                for (int c = -128; c < 256; c++)
                {
                    t->Classes[c + 128] = c == -1 ? (ushort)0 : ClassOf(c & 0xFF);
                    t->Upper[c + 128] = UpperOf(c);
                    t->Lower[c + 128] = LowerOf(c);
                }
                s_classes = t->Classes + 128;
                s_upper = t->Upper + 128;
                s_lower = t->Lower + 128;
            }
        }

        [RuntimeExport("abi___ctype_b_loc")]
        internal static ushort** CtypeBLoc() { EnsureTables(); fixed (ushort** slot = &s_classes) return slot; }
        [RuntimeExport("abi___ctype_toupper_loc")]
        internal static int** CtypeToupperLoc() { EnsureTables(); fixed (int** slot = &s_upper) return slot; }
        [RuntimeExport("abi___ctype_tolower_loc")]
        internal static int** CtypeTolowerLoc() { EnsureTables(); fixed (int** slot = &s_lower) return slot; }

        // Like glibc these return the class bit itself (isalpha('a') is 1024), not 1.
        [RuntimeExport("abi_isalnum")] internal static int Isalnum(int c) => Is(c, ClassAlnum);
        [RuntimeExport("abi_isalpha")] internal static int Isalpha(int c) => Is(c, ClassAlpha);
        [RuntimeExport("abi_isblank")] internal static int Isblank(int c) => Is(c, ClassBlank);
        [RuntimeExport("abi_iscntrl")] internal static int Iscntrl(int c) => Is(c, ClassCntrl);
        [RuntimeExport("abi_isdigit")] internal static int Isdigit(int c) => Is(c, ClassDigit);
        [RuntimeExport("abi_isgraph")] internal static int Isgraph(int c) => Is(c, ClassGraph);
        [RuntimeExport("abi_islower")] internal static int Islower(int c) => Is(c, ClassLower);
        [RuntimeExport("abi_isprint")] internal static int Isprint(int c) => Is(c, ClassPrint);
        [RuntimeExport("abi_ispunct")] internal static int Ispunct(int c) => Is(c, ClassPunct);
        [RuntimeExport("abi_isspace")] internal static int Isspace(int c) => Is(c, ClassSpace);
        [RuntimeExport("abi_isupper")] internal static int Isupper(int c) => Is(c, ClassUpper);
        [RuntimeExport("abi_isxdigit")] internal static int Isxdigit(int c) => Is(c, ClassXDigit);
        [RuntimeExport("abi_isctype")] internal static int Isctype(int c, int mask) => Is(c, (ushort)mask);
        [RuntimeExport("abi_isascii")] internal static int Isascii(int c) => (c & ~0x7F) == 0 ? 1 : 0;
        [RuntimeExport("abi_toascii")] internal static int Toascii(int c) => c & 0x7F;
        // The locale_t variants (isalpha_l, __toupper_l, ...) are aliases (Libc/Aliases.txt): only the
        // C locale exists, so the extra argument changes nothing.
    }
}
