// <math.h>: sin, cos, tan with their argument reduction, and atan, atan2, asin, acos.
using System;
using System.Runtime;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Math
{
    internal static unsafe partial class MathLib
    {
        // ---------------------------------------------------------------- sin, cos, tan

        // 64-bit word k of the 2/pi expansion (see TwoOverPiBits).
        private static ulong TwoOverPiWord(int k)
        {
            fixed (byte* p = TwoOverPiBits) return ((ulong*)p)[k];
        }

        // Payne-Hanek: x = n*pi/2 + (rh + rl), |rh + rl| <= pi/4, for |x| >= 2^20.
        private static int ReduceLarge(double x, out double rh, out double rl)
        {
            ulong ab = Bits(x) & AbsMask;
            int E = (int)(ab >> 52) - 1075;                          // |x| = m * 2^E
            ulong m = (ab & MantMask) | Implicit;
            // Bit p of the stream (p = 0 is word 0's top bit) weighs 2^(63-p) in 2/pi. Bits with
            // E + 63 - p >= 2 contribute multiples of 4 to x*2/pi: start at p0 = E + 62.
            int p0 = E + 62;
            int k = p0 >> 6, s = p0 & 63;
            ulong w0 = TwoOverPiWord(k), w1 = TwoOverPiWord(k + 1), w2 = TwoOverPiWord(k + 2);
            if (s != 0)
            {
                ulong w3 = TwoOverPiWord(k + 3);
                w0 = (w0 << s) | (w1 >> (64 - s));
                w1 = (w1 << s) | (w2 >> (64 - s));
                w2 = (w2 << s) | (w3 >> (64 - s));
            }
            // P = m * (w0:w1:w2); x*2/pi = P * 2^-190 (mod 4).
            ulong h2 = Mul64(m, w2, out ulong P0);
            ulong h1 = Mul64(m, w1, out ulong l1);
            Mul64(m, w0, out ulong l0);
            ulong P1 = h2 + l1;
            ulong P2 = h1 + l0 + (P1 < h2 ? 1UL : 0);
            int n = (int)(P2 >> 62);
            ulong f2 = (P2 << 2) | (P1 >> 62), f1 = (P1 << 2) | (P0 >> 62), f0 = P0 << 2;   // fraction * 2^192
            bool negative = false;
            if ((long)f2 < 0)
            {
                n++;
                f0 = ~f0; f1 = ~f1; f2 = ~f2;
                f0++;
                if (f0 == 0) { f1++; if (f1 == 0) f2++; }
                negative = true;
            }
            int lz = 0;
            while (f2 == 0 && lz < 128) { f2 = f1; f1 = f0; f0 = 0; lz += 64; }
            int c = Clz64(f2);
            if (c != 0)
            {
                f2 = (f2 << c) | (f1 >> (64 - c));
                f1 = (f1 << c) | (f0 >> (64 - c));
            }
            lz += c;
            // fraction = (f2:f1) * 2^(-128 - lz) (truncated)
            double fh = FromBits(((ulong)(1022 - lz) << 52) | ((f2 >> 11) & MantMask));
            double fl = (double)(long)(((f2 & 0x7FF) << 42) | (f1 >> 22)) * Pow2(-106 - lz);
            TwoProd(fh, PiOver2Hi, out double ph, out double pl);
            pl += fh * PiOver2Lo + fl * PiOver2Hi;
            FastTwoSum(ph, pl, out rh, out rl);
            if (negative) { rh = -rh; rl = -rl; }
            if ((long)Bits(x) < 0) { rh = -rh; rl = -rl; n = -n; }
            return n;
        }

        // x = n*pi/2 + (rh + rl), |rh + rl| <= ~pi/4; returns n (only n mod 4 matters).
        private static int Reduce(double x, out double rh, out double rl)
        {
            ulong ax = Bits(x) & AbsMask;
            if (ax <= 0x3FE921FB54442D18UL) { rh = x; rl = 0; return 0; }      // |x| <= pi/4
            if (ax < 0x413921FB00000000UL)                                    // |x| < ~2^20 * pi/2
            {
                double nd = RoundInt(x * TwoOverPi, out long n);
                double r = x - nd * PiOver2P1;                                // exact
                TwoSum(r, -(nd * PiOver2P2), out double a, out double ae);
                TwoSum(a, -(nd * PiOver2P3), out double h, out double he);
                FastTwoSum(h, ae + he - nd * PiOver2P4, out rh, out rl);
                return (int)n;
            }
            return ReduceLarge(x, out rh, out rl);
        }

        // sin and cos of r = rh + rl (|r| <= ~pi/4) as double-doubles: r = j/64 + b, |b| <= 1/128,
        // sin(j/64), cos(j/64) from the table, Taylor series for sin(b) - b and cos(b) - 1.
        private static void SinCosKernel(double rh, double rl, out double sh, out double sl, out double ch, out double cl)
        {
            bool neg = rh < 0;
            double ar = neg ? -rh : rh, bl = neg ? -rl : rl;
            double jd = RoundInt(ar * 64.0, out long jl);
            int j = (int)jl;
            double bh = ar - jd * 0.015625;                         // exact
            double bb = bh + bl;
            double z = bb * bb;
            double sbt = bb * z * (-1.0 / 6 + z * (1.0 / 120 + z * (-1.0 / 5040)));
            double cbt = z * (-0.5 + z * (1.0 / 24 + z * (-1.0 / 720 + z * (1.0 / 40320))));
            double Sh = Tab(SinCosTable, 4 * j), Sl = Tab(SinCosTable, 4 * j + 1);
            double Ch = Tab(SinCosTable, 4 * j + 2), Cl = Tab(SinCosTable, 4 * j + 3);
            // sin(a + b) = S + C*b + S*(cos b - 1) + C*(sin b - b)
            TwoProd(Ch, bh, out double p, out double pe);
            TwoSum(Sh, p, out double s, out double se);
            double lo = se + pe + Sl + Ch * bl + Cl * bh + Sh * cbt + Ch * sbt;
            FastTwoSum(s, lo, out sh, out sl);
            // cos(a + b) = C - S*b + C*(cos b - 1) - S*(sin b - b)
            TwoProd(Sh, bh, out p, out pe);
            TwoSum(Ch, -p, out double c, out double ce);
            lo = ce - pe + Cl - Sh * bl - Sl * bh + Ch * cbt - Sh * sbt;
            FastTwoSum(c, lo, out ch, out cl);
            if (neg) { sh = -sh; sl = -sl; }
        }

        [RuntimeExport("abi_sin")]
        public static double Sin(double x)
        {
            ulong a = Bits(x) & AbsMask;
            if (a < 0x3E40000000000000UL) return x;                 // |x| < 2^-27: sin x rounds to x
            if (a >= ExpMask) { if (a == ExpMask) Errno.Set(Errno.EDOM); return x - x; }
            int n = Reduce(x, out double rh, out double rl);
            SinCosKernel(rh, rl, out double sh, out double sl, out double ch, out double cl);
            switch (n & 3)
            {
                case 0: return sh + sl;
                case 1: return ch + cl;
                case 2: return -(sh + sl);
                default: return -(ch + cl);
            }
        }

        [RuntimeExport("abi_cos")]
        public static double Cos(double x)
        {
            ulong a = Bits(x) & AbsMask;
            if (a < 0x3E40000000000000UL) return 1.0;
            if (a >= ExpMask) { if (a == ExpMask) Errno.Set(Errno.EDOM); return x - x; }
            int n = Reduce(x, out double rh, out double rl);
            SinCosKernel(rh, rl, out double sh, out double sl, out double ch, out double cl);
            switch (n & 3)
            {
                case 0: return ch + cl;
                case 1: return -(sh + sl);
                case 2: return -(ch + cl);
                default: return sh + sl;
            }
        }

        [RuntimeExport("abi_sincos")]
        public static void SinCos(double x, double* sp, double* cp)
        {
            ulong a = Bits(x) & AbsMask;
            if (a < 0x3E40000000000000UL) { *sp = x; *cp = 1.0; return; }
            if (a >= ExpMask) { if (a == ExpMask) Errno.Set(Errno.EDOM); *sp = x - x; *cp = x - x; return; }
            int n = Reduce(x, out double rh, out double rl);
            SinCosKernel(rh, rl, out double sh, out double sl, out double ch, out double cl);
            double s = sh + sl, c = ch + cl;
            switch (n & 3)
            {
                case 0: *sp = s; *cp = c; break;
                case 1: *sp = c; *cp = -s; break;
                case 2: *sp = -s; *cp = -c; break;
                default: *sp = -c; *cp = s; break;
            }
        }

        [RuntimeExport("abi_tan")]
        public static double Tan(double x)
        {
            ulong a = Bits(x) & AbsMask;
            if (a < 0x3E40000000000000UL) return x;
            if (a >= ExpMask) { if (a == ExpMask) Errno.Set(Errno.EDOM); return x - x; }
            int n = Reduce(x, out double rh, out double rl);
            SinCosKernel(rh, rl, out double sh, out double sl, out double ch, out double cl);
            double qh, ql;
            if ((n & 1) == 0) DivDD(sh, sl, ch, cl, out qh, out ql);
            else { DivDD(ch, cl, sh, sl, out qh, out ql); qh = -qh; ql = -ql; }
            return qh + ql;
        }

        // ---------------------------------------------------------------- atan, atan2, asin, acos

        // atan(t) for t = th + tl in [0, ~1] as a double-double: atan(c) + atan((t - c)/(1 + t*c)), c = j/64.
        private static void AtanKernel(double th, double tl, out double rh, out double rl)
        {
            double jd = RoundInt(th * 64.0, out long jl);
            int j = (int)jl;
            double c = jd * 0.015625;
            TwoSum(th - c, tl, out double nh, out double nl);        // th - c is exact
            TwoProd(th, c, out double p, out double pe);
            FastTwoSum(1.0, p, out double dh, out double dl);
            dl += pe + tl * c;
            double uh = nh / dh;
            TwoProd(uh, dh, out double q, out double qe);
            double ul = ((nh - q) - qe + nl - uh * dl) / dh;
            double z = uh * uh;
            double tail = ul + uh * z * (-1.0 / 3 + z * (0.2 + z * (-1.0 / 7 + z * (1.0 / 9))));
            double ah = Tab(AtanTable, 2 * j), al = Tab(AtanTable, 2 * j + 1);
            TwoSum(ah, uh, out double s, out double se);
            FastTwoSum(s, se + al + tail, out rh, out rl);
        }

        // atan(y/x) for x, y >= 0 (double-doubles, not both 0), as a double-double in [0, pi/2].
        private static void Atan2DD(double yh, double yl, double xh, double xl, out double rh, out double rl)
        {
            if (yh <= xh)
            {
                DivDD(yh, yl, xh, xl, out double th, out double tl);
                AtanKernel(th, tl, out rh, out rl);
            }
            else
            {
                DivDD(xh, xl, yh, yl, out double th, out double tl);
                AtanKernel(th, tl, out double ah, out double al);
                TwoSum(PiOver2Hi, -ah, out double s, out double se);
                FastTwoSum(s, se + PiOver2Lo - al, out rh, out rl);
            }
        }

        [RuntimeExport("abi_atan")]
        public static double Atan(double x)
        {
            ulong b = Bits(x), a = b & AbsMask;
            if (a < 0x3E40000000000000UL) return x;
            if (a > ExpMask) return x + x;
            double rh, rl;
            if (a <= OneBits) AtanKernel(FromBits(a), 0, out rh, out rl);
            else if (a >= 0x43B0000000000000UL) { rh = PiOver2Hi; rl = PiOver2Lo - 1.0 / FromBits(a); }
            else
            {
                double ad = FromBits(a);
                double yh = 1.0 / ad;
                TwoProd(yh, ad, out double p, out double pe);
                double yl = ((1.0 - p) - pe) / ad;
                AtanKernel(yh, yl, out double th, out double tl);
                TwoSum(PiOver2Hi, -th, out rh, out double e);
                rl = e + PiOver2Lo - tl;
            }
            double r = rh + rl;
            return (long)b < 0 ? -r : r;
        }

        [RuntimeExport("abi_atan2")]
        public static double Atan2(double y, double x)
        {
            ulong bx = Bits(x), by = Bits(y), ax = bx & AbsMask, ay = by & AbsMask;
            if (ax > ExpMask || ay > ExpMask) return x + y;
            bool xneg = (long)bx < 0, yneg = (long)by < 0;
            double r;
            if (ay == 0)
            {
                r = xneg ? PiHi : 0.0;
                return yneg ? -r : r;
            }
            if (ax == 0 || (ay == ExpMask && ax != ExpMask)) return yneg ? -PiOver2Hi : PiOver2Hi;
            if (ax == ExpMask)
            {
                r = ay == ExpMask ? (xneg ? ThreePiOver4 : PiOver4) : (xneg ? PiHi : 0.0);
                return yneg ? -r : r;
            }
            double X = FromBits(ax), Y = FromBits(ay), rh, rl;
            int ex = (int)(ax >> 52), ey = (int)(ay >> 52);
            if (ey - ex > 60) { rh = PiOver2Hi; rl = PiOver2Lo - X / Y; }
            else if (ex - ey > 60)
            {
                double t = Y / X;                                    // atan(t) rounds like t
                if (!xneg)
                {
                    if (t == 0) Errno.Set(Errno.ERANGE);
                    return yneg ? -t : t;
                }
                rh = 0; rl = t;
            }
            else
            {
                int emax = ex > ey ? ex : ey;
                if (emax > 1535) { X *= Pow2(-600); Y *= Pow2(-600); }
                else if (emax < 512) { X *= Pow2(600); Y *= Pow2(600); }
                Atan2DD(Y, 0, X, 0, out rh, out rl);
            }
            if (xneg)
            {
                TwoSum(PiHi, -rh, out double s, out double se);
                FastTwoSum(s, se + PiLo - rl, out rh, out rl);
            }
            r = rh + rl;
            return yneg ? -r : r;
        }

        // sqrt(1 - a^2) as a double-double, 0 <= a < 1.
        private static void SqrtOneMinusSquare(double a, out double sh, out double sl)
        {
            TwoProd(a, a, out double q, out double qe);
            TwoSum(1.0, -q, out double d, out double de);
            de -= qe;
            FastTwoSum(d, de, out d, out de);
            SqrtDD(d, de, out sh, out sl);
        }

        [RuntimeExport("abi_asin")]
        public static double Asin(double x)
        {
            ulong b = Bits(x), a = b & AbsMask;
            if (a >= OneBits)
            {
                if (a == OneBits) return (long)b < 0 ? -PiOver2Hi : PiOver2Hi;
                if (a > ExpMask) return x + x;
                Errno.Set(Errno.EDOM);
                return PosNaN;
            }
            if (a < 0x3E40000000000000UL) return x;
            double ad = FromBits(a);
            SqrtOneMinusSquare(ad, out double sh, out double sl);
            Atan2DD(ad, 0, sh, sl, out double rh, out double rl);
            double r = rh + rl;
            return (long)b < 0 ? -r : r;
        }

        [RuntimeExport("abi_acos")]
        public static double Acos(double x)
        {
            ulong b = Bits(x), a = b & AbsMask;
            if (a >= OneBits)
            {
                if (a == OneBits) return (long)b < 0 ? PiHi : 0.0;
                if (a > ExpMask) return x + x;
                Errno.Set(Errno.EDOM);
                return PosNaN;
            }
            if (a < 0x3C80000000000000UL) return PiOver2Hi;          // |x| < 2^-55
            double ad = FromBits(a);
            SqrtOneMinusSquare(ad, out double sh, out double sl);
            Atan2DD(sh, sl, ad, 0, out double rh, out double rl);
            if ((long)b < 0)
            {
                TwoSum(PiHi, -rh, out double s, out double se);
                FastTwoSum(s, se + PiLo - rl, out rh, out rl);
            }
            return rh + rl;
        }
    }
}
