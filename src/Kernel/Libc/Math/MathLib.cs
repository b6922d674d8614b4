using System;
using System.Runtime;
using System.Runtime.CompilerServices;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Math
{
    // <math.h>: the C math library (libm) of the glibc ABI, in C# on integer and IEEE double arithmetic
    // (no System.Math; the one instruction taken from the CPU is sqrtsd, see MathHardware.cs). Design:
    //  - Exact functions (fma, fmod, remainder, remquo, floor/ceil/trunc/round/rint, ldexp, frexp, modf,
    //    nextafter, ...) work on the bit patterns with integer arithmetic: bit-identical to glibc.
    //  - The others reduce their argument exactly or in double-double arithmetic (Cody-Waite with a
    //    4-part pi/2 below 2^20, Payne-Hanek with 1216 bits of 2/pi above, so sin(1e22) is right), look up
    //    a small table of exactly rounded values (2^(j/64), log(c_j), sin/cos(j/64), atan(j/64)) and
    //    finish with a short polynomial on a tiny interval, carrying the result as an unevaluated sum
    //    hi + lo of two doubles (~2^-64 relative). The final rounding of hi + lo is the only sizeable
    //    error: results are within 0.5 ulp + a hair (measured <= 0.507), nearly always correctly
    //    rounded. Subnormal results are rounded once, from hi + lo (ScaleDD).
    //  - erf/erfc: series below 1, exp(-x^2) times piecewise Chebyshev fits of erfcx above; tgamma and
    //    lgamma: Stirling's series in double-double (shifted up to x >= 12), reflection for x < 0, the
    //    series of log Gamma(2+t) near 1 and 2, and Taylor expansions around the zeros in (-16, -2).
    //  - float variants compute in double and round once more (error <= 0.5 ulp + 2^-29 ulp).
    //  - Rounding mode: round-to-nearest is assumed throughout (rint and lrint use it).
    // errno: EDOM / ERANGE where glibc sets them, through Abi.Errno.Set; NaN results carry the sign
    // glibc gives them. Allocation-free, no exceptions, no locks.
    // The lookup tables: MathTables.Generated.cs (exactly rounded values, each defined by its comment;
    // tests/Nimbus.Tests/MathTablesTests.cs recomputes them) and FitTables.cs (fits made offline).
    internal static unsafe partial class MathLib
    {
        private const ulong SignMask = 0x8000000000000000UL, AbsMask = 0x7FFFFFFFFFFFFFFFUL;
        private const ulong ExpMask = 0x7FF0000000000000UL, MantMask = 0x000FFFFFFFFFFFFFUL, Implicit = 0x0010000000000000UL;
        private const ulong OneBits = 0x3FF0000000000000UL;
        // NaN is x86's default NaN (sign set), what 0/0, sqrt(-1) and glibc's log(-1) give; some glibc
        // functions return the positive one instead (asin, acos, log10, tgamma): PosNaN.
        private const double Inf = 1.0 / 0.0, NaN = 0.0 / 0.0;
        private static double PosNaN => FromBits(0x7FF8000000000000UL);
        private const double Shift = 6755399441055744.0;       // 1.5 * 2^52: x + Shift rounds x to an integer
        private const ulong ShiftBits = 0x4338000000000000UL;
        private const double TwoP52 = 4503599627370496.0;
        private const double Split = 134217729.0;              // 2^27 + 1 (Dekker)

        // ---------------------------------------------------------------- bit and double-double helpers

        [MethodImpl(MethodImplOptions.AggressiveInlining)] private static ulong Bits(double d) => *(ulong*)&d;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] private static double FromBits(ulong b) => *(double*)&b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] private static uint BitsF(float f) => *(uint*)&f;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] private static float FromBitsF(uint b) => *(float*)&b;

        // 2^k for -1022 <= k <= 1023.
        [MethodImpl(MethodImplOptions.AggressiveInlining)] private static double Pow2(int k) => FromBits((ulong)(k + 1023) << 52);

        // Rounds |x| < 2^51 to the nearest integer (ties to even), as a double and as a long.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static double RoundInt(double x, out long n)
        {
            double t = x + Shift;
            n = (long)(Bits(t) - ShiftBits);
            return t - Shift;
        }

        // s + e = a + b exactly.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void TwoSum(double a, double b, out double s, out double e)
        {
            s = a + b;
            double bb = s - a;
            e = (a - (s - bb)) + (b - bb);
        }

        // s + e = a + b exactly, given |a| >= |b| (or a == 0).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void FastTwoSum(double a, double b, out double s, out double e)
        {
            s = a + b;
            e = b - (s - a);
        }

        // p + e = a * b exactly (no overflow: |a|, |b| < 2^995; no underflow: the product >= 2^-969).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void TwoProd(double a, double b, out double p, out double e)
        {
            p = a * b;
            double ca = Split * a, ah = ca - (ca - a), al = a - ah;
            double cb = Split * b, bh = cb - (cb - b), bl = b - bh;
            e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
        }

        // (qh + ql) = (ah + al) / (bh + bl), to about 2^-104.
        private static void DivDD(double ah, double al, double bh, double bl, out double qh, out double ql)
        {
            qh = ah / bh;
            TwoProd(qh, bh, out double p, out double pe);
            ql = ((ah - p) - pe + al - qh * bl) / bh;
        }

        // (ph + pl) = (ah + al) * (bh + bl).
        private static void MulDD(double ah, double al, double bh, double bl, out double ph, out double pl)
        {
            TwoProd(ah, bh, out double p, out double pe);
            pe += ah * bl + al * bh;
            FastTwoSum(p, pe, out ph, out pl);
        }

        // (sh + sl) = sqrt(h + l), h > 0.
        private static void SqrtDD(double h, double l, out double sh, out double sl)
        {
            sh = Sqrt(h);
            TwoProd(sh, sh, out double p, out double pe);
            sl = ((h - p) - pe + l) / (2.0 * sh);
        }

        private static int Clz64(ulong x) => Stdlib.Numbers.LeadingZeros(x);

        // The 128-bit product a * b: returns the high word, lo gets the low word.
        private static ulong Mul64(ulong a, ulong b, out ulong lo)
        {
            ulong a0 = a & 0xFFFFFFFFUL, a1 = a >> 32, b0 = b & 0xFFFFFFFFUL, b1 = b >> 32;
            ulong p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
            ulong mid = (p00 >> 32) + (p01 & 0xFFFFFFFFUL) + (p10 & 0xFFFFFFFFUL);
            lo = (mid << 32) | (p00 & 0xFFFFFFFFUL);
            return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
        }

        // |x| (bits, finite, nonzero) = m * 2^e with 2^52 <= m < 2^53 (subnormals normalized).
        private static ulong Decompose(ulong absBits, out int e)
        {
            int ex = (int)(absBits >> 52);
            ulong m = absBits & MantMask;
            if (ex == 0)
            {
                int sh = Clz64(m) - 11;
                e = -1074 - sh;
                return m << sh;
            }
            e = ex - 1075;
            return m | Implicit;
        }

        // m * 2^e (0 < m < 2^53) when that is exactly representable.
        private static double Compose(ulong m, int e)
        {
            int sh = Clz64(m) - 11;
            m <<= sh;
            e -= sh;
            int biased = e + 1075;
            if (biased >= 1) return FromBits(((ulong)biased << 52) | (m & MantMask));
            return FromBits(m >> (1 - biased));
        }

        // (hi + lo) * 2^k rounded once to nearest, for 2^-2 <= |hi| < 2^2 and |lo| <= ulp(hi):
        // overflow gives inf, subnormal results are rounded from the exact hi + lo (no double rounding).
        private static double ScaleDD(double hi, double lo, int k)
        {
            if (k >= -1020)
            {
                double v = hi + lo;
                if (k <= 1023) return v * Pow2(k);
                v *= Pow2(1023);
                k -= 1023;
                return v * Pow2(k > 1023 ? 1023 : k);
            }
            double v0 = hi + lo;
            if ((int)((Bits(v0) >> 52) & 0x7FF) + k >= 1) return v0 * Pow2(k + 64) * Pow2(-64);   // still normal
            bool neg = hi < 0;
            if (neg) { hi = -hi; lo = -lo; }
            ulong bits;
            if (k < -1080) bits = 0;
            else
            {
                // In units of 2^-1074 the result is the integer nearest to hi*2^(k+1074) + lo*2^(k+1074),
                // which is below 2^52 here; ties are broken by the exact low part e.
                double s2 = Pow2(k + 1074);
                TwoSum(hi * s2, lo * s2, out double s, out double e);
                double t = s + TwoP52;
                long n = (long)(Bits(t) - 0x4330000000000000UL);
                double d = s - (t - TwoP52);
                if (d == 0.5 && e > 0) n++;
                else if (d == -0.5 && e < 0) n--;
                bits = (ulong)n;
            }
            double res = FromBits(bits);
            return neg ? -res : res;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static double Tab(ReadOnlySpan<byte> table, int i)
        {
            fixed (byte* p = table) return ((double*)p)[i];
        }

        // ---------------------------------------------------------------- classification

        [RuntimeExport("abi_isnan")]
        public static int IsNan(double x) => (Bits(x) & AbsMask) > ExpMask ? 1 : 0;
        [RuntimeExport("abi_isinf")]
        public static int IsInf(double x) => (Bits(x) & AbsMask) == ExpMask ? ((long)Bits(x) < 0 ? -1 : 1) : 0;
        [RuntimeExport("abi_finite")]
        public static int Finite(double x) => (Bits(x) & AbsMask) < ExpMask ? 1 : 0;
        [RuntimeExport("abi___signbit")]
        public static int SignBit(double x) => (int)(Bits(x) >> 63);
        // glibc's FP_NAN, FP_INFINITE, FP_ZERO, FP_SUBNORMAL, FP_NORMAL = 0..4.
        [RuntimeExport("abi___fpclassify")]
        public static int FpClassify(double x)
        {
            ulong a = Bits(x) & AbsMask;
            if (a > ExpMask) return 0;
            if (a == ExpMask) return 1;
            if (a == 0) return 2;
            return a < Implicit ? 3 : 4;
        }
        [RuntimeExport("abi_isnanf")]
        public static int IsNanF(float x) => (BitsF(x) & 0x7FFFFFFFu) > 0x7F800000u ? 1 : 0;
        [RuntimeExport("abi_isinff")]
        public static int IsInfF(float x) => (BitsF(x) & 0x7FFFFFFFu) == 0x7F800000u ? ((int)BitsF(x) < 0 ? -1 : 1) : 0;
        [RuntimeExport("abi_finitef")]
        public static int FiniteF(float x) => (BitsF(x) & 0x7FFFFFFFu) < 0x7F800000u ? 1 : 0;
        [RuntimeExport("abi___signbitf")]
        public static int SignBitF(float x) => (int)(BitsF(x) >> 31);
        [RuntimeExport("abi___fpclassifyf")]
        public static int FpClassifyF(float x)
        {
            uint a = BitsF(x) & 0x7FFFFFFFu;
            if (a > 0x7F800000u) return 0;
            if (a == 0x7F800000u) return 1;
            if (a == 0) return 2;
            return a < 0x00800000u ? 3 : 4;
        }

        // ---------------------------------------------------------------- constants

        private const double PiOver4 = 0.7853981633974483;       // RN(pi/4)
        private const double ThreePiOver4 = 2.356194490192345;   // RN(3pi/4)

        private const double Ln2Hi = 0.6931471805598903;  // 0x3FE62E42FEFA3800 ln 2, 42 bits
        private const double Ln2Lo = 5.497923018708371e-14;  // 0x3D2EF35793C76730
        private const double Ln2DdHi = 0.6931471805599453;  // 0x3FE62E42FEFA39EF
        private const double Ln2DdLo = 2.3190468138462996e-17;  // 0x3C7ABC9E3B39803F
        private const double Ln2Over64Hi = 0.010830424696223417;  // 0x3F862E42FEFA0000 ln2/64, 36 bits
        private const double Ln2Over64Lo = 2.572804622327669e-14;  // 0x3D1CF79ABC9E3B3A
        private const double SixtyFourOverLn2 = 92.33248261689366;  // 0x40571547652B82FE
        private const double PiOver2Hi = 1.5707963267948966;  // 0x3FF921FB54442D18
        private const double PiOver2Lo = 6.123233995736766e-17;  // 0x3C91A62633145C07
        private const double PiHi = 3.141592653589793;  // 0x400921FB54442D18
        private const double PiLo = 1.2246467991473532e-16;  // 0x3CA1A62633145C07
        private const double TwoOverPi = 0.6366197723675814;  // 0x3FE45F306DC9C883
        private const double PiOver2P1 = 1.5707963267341256;  // 0x3FF921FB54400000 33 bits
        private const double PiOver2P2 = 6.077100506303966e-11;  // 0x3DD0B4611A600000 33 bits
        private const double PiOver2P3 = 2.0222662487111665e-21;  // 0x3BA3198A2E000000 33 bits
        private const double PiOver2P4 = 8.4784276603689e-32;  // 0x397B839A252049C1
        private const double InvLn2Hi = 1.4426950408889634;  // 0x3FF71547652B82FE
        private const double InvLn2Lo = 2.0355273740931033e-17;  // 0x3C7777D0FFDA0D24
        private const double InvLn10Hi = 0.4342944819032518;  // 0x3FDBCB7B1526E50E
        private const double InvLn10Lo = 1.098319650216765e-17;  // 0x3C695355BAAAFAD3
        private const double Ln10Hi = 2.302585092994046;  // 0x40026BB1BBB55516
        private const double Ln10Lo = -2.1707562233822494e-16;  // 0xBCAF48AD494EA3E9
        private const double Log10Of2Hi = 0.3010299956639812;  // 0x3FD34413509F79FF
        private const double Log10Of2Lo = -2.8037281277851704e-18;  // 0xBC49DC1DA994FD21

        private const double TwoOverSqrtPiHi = 1.1283791670955126;  // 2/sqrt(pi)
        private const double TwoOverSqrtPiLo = 1.533545961316588e-17;
        private const double LnSqrt2PiHi = 0.9189385332046728;  // log(sqrt(2 pi))
        private const double LnSqrt2PiLo = -3.8782941580672414e-17;
        private const double Inv12Hi = 0.08333333333333333;  // 1/12
        private const double Inv12Lo = 4.625929269271485e-18;
        private const double LnPiHi = 1.1447298858494002;  // log(pi)
        private const double LnPiLo = 1.0265951162707826e-17;
        private const double EulerGamma = 0.5772156649015329;  // Euler's constant
        private const double ErfC1Hi = -0.3333333333333333;  // (-1)^1/(1! 3)
        private const double ErfC1Lo = -1.850371707708594e-17;
        private const double ErfC2Hi = 0.1;  // (-1)^2/(2! 5)
        private const double ErfC2Lo = -5.551115123125783e-18;
        private const double ErfC3Hi = -0.023809523809523808;  // (-1)^3/(3! 7)
        private const double ErfC3Lo = -1.32169407693471e-18;
        private const double LgC1Hi = 0.42278433509846713;  // 1 - Euler's constant
        private const double LgC1Lo = 4.942915152430645e-18;
        private const double LgC2Hi = 0.3224670334241132;  // (zeta(2) - 1)/2
        private const double LgC2Lo = 1.520336175199238e-17;
        private const double LgC3Hi = -0.0673523010531981;  // -(zeta(3) - 1)/3
        private const double LgC3Lo = 6.87667631175899e-18;
    }
}
