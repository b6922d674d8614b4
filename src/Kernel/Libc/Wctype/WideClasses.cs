// <wctype.h> and wcwidth: the classes, case mappings and column widths of wide characters, from
// the tables in WideTables.Generated.cs (glibc's C.UTF-8 data). In the C locale only ASCII is a
// character: everything above 0x7F is in no class, has width -1 and maps to itself, as in glibc.
namespace Nimbus.Kernel.Libc.Wctype
{
    internal static unsafe partial class WideClasses
    {
        // Class bits in the generated tables, and wctype()'s descriptors (bit number + 1).
        public const int Alnum = 0, Alpha = 1, Blank = 2, Cntrl = 3, Digit = 4, Graph = 5, Lower = 6, Print = 7,
            Punct = 8, Space = 9, Upper = 10, Xdigit = 11, ClassCount = 12;
        public const int WidthShift = 12;

        private const uint MaxCode = 0x10FFFF;

        // The properties of c (class bits, width + 1 above WidthShift): a binary search of the runs.
        private static int Properties(uint c)
        {
            if (c > MaxCode) return 0;
            fixed (byte* startBytes = RunStarts)
            fixed (byte* propertyBytes = RunProperties)
            {
                uint* starts = (uint*)startBytes;
                int lo = 0, hi = RunCount - 1;
                while (lo < hi)
                {
                    int mid = (lo + hi + 1) >> 1;
                    if (starts[mid] <= c) lo = mid; else hi = mid - 1;
                }
                return ((ushort*)propertyBytes)[lo];
            }
        }

        // ASCII's answers, for the C locale (the same bits the table has for 0..0x7F).
        private static int AsciiProperties(uint c) => c < 0x80 ? Properties(c) : 0;

        public static bool Is(uint c, int cls, bool utf8) => ((utf8 ? Properties(c) : AsciiProperties(c)) >> cls & 1) != 0;

        public static int Width(uint c, bool utf8)
        {
            if (c == 0) return 0;
            int p = utf8 ? Properties(c) : AsciiProperties(c);
            return (p >> WidthShift) - 1;
        }

        public static uint ToUpper(uint c, bool utf8) => utf8 || c < 0x80 ? Lookup(UpperPairs, UpperCount, c) : c;
        public static uint ToLower(uint c, bool utf8) => utf8 || c < 0x80 ? Lookup(LowerPairs, LowerCount, c) : c;

        private static uint Lookup(System.ReadOnlySpan<byte> table, int count, uint c)
        {
            fixed (byte* bytes = table)
            {
                uint* pairs = (uint*)bytes;
                int lo = 0, hi = count - 1;
                while (lo <= hi)
                {
                    int mid = (lo + hi) >> 1;
                    uint key = pairs[2 * mid];
                    if (key == c) return pairs[2 * mid + 1];
                    if (key < c) lo = mid + 1; else hi = mid - 1;
                }
                return c;
            }
        }
    }
}
