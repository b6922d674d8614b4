using System.Runtime;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Libc.String;

namespace Nimbus.Kernel.Libc.Fortify
{
    // The checked entry points gcc emits under _FORTIFY_SOURCE: the compiler passes the size of the
    // destination object it knows (or (size_t)-1), and an operation that would write past it ends
    // the program as glibc's __chk_fail does: its message on stderr, then SIGABRT (status 134),
    // without flushing stdio (abort() does not). This file holds the failure and the byte and wide
    // string and memory functions; FortifiedIo.cs and FortifiedPrintf.cs hold the others.
    internal static unsafe class Fortify
    {
        public static void Fail() => Die("*** buffer overflow detected ***: terminated\n"u8);

        // glibc's __fortify_fail: "*** MESSAGE ***: terminated" to fd 2, then abort.
        public static void Die(System.ReadOnlySpan<byte> text)
        {
            fixed (byte* p = text) Fs.Vfs.Write(2, p, (ulong)text.Length);
            Start.Process.QuickExit(134);
        }

        [RuntimeExport("abi___memcpy_chk")]
        private static void* MemcpyChk(byte* d, byte* s, ulong n, ulong size) { if (n > size) Fail(); Mem.Move(d, s, (nuint)n); return d; }
        // __memmove_chk is an alias of __memcpy_chk (Libc/Aliases.txt): Mem.Move handles overlap.
        [RuntimeExport("abi___mempcpy_chk")]
        private static void* MempcpyChk(byte* d, byte* s, ulong n, ulong size) { if (n > size) Fail(); Mem.Move(d, s, (nuint)n); return d + n; }
        [RuntimeExport("abi___memset_chk")]
        private static void* MemsetChk(byte* d, int c, ulong n, ulong size) { if (n > size) Fail(); Mem.Set(d, (byte)c, (nuint)n); return d; }

        // explicit_bzero: memset the compiler may not remove (it cannot see through this call).
        [RuntimeExport("abi_explicit_bzero")]
        private static void ExplicitBzero(byte* d, ulong n) => Mem.Set(d, 0, (nuint)n);
        [RuntimeExport("abi___explicit_bzero_chk")]
        private static void ExplicitBzeroChk(byte* d, ulong n, ulong size) { if (n > size) Fail(); Mem.Set(d, 0, (nuint)n); }

        [RuntimeExport("abi___strcpy_chk")]
        private static byte* StrcpyChk(byte* d, byte* s, ulong size) { CopyString(d, s, size); return d; }
        [RuntimeExport("abi___stpcpy_chk")]
        private static byte* StpcpyChk(byte* d, byte* s, ulong size) => d + CopyString(d, s, size);

        // Copies s and its NUL into d of `size` bytes; returns the length of s.
        private static ulong CopyString(byte* d, byte* s, ulong size)
        {
            ulong n = Strings.Length(s);
            if (n >= size) Fail();
            Mem.Move(d, s, (nuint)n + 1);
            return n;
        }

        [RuntimeExport("abi_stpncpy")]
        private static byte* Stpncpy(byte* d, byte* s, ulong n)
        {
            ulong i = 0;
            for (; i < n && s[i] != 0; i++) d[i] = s[i];
            byte* end = d + i;
            for (; i < n; i++) d[i] = 0;
            return end;
        }

        [RuntimeExport("abi___strncpy_chk")]
        private static byte* StrncpyChk(byte* d, byte* s, ulong n, ulong size) { if (n > size) Fail(); Stpncpy(d, s, n); return d; }
        [RuntimeExport("abi___stpncpy_chk")]
        private static byte* StpncpyChk(byte* d, byte* s, ulong n, ulong size) { if (n > size) Fail(); return Stpncpy(d, s, n); }

        [RuntimeExport("abi___strcat_chk")]
        private static byte* StrcatChk(byte* d, byte* s, ulong size) => StrncatChk(d, s, ulong.MaxValue, size);

        [RuntimeExport("abi___strncat_chk")]
        private static byte* StrncatChk(byte* d, byte* s, ulong n, ulong size)
        {
            ulong have = Strings.Length(d);
            ulong add = 0;
            while (add < n && s[add] != 0) add++;
            if (have >= size || add >= size - have) Fail();
            Mem.Move(d + have, s, (nuint)add);
            d[have + add] = 0;
            return d;
        }

        // FD_SET and friends under fortify: the descriptor must fit a 1024-bit fd_set.
        [RuntimeExport("abi___fdelt_chk")]
        private static long FdeltChk(long fd)
        {
            if (fd < 0 || fd >= 1024) Die("*** bit out of range 0 - FD_SETSIZE on fd_set ***: terminated\n"u8);
            return fd / 64;
        }

        // Wide characters (wchar_t is 4 bytes): sizes are in characters, as glibc's are.
        [RuntimeExport("abi___wmemcpy_chk")]
        private static uint* WmemcpyChk(uint* d, uint* s, ulong n, ulong size) { if (n > size) Fail(); Mem.Move((byte*)d, (byte*)s, (nuint)n * 4); return d; }
        [RuntimeExport("abi___wmemmove_chk")]
        private static uint* WmemmoveChk(uint* d, uint* s, ulong n, ulong size) => WmemcpyChk(d, s, n, size);
        [RuntimeExport("abi___wmempcpy_chk")]
        private static uint* WmempcpyChk(uint* d, uint* s, ulong n, ulong size) => WmemcpyChk(d, s, n, size) + n;
        [RuntimeExport("abi___wmemset_chk")]
        private static uint* WmemsetChk(uint* d, uint c, ulong n, ulong size)
        {
            if (n > size) Fail();
            for (ulong i = 0; i < n; i++) d[i] = c;
            return d;
        }

        private static ulong WideLength(uint* s) { ulong n = 0; while (s[n] != 0) n++; return n; }

        [RuntimeExport("abi___wcscpy_chk")]
        private static uint* WcscpyChk(uint* d, uint* s, ulong size) { WcpcpyChk(d, s, size); return d; }
        [RuntimeExport("abi___wcpcpy_chk")]
        private static uint* WcpcpyChk(uint* d, uint* s, ulong size)
        {
            ulong n = WideLength(s);
            if (n >= size) Fail();
            Mem.Move((byte*)d, (byte*)s, (nuint)(n + 1) * 4);
            return d + n;
        }

        [RuntimeExport("abi___wcsncpy_chk")]
        private static uint* WcsncpyChk(uint* d, uint* s, ulong n, ulong size) { WcpncpyChk(d, s, n, size); return d; }
        [RuntimeExport("abi___wcpncpy_chk")]
        private static uint* WcpncpyChk(uint* d, uint* s, ulong n, ulong size)
        {
            if (n > size) Fail();
            ulong i = 0;
            for (; i < n && s[i] != 0; i++) d[i] = s[i];
            uint* end = d + i;
            for (; i < n; i++) d[i] = 0;
            return end;
        }

        [RuntimeExport("abi___wcscat_chk")]
        private static uint* WcscatChk(uint* d, uint* s, ulong size) => WcsncatChk(d, s, ulong.MaxValue, size);
        [RuntimeExport("abi___wcsncat_chk")]
        private static uint* WcsncatChk(uint* d, uint* s, ulong n, ulong size)
        {
            ulong have = WideLength(d);
            ulong add = 0;
            while (add < n && s[add] != 0) add++;
            if (have >= size || add >= size - have) Fail();
            Mem.Move((byte*)(d + have), (byte*)s, (nuint)add * 4);
            d[have + add] = 0;
            return d;
        }
    }
}
