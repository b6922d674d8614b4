// <math.h>: the long double functions that are bit manipulation (nextafterl, nexttowardl, and
// nexttoward/nexttowardf, whose direction is a long double), on the x87 80-bit format by pointer:
// Arch/X64/longdouble.S passes the caller's stack argument and loads the result from it.
using System.Runtime;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Math
{
    // The x87 extended format: a 64-bit significand with an explicit integer bit, then sign and
    // a 15-bit exponent (bias 16383; 0 for zeros and subnormals, 0x7FFF for infinities and NaNs).
    internal struct Extended
    {
        public ulong Significand;
        public ushort SignExponent;
    }

    internal static unsafe partial class MathLib
    {
        private const ulong IntegerBit = 0x8000000000000000UL;

        private static bool IsNaNL(Extended* x) => (x->SignExponent & 0x7FFF) == 0x7FFF && (x->Significand << 1) != 0;

        // The magnitude as one ordered number (exponent above significand); a zero of either sign is 0.
        private static int CompareL(Extended* x, Extended* y)
        {
            bool xn = (x->SignExponent & 0x8000) != 0, yn = (y->SignExponent & 0x8000) != 0;
            bool xz = IsZeroL(x), yz = IsZeroL(y);
            if (xz && yz) return 0;
            if (xz) return yn ? 1 : -1;
            if (yz) return xn ? -1 : 1;
            if (xn != yn) return xn ? -1 : 1;
            int e = (x->SignExponent & 0x7FFF) - (y->SignExponent & 0x7FFF);
            int m = e != 0 ? e : x->Significand == y->Significand ? 0 : x->Significand > y->Significand ? 1 : -1;
            return xn ? -m : m;
        }

        private static bool IsZeroL(Extended* x) => (x->SignExponent & 0x7FFF) == 0 && x->Significand == 0;

        // A double exactly in the extended format.
        private static Extended ToExtended(double d)
        {
            ulong b = Bits(d);
            Extended r;
            ushort sign = (ushort)((b >> 48) & 0x8000);
            int e = (int)((b >> 52) & 0x7FF);
            ulong m = b & MantMask;
            if (e == 0x7FF) { r.Significand = IntegerBit | (m << 11); r.SignExponent = (ushort)(sign | 0x7FFF); }
            else if (e != 0) { r.Significand = IntegerBit | (m << 11); r.SignExponent = (ushort)(sign | (e - 1023 + 16383)); }
            else if (m == 0) { r.Significand = 0; r.SignExponent = sign; }
            else
            {
                int shift = Clz64(m);                       // subnormal double: normal in extended
                r.Significand = m << shift;
                r.SignExponent = (ushort)(sign | (16383 - 1022 - (shift - 11)));
            }
            return r;
        }

        // nextafterl(x, y) and nexttowardl: the neighbour of x toward y, written over x.
        [RuntimeExport("libc_nextafterl")]
        public static void NextafterL(Extended* x, Extended* y)
        {
            if (IsNaNL(x) || IsNaNL(y))
            {
                if (!IsNaNL(x)) *x = *y;
                x->Significand |= 0x4000000000000000UL;     // quiet
                return;
            }
            int c = CompareL(x, y);
            if (c == 0) { *x = *y; return; }
            if (IsZeroL(x))
            {
                x->Significand = 1;                         // the smallest subnormal, y's sign
                x->SignExponent = (ushort)(y->SignExponent & 0x8000);
                Errno.Set(Errno.ERANGE);
                return;
            }
            bool negative = (x->SignExponent & 0x8000) != 0;
            int e = x->SignExponent & 0x7FFF;
            ulong m = x->Significand;
            if ((c < 0) != negative)
            {
                // Away from zero.
                m++;
                if (m == 0) { m = IntegerBit; e++; }
                else if (e == 0 && m == IntegerBit) e = 1;  // the largest subnormal becomes normal
            }
            else if (m == IntegerBit && e > 1) { m = ulong.MaxValue; e--; }
            else if (m == IntegerBit && e == 1) { m = IntegerBit - 1; e = 0; }
            else m--;
            x->Significand = m;
            x->SignExponent = (ushort)((negative ? 0x8000 : 0) | e);
            if (e == 0x7FFF || e == 0) Errno.Set(Errno.ERANGE);
        }

        // nexttoward(x, y): the double next to x in y's direction.
        [RuntimeExport("libc_nexttoward")]
        public static double Nexttoward(double x, Extended* y)
        {
            if (IsNaNL(y)) { Extended q = *y; q.Significand |= 0x4000000000000000UL; return ExtendedToDoubleNaN(&q, x); }
            Extended ex = ToExtended(x);
            int c = CompareL(&ex, y);
            if (IsNaN(x) || c == 0) return c == 0 ? ExtendedToDouble(y, x) : x + x;
            return Nextafter(x, c < 0 ? Inf : -Inf);
        }

        [RuntimeExport("libc_nexttowardf")]
        public static float NexttowardF(float x, Extended* y)
        {
            if (IsNaNL(y)) return (float)Nexttoward(x, y);
            Extended ex = ToExtended(x);
            int c = CompareL(&ex, y);
            if (IsNaNF(x) || c == 0) return c == 0 ? x == 0 ? CopysignF(0, (y->SignExponent & 0x8000) != 0 ? -1 : 1) : x : x + x;
            return NextafterF(x, c < 0 ? (float)Inf : (float)-Inf);
        }

        // y when it equals x (a double): x, with y's sign for zeros.
        private static double ExtendedToDouble(Extended* y, double x) =>
            x == 0 ? Copysign(0, (y->SignExponent & 0x8000) != 0 ? -1 : 1) : x;

        // A NaN direction: NaN (x87 arithmetic would give the quiet NaN with y's payload top bits).
        private static double ExtendedToDoubleNaN(Extended* y, double x)
        {
            if (IsNaN(x)) return x + x;
            ulong sign = (ulong)(y->SignExponent & 0x8000) << 48;
            return FromBits(sign | ExpMask | ((y->Significand << 1) >> 12) | 0x0008000000000000UL);
        }
    }
}
