// <stdarg.h>: the va_list that the variadic trampolines (Arch/X64/libc.S) hand to the C# v-functions.
using System.Runtime.InteropServices;

namespace Nimbus.Kernel.Libc
{
    // The SysV x86-64 va_list, field for field, so a pointer to a C va_list can be used directly.
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct VaList
    {
        public uint GpOffset;
        public uint FpOffset;
        public byte* OverflowArgArea;
        public byte* RegSaveArea;

        private const uint GpAreaEnd = 48;   // rdi, rsi, rdx, rcx, r8, r9: 8 bytes each
        private const uint FpAreaEnd = 176;  // then xmm0..xmm7: 16 bytes each

        // Next INTEGER-class argument (int, long, pointer: ints are read as their low 32 bits).
        public ulong NextGp()
        {
            if (GpOffset < GpAreaEnd)
            {
                ulong inRegister = *(ulong*)(RegSaveArea + GpOffset);
                GpOffset += 8;
                return inRegister;
            }
            ulong onStack = *(ulong*)OverflowArgArea;
            OverflowArgArea += 8;
            return onStack;
        }

        // Next SSE-class argument as raw bits (float arguments are promoted to double by C).
        public ulong NextDoubleBits()
        {
            if (FpOffset < FpAreaEnd)
            {
                ulong inRegister = *(ulong*)(RegSaveArea + FpOffset);
                FpOffset += 16;
                return inRegister;
            }
            ulong onStack = *(ulong*)OverflowArgArea;
            OverflowArgArea += 8;
            return onStack;
        }

        public double NextDouble()
        {
            ulong bits = NextDoubleBits();
            return *(double*)&bits;
        }

        // long double is MEMORY class: always in the overflow area, 16-byte aligned, 16 bytes of which
        // the first 10 are the x87 value (64-bit significand with explicit integer bit, then sign+exponent).
        public void NextLongDouble(out ulong significand, out ushort signAndExponent)
        {
            byte* slot = (byte*)(((ulong)OverflowArgArea + 15) & ~15UL);
            significand = *(ulong*)slot;
            signAndExponent = *(ushort*)(slot + 8);
            OverflowArgArea = slot + 16;
        }
    }
}
