using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Diagnostics
{
    // Symbolized backtraces. The ILCompiler does not keep frame pointers in every method, so we
    // scan the stack for words that are return addresses into kernel text: a word counts when the
    // bytes before it decode as a call instruction. Frames found this way may include stale return
    // addresses, as Linux's unreliable traces do; the first frame (the faulting rip) is exact.
    internal static unsafe class Backtrace
    {
        private const int MaxFrames = 24;
        private const int MaxScanBytes = 32 * 1024;

        public static void Print(ulong rip, ulong rbp, ulong rsp)
        {
            Log.Line("Backtrace:");
            int n = 0;
            if (rip != 0) PrintFrame(n++, rip, false);
            ulong top = StackTop(rsp);
            for (ulong p = rsp & ~7UL; p + 8 <= top && n < MaxFrames; p += 8)
            {
                ulong ret = *(ulong*)p;
                if (!KernelSymbols.IsText(ret) || !FollowsCall(ret)) continue;
                PrintFrame(n++, ret, true);
            }
            if (n == 0) Log.Line("  (no frames found)");
        }

        private static void PrintFrame(int index, ulong address, bool isReturn)
        {
            // For return addresses, look up address-1 so a call at the end of a function is named right.
            ulong lookup = isReturn ? address - 1 : address;
            if (KernelSymbols.Lookup(lookup, out byte* name, out int length, out ulong start))
                Log.Line($"  #{index} 0x{address:x16} {new System.ReadOnlySpan<byte>(name, length)}+0x{address - start:x}");
            else
                Log.Line($"  #{index} 0x{address:x16} ?");
        }

        // Whether a kernel page is mapped: Memory installs it at boot. Until then only the stack's
        // current page is read.
        public static delegate*<ulong, bool> IsMapped;

        // How far up we may read: the end of the mapped stack page run, capped.
        private static ulong StackTop(ulong rsp)
        {
            ulong limit = rsp + MaxScanBytes;
            ulong page = rsp & ~0xFFFUL;
            var isMapped = IsMapped;
            if (isMapped == null) return page + 0x1000;
            while (page < limit)
            {
                if (!isMapped(page)) return page;
                page += 0x1000;
            }
            return limit;
        }

        private static bool FollowsCall(ulong ret)
        {
            if (!KernelSymbols.IsText(ret - 7)) return false;
            byte* b = (byte*)ret;
            if (b[-5] == 0xE8) return true;                                  // call rel32
            if (b[-2] == 0xFF && (b[-1] & 0x38) == 0x10) return true;         // call r/m (reg)
            if (b[-3] == 0xFF && (b[-2] & 0x38) == 0x10) return true;         // call [reg+disp8]
            if (b[-6] == 0xFF && (b[-5] & 0x38) == 0x10) return true;         // call [rip+disp32]/[reg+disp32]
            if (b[-7] == 0xFF && (b[-6] & 0x38) == 0x10) return true;         // call with SIB + disp32
            return false;
        }
    }
}
