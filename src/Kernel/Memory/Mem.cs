namespace Nimbus.Kernel.Memory
{
    // memmove/memset for kernel code. Simple loops, 8 bytes at a time where aligned.
    public static unsafe class Mem
    {
        public static void Move(byte* dst, byte* src, nuint len)
        {
            if (dst == src || len == 0) return;
            if (dst < src || dst >= src + len)
            {
                nuint i = 0;
                if ((((nuint)dst | (nuint)src) & 7) == 0)
                    for (; i + 8 <= len; i += 8) *(ulong*)(dst + i) = *(ulong*)(src + i);
                for (; i < len; i++) dst[i] = src[i];
            }
            else
            {
                for (nuint i = len; i > 0; i--) dst[i - 1] = src[i - 1];
            }
        }

        public static void Set(byte* dst, byte value, nuint len)
        {
            nuint i = 0;
            if (((nuint)dst & 7) == 0)
            {
                ulong v = value * 0x0101010101010101UL;
                for (; i + 8 <= len; i += 8) *(ulong*)(dst + i) = v;
            }
            for (; i < len; i++) dst[i] = value;
        }
    }
}
