// <math.h>: exp, exp2, exp10, expm1, log, log2, log10, log1p and pow, in double-double arithmetic.
using System;
using System.Runtime;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Math
{
    internal static unsafe partial class MathLib
    {
        // ---------------------------------------------------------------- exp

        // exp(a + ae) for |a| <= ~ln2/128 times 2^(j/64): (rh + rl), ~2^-66 relative.
        private static void ExpKernel(int j, double a, double ae, out double rh, out double rl)
        {
            double th = Tab(ExpTable, 2 * j), tl = Tab(ExpTable, 2 * j + 1);
            double z = a * a;
            // exp(a+ae) - 1 - a = ae + a*ae + a^2/2 + a^3/6 + ... + a^6/720  (a^7/7! < 2^-65)
            double q = ae + a * ae + z * (0.5 + a * (1.0 / 6 + a * (1.0 / 24 + a * (1.0 / 120 + a * (1.0 / 720)))));
            TwoProd(th, a, out double ph, out double pl);
            FastTwoSum(th, ph, out double s, out double se);
            double lo = se + pl + tl + th * q + tl * a;
            FastTwoSum(s, lo, out rh, out rl);
        }

        // exp(xh + xl) = (rh + rl) * 2^k for |xh| <= 1500, |xl| <= 2^-40.
        private static int ExpCore(double xh, double xl, out double rh, out double rl)
        {
            double nd = RoundInt(xh * SixtyFourOverLn2, out long n);
            double r = xh - nd * Ln2Over64Hi;                       // exact
            TwoSum(r, -(nd * Ln2Over64Lo), out double a, out double ae);
            ae += xl;
            ExpKernel((int)(n & 63), a, ae, out rh, out rl);
            return (int)(n >> 6);
        }

        [RuntimeExport("abi_exp")]
        public static double Exp(double x)
        {
            ulong a = Bits(x) & AbsMask;
            if (a >= 0x4087500000000000UL)                          // |x| >= 746, inf, NaN
                return ExpBeyondRange(x, a);
            if (a < 0x3C90000000000000UL) return 1.0 + x;           // |x| < 2^-54
            int k = ExpCore(x, 0, out double h, out double l);
            double res = ScaleDD(h, l, k);
            if (res == 0 || res == Inf) Errno.Set(Errno.ERANGE);
            return res;
        }

        // exp-family arguments past the range of finite non-zero results, inf or NaN: NaN stays NaN,
        // +inf and -inf give inf and 0 exactly, anything else overflows or underflows with ERANGE.
        private static double ExpBeyondRange(double x, ulong a)
        {
            if (a > ExpMask) return x + x;
            if ((long)Bits(x) >= 0)
            {
                if (a == ExpMask) return x;
                Errno.Set(Errno.ERANGE);
                return Inf;
            }
            if (a == ExpMask) return 0.0;
            Errno.Set(Errno.ERANGE);
            return 0.0;
        }

        [RuntimeExport("abi_exp2")]
        public static double Exp2(double x)
        {
            ulong a = Bits(x) & AbsMask;
            if (a >= 0x4091000000000000UL)                          // |x| >= 1088, inf, NaN
                return ExpBeyondRange(x, a);
            if (a < 0x3C90000000000000UL) return 1.0 + x;
            double nd = RoundInt(x * 64.0, out long n);
            double r = x - nd * 0.015625;                            // exact
            TwoProd(r, Ln2DdHi, out double ah, out double al);
            al += r * Ln2DdLo;
            ExpKernel((int)(n & 63), ah, al, out double h, out double l);
            double res = ScaleDD(h, l, (int)(n >> 6));
            if (res == 0 || res == Inf) Errno.Set(Errno.ERANGE);
            return res;
        }

        [RuntimeExport("abi_exp10")]
        public static double Exp10(double x)
        {
            ulong a = Bits(x) & AbsMask;
            if (a >= 0x4075000000000000UL)                          // |x| >= 336, inf, NaN
                return ExpBeyondRange(x, a);
            if (a < 0x3C60000000000000UL) return 1.0 + x;          // |x| < 2^-57
            TwoProd(x, Ln10Hi, out double h0, out double l0);
            l0 += x * Ln10Lo;
            FastTwoSum(h0, l0, out h0, out l0);
            int k = ExpCore(h0, l0, out double h, out double l);
            double res = ScaleDD(h, l, k);
            if (res == 0 || res == Inf) Errno.Set(Errno.ERANGE);
            return res;
        }

        // exp(x) - 1 as a double-double, |x| <= 50.
        private static void ExpM1DD(double x, out double h, out double l)
        {
            ulong a = Bits(x) & AbsMask;
            if (a < 0x3FC0000000000000UL)                           // |x| < 1/8: Taylor to x^13
            {
                if (a < 0x3C90000000000000UL) { h = x; l = 0; return; }
                TwoProd(x, x, out double q, out double qe);
                FastTwoSum(x, 0.5 * q, out h, out double e);
                double poly = x * q * (1.0 / 6 + x * (1.0 / 24 + x * (1.0 / 120 + x * (1.0 / 720 + x * (1.0 / 5040
                    + x * (1.0 / 40320 + x * (1.0 / 362880 + x * (1.0 / 3628800 + x * (1.0 / 39916800
                    + x * (1.0 / 479001600 + x * (1.0 / 6227020800.0)))))))))));
                l = e + 0.5 * qe + poly;
                FastTwoSum(h, l, out h, out l);
                return;
            }
            int k = ExpCore(x, 0, out double eh, out double el);
            double s = Pow2(k);
            eh *= s;
            el *= s;
            TwoSum(eh, -1.0, out h, out double e2);
            l = e2 + el;
            FastTwoSum(h, l, out h, out l);
        }

        [RuntimeExport("abi_expm1")]
        public static double Expm1(double x)
        {
            ulong a = Bits(x) & AbsMask;
            if (a > 0x4049000000000000UL)                           // |x| > 50, inf, NaN
            {
                if (a > ExpMask) return x + x;
                if ((long)Bits(x) < 0) return -1.0;
                return Exp(x);
            }
            if (a < 0x3C90000000000000UL) return x;
            ExpM1DD(x, out double h, out double l);
            return h + l;
        }

        // ---------------------------------------------------------------- log

        // log(x) = k*ln2 + (hi + lo), for finite x > 0; returns k.
        private static int LogCore(double x, out double hi, out double lo)
        {
            ulong m = Decompose(Bits(x), out int e);
            int k = e + 52;
            ulong mant = m & MantMask;
            double z;
            if (mant >= 0x6A09E667F3BCDUL) { z = FromBits(mant | 0x3FE0000000000000UL); k++; }   // z in [sqrt(1/2), sqrt(2))
            else z = FromBits(mant | OneBits);
            double t = z - 1.0;                                      // exact
            RoundInt(t * 128.0, out long jl);
            int j = (int)jl + 37;                                    // 0..90
            double c = Tab(LogTable, 3 * j), th = Tab(LogTable, 3 * j + 1), tl = Tab(LogTable, 3 * j + 2);
            // r = z*c - 1 exactly, as rh + rl; |r| < 2^-7.4
            TwoProd(z, c, out double p, out double pe);
            TwoSum(p - 1.0, pe, out double rh, out double rl);
            // log1p(r) = r - r^2/2 + r^3/3 - ... (to r^10: the rest < 2^-70 r)
            TwoProd(rh, rh, out double q, out double qe);
            qe += 2.0 * rh * rl;
            double poly = rh * q * (1.0 / 3 + rh * (-0.25 + rh * (0.2 + rh * (-1.0 / 6 + rh * (1.0 / 7
                + rh * (-0.125 + rh * (1.0 / 9 + rh * (-0.1)))))))) ;
            FastTwoSum(rh, -0.5 * q, out double s, out double se);
            double low = se + rl - 0.5 * qe + poly;
            TwoSum(th, s, out double a, out double ae);
            FastTwoSum(a, ae + tl + low, out hi, out lo);
            return k;
        }

        // log(x) as a double-double (~2^-68 relative), finite x > 0.
        private static void LogFull(double x, out double hi, out double lo)
        {
            int k = LogCore(x, out double h, out double l);
            TwoSum(k * Ln2Hi, h, out double a, out double ae);
            FastTwoSum(a, ae + l + k * Ln2Lo, out hi, out lo);
        }

        // The domain checks shared by log, log2, log10; returns true with the result in r when x is special.
        private static bool LogSpecial(double x, out double r)
        {
            ulong b = Bits(x);
            if (b - 1 < ExpMask - 1) { r = 0; return false; }   // 0 < x < inf
            if ((b & AbsMask) == 0) { Errno.Set(Errno.ERANGE); r = -Inf; return true; }
            if ((b & AbsMask) > ExpMask) { r = x + x; return true; }
            if ((long)b < 0) { Errno.Set(Errno.EDOM); r = NaN; return true; }
            r = x;                                                   // +inf
            return true;
        }

        [RuntimeExport("abi_log")]
        public static double Log(double x)
        {
            if (LogSpecial(x, out double r)) return r;
            LogFull(x, out double h, out double l);
            return h + l;
        }

        [RuntimeExport("abi_log2")]
        public static double Log2(double x)
        {
            if (LogSpecial(x, out double r)) return r;
            int k = LogCore(x, out double h, out double l);
            MulDD(h, l, InvLn2Hi, InvLn2Lo, out double ph, out double pl);
            TwoSum(k, ph, out double a, out double ae);
            return a + (ae + pl);
        }

        [RuntimeExport("abi_log10")]
        public static double Log10(double x)
        {
            if (LogSpecial(x, out double r)) return IsNaN(r) && !IsNaN(x) ? PosNaN : r;
            int k = LogCore(x, out double h, out double l);
            MulDD(h, l, InvLn10Hi, InvLn10Lo, out double ph, out double pl);
            TwoProd(k, Log10Of2Hi, out double kh, out double kl);
            kl += k * Log10Of2Lo;
            TwoSum(kh, ph, out double a, out double ae);
            return a + (ae + pl + kl);
        }

        // log(1 + (wh + wl)) as a double-double, wh + wl > -1.
        private static void Log1pDD(double wh, double wl, out double hi, out double lo)
        {
            if ((Bits(wh) & AbsMask) < 0x3EB0000000000000UL)          // |w| < 2^-20: w - w^2/2 + w^3/3 - w^4/4
            {
                TwoProd(wh, wh, out double q, out double qe);
                FastTwoSum(wh, -0.5 * q, out hi, out double e);
                lo = e + wl - 0.5 * qe - wh * wl + wh * q * (1.0 / 3 - 0.25 * wh);
                FastTwoSum(hi, lo, out hi, out lo);
                return;
            }
            TwoSum(1.0, wh, out double uh, out double ul);
            ul += wl;
            LogFull(uh, out double h, out double l);
            FastTwoSum(h, l + ul / uh, out hi, out lo);
        }

        [RuntimeExport("abi_log1p")]
        public static double Log1p(double x)
        {
            ulong b = Bits(x), a = b & AbsMask;
            if (a < 0x3C90000000000000UL) return x;                 // |x| < 2^-54
            if (b >= 0xBFF0000000000000UL)                          // x <= -1 (or a negative NaN)
            {
                if (a > ExpMask) return x + x;
                if (b == 0xBFF0000000000000UL) { Errno.Set(Errno.ERANGE); return -Inf; }
                Errno.Set(Errno.EDOM);
                return NaN;
            }
            if (a >= ExpMask) return x + x;                          // +inf, NaN
            Log1pDD(x, 0, out double h, out double l);
            return h + l;
        }

        // ---------------------------------------------------------------- pow

        // 0: not an integer, 1: odd integer, 2: even integer (|y| bits, finite, nonzero).
        private static int IntegerKind(ulong ay)
        {
            int e = (int)(ay >> 52) - 1023;
            if (e < 0) return 0;
            if (e > 52) return 2;
            ulong unit = 1UL << (52 - e);
            if ((ay & (unit - 1)) != 0) return 0;
            return (ay & unit) != 0 ? 1 : 2;
        }

        [RuntimeExport("abi_pow")]
        public static double Pow(double x, double y)
        {
            ulong bx = Bits(x), by = Bits(y), ax = bx & AbsMask, ay = by & AbsMask;
            if (ay == 0) return IsSignalingNaN(x) ? x + y : 1.0;
            if (bx == OneBits) return IsSignalingNaN(y) ? x + y : 1.0;
            if (ay > ExpMask || (ax > ExpMask && ay == ExpMask)) return x + y;
            if (ax > ExpMask)
            {
                // glibc: x*x, negated for a negative x and an odd integer y (NaN signs as glibc has them)
                double x2 = x * x;
                return (long)bx < 0 && IntegerKind(ay) == 1 ? -x2 : x2;
            }
            bool yneg = (long)by < 0;
            if (ay == ExpMask)
            {
                if (ax == OneBits) return 1.0;                       // (-1)^(+-inf)
                return (ax > OneBits) != yneg ? Inf : 0.0;
            }
            int kind = IntegerKind(ay);
            bool xneg = (long)bx < 0;
            bool negResult = xneg && kind == 1;
            if (ax == 0)
            {
                if (yneg) { Errno.Set(Errno.ERANGE); return negResult ? -Inf : Inf; }
                return negResult ? -0.0 : 0.0;
            }
            if (ax == ExpMask)
            {
                if (yneg) return negResult ? -0.0 : 0.0;
                return negResult ? -Inf : Inf;
            }
            if (xneg && kind == 0) { Errno.Set(Errno.EDOM); return NaN; }
            if (ax == OneBits) return negResult ? -1.0 : 1.0;
            double res;
            ulong mx = Decompose(ax, out int ex);
            if (mx == Implicit && kind != 0 && ay < 0x4340000000000000UL)
            {
                // x = +-2^(ex+52), y an integer: the result 2^(y*(ex+52)) is exact (a tie in the subnormal
                // range is no exception)
                long p = IntegralToInt64(y) * (ex + 52);
                res = Scalbn(1.0, p > 5000 ? 5000 : p < -5000 ? -5000 : (int)p);
                return negResult ? -res : res;
            }
            if (ay > 0x43F0000000000000UL)                           // |y| > 2^64: |y log x| > 2048
            {
                Errno.Set(Errno.ERANGE);
                res = (ax > OneBits) != yneg ? Inf : 0.0;
            }
            else
            {
                LogFull(FromBits(ax), out double lh, out double ll);
                TwoProd(y, lh, out double zh, out double zl);
                zl += y * ll;
                if (zh > 710.0) { Errno.Set(Errno.ERANGE); res = Inf; }
                else if (zh < -746.0) { Errno.Set(Errno.ERANGE); res = 0.0; }
                else
                {
                    FastTwoSum(zh, zl, out zh, out zl);
                    int k = ExpCore(zh, zl, out double h, out double l);
                    res = ScaleDD(h, l, k);
                    if (res == 0 || res == Inf) Errno.Set(Errno.ERANGE);
                }
            }
            return negResult ? -res : res;
        }
    }
}
