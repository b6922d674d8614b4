using System.Runtime;
using Nimbus.Kernel.Libc.Stdio;

namespace Nimbus.Kernel.Libc.Fortify
{
    // The printf family under _FORTIFY_SOURCE (the variadic ones come through Arch/X64/libc.S):
    // `size` is the destination object's size as the compiler knows it; output that would not fit
    // ends the program (Fortify.Fail). The flag (the fortify level) adds no check here yet: glibc
    // refuses %n in a writable format at level 2 and above, which this engine does not detect.
    // Each takes a va_list; __printf_chk and the other variadic names are trampolines to them.
    internal static unsafe class FortifiedPrintf
    {
        [RuntimeExport("abi___vprintf_chk")]
        private static int PrintfChk(int flag, byte* format, VaList* args) => Streams.VfPrintf(LibcData.Globals->Stdout, format, args);
        [RuntimeExport("abi___vfprintf_chk")]
        private static int FprintfChk(CFile* f, int flag, byte* format, VaList* args) => Streams.VfPrintf(f, format, args);
        [RuntimeExport("abi___vdprintf_chk")]
        private static int DprintfChk(int fd, int flag, byte* format, VaList* args) => Streams.VdPrintf(fd, format, args);
        [RuntimeExport("abi___vasprintf_chk")]
        private static int AsprintfChk(byte** result, int flag, byte* format, VaList* args) => Streams.VasPrintf(result, format, args);

        [RuntimeExport("abi___vsprintf_chk")]
        private static int SprintfChk(byte* s, int flag, ulong size, byte* format, VaList* args)
        {
            if (size == 0) Fortify.Fail();
            int n = Format.SPrintf(s, size, format, args);
            if (n >= 0 && (ulong)n >= size) Fortify.Fail();
            return n;
        }

        [RuntimeExport("abi___vsnprintf_chk")]
        private static int SnprintfChk(byte* s, ulong max, int flag, ulong size, byte* format, VaList* args)
        {
            if (max > size) Fortify.Fail();
            return Format.SPrintf(s, max, format, args);
        }
    }
}
