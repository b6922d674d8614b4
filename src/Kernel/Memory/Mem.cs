namespace Nimbus.Kernel.Memory
{
    // memmove/memset for kernel code: 32 bytes per loop turn in unaligned 8-byte moves (x86 allows
    // them), then 8, then single bytes. Wide moves matter most under emulation, where every loop turn
    // costs the same whatever it moves. (Programs get the SSE versions in libc.S.)
    public static unsafe class Mem
    {
        public static void Move(byte* dst, byte* src, nuint len)
        {
            if (dst == src || len == 0) return;
            if (dst < src || dst >= src + len)
            {
                // Forwards: each block is read before it is written, so a destination below an
                // overlapping source never overwrites bytes not yet read.
                nuint i = 0;
                for (; i + 32 <= len; i += 32)
                {
                    ulong a = *(ulong*)(src + i), b = *(ulong*)(src + i + 8), c = *(ulong*)(src + i + 16), d = *(ulong*)(src + i + 24);
                    *(ulong*)(dst + i) = a;
                    *(ulong*)(dst + i + 8) = b;
                    *(ulong*)(dst + i + 16) = c;
                    *(ulong*)(dst + i + 24) = d;
                }
                for (; i + 8 <= len; i += 8) *(ulong*)(dst + i) = *(ulong*)(src + i);
                for (; i < len; i++) dst[i] = src[i];
            }
            else
            {
                // Backwards, the mirror image, for a destination above an overlapping source.
                nuint n = len;
                for (; n >= 32; n -= 32)
                {
                    ulong a = *(ulong*)(src + n - 8), b = *(ulong*)(src + n - 16), c = *(ulong*)(src + n - 24), d = *(ulong*)(src + n - 32);
                    *(ulong*)(dst + n - 8) = a;
                    *(ulong*)(dst + n - 16) = b;
                    *(ulong*)(dst + n - 24) = c;
                    *(ulong*)(dst + n - 32) = d;
                }
                for (; n >= 8; n -= 8) *(ulong*)(dst + n - 8) = *(ulong*)(src + n - 8);
                for (; n > 0; n--) dst[n - 1] = src[n - 1];
            }
        }

        public static void Set(byte* dst, byte value, nuint len)
        {
            ulong v = value * 0x0101010101010101UL;
            nuint i = 0;
            for (; i + 32 <= len; i += 32)
            {
                *(ulong*)(dst + i) = v;
                *(ulong*)(dst + i + 8) = v;
                *(ulong*)(dst + i + 16) = v;
                *(ulong*)(dst + i + 24) = v;
            }
            for (; i + 8 <= len; i += 8) *(ulong*)(dst + i) = v;
            for (; i < len; i++) dst[i] = value;
        }
    }
}
