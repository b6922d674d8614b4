// <math.h>: sinh, cosh, tanh and their inverses.
using System;
using System.Runtime;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Math
{
    internal static unsafe partial class MathLib
    {
        // ---------------------------------------------------------------- hyperbolic

        [RuntimeExport("abi_sinh")]
        public static double Sinh(double x)
        {
            ulong b = Bits(x), a = b & AbsMask;
            if (a >= ExpMask) return x + x;
            if (a < 0x3E50000000000000UL) return x;                 // |x| < 2^-26
            double ad = FromBits(a), r;
            if (ad < 22.0)
            {
                // sinh = (u + u/(u + 1)) / 2, u = expm1(|x|)
                ExpM1DD(ad, out double uh, out double ul);
                TwoSum(uh, 1.0, out double dh, out double dl);
                dl += ul;
                DivDD(uh, ul, dh, dl, out double qh, out double ql);
                TwoSum(uh, qh, out double h, out double e);
                r = 0.5 * (h + (e + ul + ql));
            }
            else if (ad > 711.0) { Errno.Set(Errno.ERANGE); r = Inf; }
            else
            {
                int k = ExpCore(ad, 0, out double h, out double l);
                r = ScaleDD(h, l, k - 1);
                if (r == Inf) Errno.Set(Errno.ERANGE);
            }
            return (long)b < 0 ? -r : r;
        }

        [RuntimeExport("abi_cosh")]
        public static double Cosh(double x)
        {
            ulong a = Bits(x) & AbsMask;
            if (a >= ExpMask) return x * x;
            if (a < 0x3E50000000000000UL) return 1.0;
            double ad = FromBits(a);
            if (ad < 22.0)
            {
                int k = ExpCore(ad, 0, out double eh, out double el);
                double s = Pow2(k);
                eh *= s;
                el *= s;
                double ih = 1.0 / eh;
                TwoProd(ih, eh, out double p, out double pe);
                double il = ((1.0 - p) - pe - ih * el) / eh;
                TwoSum(eh, ih, out double h, out double e);
                return 0.5 * (h + (e + el + il));
            }
            if (ad > 711.0) { Errno.Set(Errno.ERANGE); return Inf; }
            int k2 = ExpCore(ad, 0, out double h2, out double l2);
            double r = ScaleDD(h2, l2, k2 - 1);
            if (r == Inf) Errno.Set(Errno.ERANGE);
            return r;
        }

        [RuntimeExport("abi_tanh")]
        public static double Tanh(double x)
        {
            ulong b = Bits(x), a = b & AbsMask;
            if (a > ExpMask) return x + x;
            if (a < 0x3E40000000000000UL) return x;                 // |x| < 2^-27
            double r;
            if (a >= 0x4036000000000000UL) r = 1.0;                  // |x| >= 22
            else
            {
                // tanh = u / (u + 2), u = expm1(2|x|)
                ExpM1DD(2.0 * FromBits(a), out double uh, out double ul);
                TwoSum(uh, 2.0, out double dh, out double dl);
                dl += ul;
                DivDD(uh, ul, dh, dl, out double qh, out double ql);
                r = qh + ql;
            }
            return (long)b < 0 ? -r : r;
        }

        [RuntimeExport("abi_asinh")]
        public static double Asinh(double x)
        {
            ulong b = Bits(x), a = b & AbsMask;
            if (a >= ExpMask) return x + x;
            if (a < 0x3E50000000000000UL) return x;                 // |x| < 2^-26
            double ad = FromBits(a), rh, rl;
            if (a > 0x41B0000000000000UL)                           // |x| > 2^28: log(2|x|)
            {
                LogFull(ad, out double h, out double l);
                TwoSum(h, Ln2DdHi, out rh, out double e);
                rl = e + l + Ln2DdLo;
            }
            else
            {
                // log1p(|x| + x^2 / (1 + sqrt(1 + x^2)))
                TwoProd(ad, ad, out double q, out double qe);
                TwoSum(1.0, q, out double s, out double se);
                se += qe;
                SqrtDD(s, se, out double sh, out double sl);
                TwoSum(1.0, sh, out double dh, out double dl);
                dl += sl;
                DivDD(q, qe, dh, dl, out double fh, out double fl);
                TwoSum(ad, fh, out double wh, out double wl);
                wl += fl;
                Log1pDD(wh, wl, out rh, out rl);
            }
            double r = rh + rl;
            return (long)b < 0 ? -r : r;
        }

        [RuntimeExport("abi_acosh")]
        public static double Acosh(double x)
        {
            if (IsNaN(x)) return x + x;
            if (x < 1.0) { Errno.Set(Errno.EDOM); return NaN; }
            if (x == 1.0) return 0.0;
            if (x == Inf) return x;
            double rh, rl;
            if (x > 268435456.0)                                     // > 2^28: log(2x)
            {
                LogFull(x, out double h, out double l);
                TwoSum(h, Ln2DdHi, out rh, out double e);
                rl = e + l + Ln2DdLo;
            }
            else
            {
                // log1p(t + sqrt(t*(x + 1))), t = x - 1
                TwoSum(x, -1.0, out double th, out double tl);
                TwoSum(x, 1.0, out double ph, out double pl);
                MulDD(th, tl, ph, pl, out double mh, out double ml);
                SqrtDD(mh, ml, out double sh, out double sl);
                TwoSum(th, sh, out double wh, out double wl);
                wl += tl + sl;
                Log1pDD(wh, wl, out rh, out rl);
            }
            return rh + rl;
        }

        [RuntimeExport("abi_atanh")]
        public static double Atanh(double x)
        {
            ulong b = Bits(x), a = b & AbsMask;
            if (a > ExpMask) return x + x;
            if (a >= OneBits)
            {
                if (a == OneBits) { Errno.Set(Errno.ERANGE); return (long)b < 0 ? -Inf : Inf; }
                Errno.Set(Errno.EDOM);
                return NaN;
            }
            if (a < 0x3E40000000000000UL) return x;
            double ad = FromBits(a);
            // atanh = log1p(2|x| / (1 - |x|)) / 2
            TwoSum(1.0, -ad, out double dh, out double dl);
            DivDD(2.0 * ad, 0, dh, dl, out double wh, out double wl);
            Log1pDD(wh, wl, out double rh, out double rl);
            double r = 0.5 * (rh + rl);
            return (long)b < 0 ? -r : r;
        }
    }
}
