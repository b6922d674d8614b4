using Nimbus.Kernel.Arch.X64;

namespace Nimbus.Kernel.Diagnostics
{
    // The kernel's own symbol table, embedded by the build in the .ksyms section:
    //   u32 magic "KSYM", u32 count, then count x { u64 address, u32 nameOffset, u32 reserved },
    //   then NUL-terminated names. Sorted by address.
    internal static unsafe class KernelSymbols
    {
        private const uint Magic = 0x4D59534B;
        private static byte* s_table;
        private static uint s_count;
        private static ulong s_textStart, s_textEnd;

        public static void Initialize(in KernelLayout layout)
        {
            s_textStart = layout.KernelStart;
            s_textEnd = layout.TextEnd;
            byte* t = (byte*)layout.SymbolsStart;
            if (layout.SymbolsEnd - layout.SymbolsStart >= 8 && *(uint*)t == Magic)
            {
                s_table = t;
                s_count = *(uint*)(t + 4);
            }
        }

        public static uint Count => s_count;
        public static bool IsText(ulong a) => a >= s_textStart && a < s_textEnd;

        public static bool Lookup(ulong address, out byte* name, out int nameLength, out ulong start)
        {
            name = null;
            nameLength = 0;
            start = 0;
            if (s_table == null || s_count == 0) return false;
            byte* entries = s_table + 8;
            uint lo = 0, hi = s_count;
            while (hi - lo > 1)
            {
                uint mid = (lo + hi) / 2;
                if (*(ulong*)(entries + mid * 16) <= address) lo = mid; else hi = mid;
            }
            ulong a = *(ulong*)(entries + lo * 16);
            if (a > address) return false;
            start = a;
            name = entries + s_count * 16 + *(uint*)(entries + lo * 16 + 8);
            while (name[nameLength] != 0 && nameLength < 400) nameLength++;
            return true;
        }
    }
}
