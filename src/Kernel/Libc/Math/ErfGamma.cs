// <math.h>: erf, erfc, tgamma and lgamma.
using System;
using System.Runtime;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Math
{
    internal static unsafe partial class MathLib
    {
        // ---------------------------------------------------------------- erf, erfc

        // (ah + al) + (bh + bl) as a double-double.
        private static void AddDD(double ah, double al, double bh, double bl, out double sh, out double sl)
        {
            TwoSum(ah, bh, out double s, out double e);
            FastTwoSum(s, e + al + bl, out sh, out sl);
        }

        // (hi + lo) * 2^k rounded once, for any finite hi (ScaleDD after normalizing hi to [1, 2)).
        private static double ScaleAny(double hi, double lo, int k)
        {
            ulong a = Bits(hi) & AbsMask;
            if (a == 0 || a >= ExpMask) return hi;
            if (a < Implicit) { hi *= TwoP64; lo *= TwoP64; k -= 64; a = Bits(hi) & AbsMask; }
            int e = (int)(a >> 52) - 1023;
            hi = FromBits((Bits(hi) & ~ExpMask) | OneBits);
            lo = lo * Pow2(-(e >> 1)) * Pow2((e >> 1) - e);
            return ScaleDD(hi, lo, k + e);
        }

        private const double TwoP64 = 18446744073709551616.0, TwoP128 = 3.402823669209385e+38;

        // erf(x) for 2^-40 <= x < 1 as a double-double: 2/sqrt(pi) x sum_n (-1)^n x^2n / (n! (2n+1)),
        // the terms n >= 4 in double (they are below 2^-7.7 of the sum), n = 3..0 in double-double.
        private static void ErfSmall(double x, out double h, out double l)
        {
            TwoProd(x, x, out double zh, out double zl);
            double z = zh;
            double sh = 0.004629629629629629 + z * (-0.0007575757575757576 + z * (0.00010683760683760684 + z * (-1.3227513227513228e-05
                + z * (1.4589169000933706e-06 + z * (-1.4503852223150468e-07 + z * (1.3122532963802806e-08 + z * (-1.0892221037148573e-09
                + z * (8.35070279514724e-11 + z * (-5.9477940136376354e-12 + z * (3.9554295164585257e-13 + z * (-2.466827010264457e-14
                + z * (1.4483264643598138e-15 + z * (-8.032735012415773e-17 + z * (4.221407288807088e-18 + z * (-2.107855191442136e-19
                + z * (1.0025164934907719e-20)))))))))))))))), sl = 0;
            MulDD(sh, sl, zh, zl, out sh, out sl);
            AddDD(sh, sl, ErfC3Hi, ErfC3Lo, out sh, out sl);
            MulDD(sh, sl, zh, zl, out sh, out sl);
            AddDD(sh, sl, ErfC2Hi, ErfC2Lo, out sh, out sl);
            MulDD(sh, sl, zh, zl, out sh, out sl);
            AddDD(sh, sl, ErfC1Hi, ErfC1Lo, out sh, out sl);
            MulDD(sh, sl, zh, zl, out sh, out sl);
            AddDD(sh, sl, 1.0, 0, out sh, out sl);
            MulDD(sh, sl, x, 0, out sh, out sl);
            MulDD(sh, sl, TwoOverSqrtPiHi, TwoOverSqrtPiLo, out h, out l);
        }

        // erfc(x) = (h + l) * 2^k for 0.5 <= x < 28: exp(-x^2) * erfcx(x), erfcx from ErfcxTable.
        private static int ErfcLarge(double x, out double h, out double l)
        {
            int i = 0;
            while (i + 1 < ErfcxRecords && x >= Tab(ErfcxTable, (i + 1) * ErfcxRecord)) i++;
            int b = i * ErfcxRecord;
            double t = x - Tab(ErfcxTable, b + 1);                   // exact
            double p = Tab(ErfcxTable, b + ErfcxRecord - 1);
            for (int j = ErfcxRecord - 2; j >= 6; j--) p = p * t + Tab(ErfcxTable, b + j);
            TwoProd(p, t, out double gh, out double gl);
            AddDD(gh, gl, Tab(ErfcxTable, b + 4), Tab(ErfcxTable, b + 5), out gh, out gl);
            MulDD(gh, gl, t, 0, out gh, out gl);
            AddDD(gh, gl, Tab(ErfcxTable, b + 2), Tab(ErfcxTable, b + 3), out gh, out gl);
            TwoProd(x, x, out double q, out double qe);
            int k = ExpCore(-q, -qe, out double eh, out double el);
            MulDD(eh, el, gh, gl, out h, out l);
            return k;
        }

        [RuntimeExport("abi_erf")]
        public static double Erf(double x)
        {
            ulong b = Bits(x), a = b & AbsMask;
            if (a >= ExpMask) return a > ExpMask ? x + x : ((long)b < 0 ? -1.0 : 1.0);
            if (a < 0x3D70000000000000UL)                            // |x| < 2^-40: 2x/sqrt(pi), rounded once
            {
                if (a == 0) return x;
                double xs = x * TwoP128;
                TwoProd(xs, TwoOverSqrtPiHi, out double ph, out double pl);
                pl += xs * TwoOverSqrtPiLo;
                return ScaleAny(ph, pl, -128);
            }
            double ax = FromBits(a), h, l;
            if (ax < 1.0) ErfSmall(ax, out h, out l);
            else if (ax < 6.0)
            {
                int k = ErfcLarge(ax, out double ch, out double cl);
                double s = Pow2(k);
                TwoSum(1.0, -ch * s, out h, out double e);
                l = e - cl * s;
            }
            else { h = 1.0; l = 0; }
            double r = h + l;
            return (long)b < 0 ? -r : r;
        }

        [RuntimeExport("abi_erfc")]
        public static double Erfc(double x)
        {
            ulong b = Bits(x), a = b & AbsMask;
            bool neg = (long)b < 0;
            if (a >= ExpMask) return a > ExpMask ? x + x : (neg ? 2.0 : 0.0);
            if (a < 0x3C70000000000000UL) return 1.0;               // |x| < 2^-56
            double ax = FromBits(a), h, l;
            if (ax < 0.5 || (neg && ax < 1.0))
            {
                ErfSmall(ax, out h, out l);                          // 1 -+ erf(|x|)
                if (!neg) { h = -h; l = -l; }
                TwoSum(1.0, h, out double s, out double e);
                return s + (e + l);
            }
            if (!neg)
            {
                if (ax >= 28.0) { Errno.Set(Errno.ERANGE); return 0.0; }
                int k = ErfcLarge(ax, out h, out l);
                double r = ScaleAny(h, l, k);
                if (r == 0) Errno.Set(Errno.ERANGE);
                return r;
            }
            if (ax >= 6.0) return 2.0;
            int k2 = ErfcLarge(ax, out h, out l);                    // 2 - erfc(|x|)
            double sc = Pow2(k2);
            TwoSum(2.0, -h * sc, out double s2, out double e2);
            return s2 + (e2 - l * sc);
        }

        // ---------------------------------------------------------------- tgamma, lgamma

        // log Gamma(y) by Stirling's series, y = yh + yl >= 12, as a double-double.
        private static void LnGammaStirling(double yh, double yl, out double h, out double l)
        {
            LogFull(yh, out double lh, out double ll);
            ll += yl / yh;
            TwoSum(yh, -0.5, out double ah, out double al);
            al += yl;
            MulDD(ah, al, lh, ll, out double ph, out double pl);     // (y - 1/2) log y
            TwoSum(ph, -yh, out double sh, out double se);
            se += pl - yl;                                           // - y
            // + sum B_2k / (2k (2k-1) y^(2k-1)): the first term 1/(12 y) in double-double
            double r = 1.0 / yh;
            TwoProd(r, yh, out double p, out double pe);
            double rl = ((1.0 - p) - pe - r * yl) / yh;
            MulDD(r, rl, Inv12Hi, Inv12Lo, out double th, out double tl);
            double r2 = r * r;
            double series = r * r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680 + r2 * (1.0 / 1188
                + r2 * (-691.0 / 360360 + r2 * (1.0 / 156 + r2 * (-3617.0 / 122400 + r2 * (43867.0 / 244188))))))));
            TwoSum(sh, LnSqrt2PiHi, out h, out double e);
            TwoSum(h, th, out h, out double e2);
            FastTwoSum(h, e + e2 + se + tl + LnSqrt2PiLo + series, out h, out l);
        }

        // Gamma(x) = (h + l) * 2^k for 2^-60 <= x <= ~200: Stirling at x + n >= 12, divided by
        // x (x+1) ... (x+n-1) (in double-double).
        private static int GammaCore(double x, out double h, out double l)
        {
            double yh = x, yl = 0, ph = 1, pl = 0;
            int i = 0;
            while (yh < 12.0)
            {
                MulDD(ph, pl, yh, yl, out ph, out pl);
                i++;
                TwoSum(x, i, out yh, out yl);
            }
            LnGammaStirling(yh, yl, out double gh, out double gl);
            int k = ExpCore(gh, gl, out h, out l);
            if (i > 0) DivDD(h, l, ph, pl, out h, out l);
            return k;
        }

        // sin(pi x) as a double-double, x not an integer, |x| < 2^52 (exact reduction mod 2).
        private static void SinPiDD(double x, out double h, out double l)
        {
            double a = Fabs(x);
            double f = a - 2.0 * Floor(0.5 * a);                     // a mod 2, exact
            double nd = RoundInt(2.0 * f, out long n);
            double r = f - 0.5 * nd;                                 // in [-1/4, 1/4], exact
            TwoProd(r, PiHi, out double th, out double tl);
            tl += r * PiLo;
            FastTwoSum(th, tl, out th, out tl);
            SinCosKernel(th, tl, out double sh, out double sl, out double ch, out double cl);
            switch ((int)(n & 3))
            {
                case 0: h = sh; l = sl; break;
                case 1: h = ch; l = cl; break;
                case 2: h = -sh; l = -sl; break;
                default: h = -ch; l = -cl; break;
            }
            if (x < 0) { h = -h; l = -l; }
        }

        [RuntimeExport("abi_tgamma")]
        public static double Tgamma(double x)
        {
            ulong b = Bits(x), a = b & AbsMask;
            bool neg = (long)b < 0;
            if (a >= ExpMask)
            {
                if (a > ExpMask) return x + x;
                if (!neg) return x;
                Errno.Set(Errno.EDOM);
                return PosNaN;
            }
            if (a == 0) { Errno.Set(Errno.ERANGE); return neg ? -Inf : Inf; }
            if (neg && Floor(x) == x) { Errno.Set(Errno.EDOM); return PosNaN; }
            double r;
            if (a < 0x3C30000000000000UL)                            // |x| < 2^-60: 1/x - Euler's constant
            {
                int sc = a < 0x0830000000000000UL ? 200 : 0;          // |x| < 2^-892: 1/x in units of 2^200
                double xs = x * Pow2(sc);
                double q = 1.0 / xs;
                TwoProd(q, xs, out double p, out double pe);
                double qlo = ((1.0 - p) - pe) / xs - EulerGamma * Pow2(-sc);
                r = ScaleAny(q, qlo, sc);
                if ((Bits(r) & AbsMask) == ExpMask) Errno.Set(Errno.ERANGE);
                return r;
            }
            if (!neg)
            {
                if (x > 171.7) { Errno.Set(Errno.ERANGE); return Inf; }
                int k = GammaCore(x, out double h, out double l);
                r = ScaleAny(h, l, k);
                if (r == Inf) Errno.Set(Errno.ERANGE);
                return r;
            }
            if (x < -200.0)
            {
                // underflow; Gamma has the sign (-1)^(m+1) on (-m-1, -m)
                Errno.Set(Errno.ERANGE);
                double m = Floor(-x);
                return Floor(0.5 * m) * 2.0 == m ? -0.0 : 0.0;
            }
            // Gamma(x) = -pi / (x sin(pi x) Gamma(-x))
            SinPiDD(x, out double sh, out double sl);
            int kk = GammaCore(-x, out double gh, out double gl);
            MulDD(sh, sl, x, 0, out double dh, out double dl);
            MulDD(dh, dl, gh, gl, out dh, out dl);
            DivDD(-PiHi, -PiLo, dh, dl, out double qh, out double ql);
            r = ScaleAny(qh, ql, -kk);
            if (r == 0) Errno.Set(Errno.ERANGE);
            return r;
        }

        // log Gamma(2 + t), |t| <= 1/2: (1 - Euler) t + sum_{k >= 2} (-1)^k (zeta(k) - 1)/k t^k, the terms
        // k <= 3 in double-double.
        private static void LnGamma2(double t, out double h, out double l)
        {
            double tail = 0.020580808427784546 + t * (-0.007385551028673986 + t * (0.0028905103307415234 + t * (-0.001192753911703261
                + t * (0.0005096695247430425 + t * (-0.00022315475845357939 + t * (9.945751278180853e-05 + t * (-4.492623673813314e-05
                + t * (2.050721277567069e-05 + t * (-9.439488275268397e-06 + t * (4.374866789907488e-06 + t * (-2.039215753801366e-06
                + t * (9.55141213040742e-07 + t * (-4.492469198764566e-07 + t * (2.1207184805554665e-07 + t * (-1.0043224823968099e-07
                + t * (4.7698101693639804e-08 + t * (-2.2711094608943164e-08 + t * (1.0838659214896955e-08 + t * (-5.183475041970047e-09
                + t * (2.4836745438024785e-09 + t * (-1.1921401405860912e-09 + t * (5.731367241678862e-10 + t * (-2.7595228851242334e-10
                + t * (1.330476437424449e-10 + t * (-6.4229645638381e-11 + t * (3.1044247747322276e-11 + t * (-1.5021384080754142e-11
                + t * (7.275974480239079e-12 + t * (-3.527742476575915e-12 + t * (1.711991790559618e-12 + t * (-8.315385841420285e-13
                + t * (4.04220052528944e-13 + t * (-1.9664756310966165e-13 + t * (9.573630387838556e-14 + t * (-4.6640760264283744e-14)))))))))))))))))))))))))))))))))));                                    // k = 4..39, over t^4
            TwoProd(t, t, out double t2, out double t2e);
            MulDD(t2, t2e, t, 0, out double t3, out double t3e);
            MulDD(LgC3Hi, LgC3Lo, t3, t3e, out double ch, out double cl);
            MulDD(LgC2Hi, LgC2Lo, t2, t2e, out double ah, out double al);
            MulDD(LgC1Hi, LgC1Lo, t, 0, out double bh, out double bl);
            AddDD(ah, al, ch, cl, out ah, out al);
            TwoSum(bh, ah, out h, out double e);
            FastTwoSum(h, e + al + bl + tail * t2 * t2, out h, out l);
        }

        // log|Gamma(x)| near one of its zeros in (-16, -2), from the Taylor expansion around the zero.
        private static bool LgammaNearZero(double x, out double r)
        {
            r = 0;
            long n = IntegralToInt64(Floor(-x));
            if (n < 2 || n > 15) return false;
            for (int z = 2 * (int)(n - 2); z < 2 * (int)(n - 2) + 2; z++)
            {
                int b = z * LgammaZeroRecord;
                double d = x - Tab(LgammaZeroTable, b);              // exact (Sterbenz)
                if (Fabs(d) >= Tab(LgammaZeroTable, b + 2)) continue;
                TwoSum(d, -Tab(LgammaZeroTable, b + 1), out double th, out double tl);   // x - x0
                double p = Tab(LgammaZeroTable, b + LgammaZeroRecord - 1);
                for (int j = LgammaZeroRecord - 2; j >= 7; j--) p = p * th + Tab(LgammaZeroTable, b + j);
                MulDD(p, 0, th, tl, out double sh, out double sl);
                AddDD(sh, sl, Tab(LgammaZeroTable, b + 5), Tab(LgammaZeroTable, b + 6), out sh, out sl);
                MulDD(sh, sl, th, tl, out sh, out sl);
                AddDD(sh, sl, Tab(LgammaZeroTable, b + 3), Tab(LgammaZeroTable, b + 4), out sh, out sl);
                MulDD(sh, sl, th, tl, out sh, out sl);
                r = sh + sl;
                return true;
            }
            return false;
        }

        // log Gamma(x) as a double-double, 2^-60 <= x <= 2^60.
        private static void LnGammaPos(double x, out double h, out double l)
        {
            if (x >= 12.0) { LnGammaStirling(x, 0, out h, out l); return; }
            if (x >= 1.5 && x < 2.5) { LnGamma2(x - 2.0, out h, out l); return; }
            if (x >= 0.75 && x < 1.5)
            {
                // log Gamma(x) = log Gamma(x + 1) - log x, both near 0 at x = 1
                double t = x - 1.0;
                LnGamma2(t, out double gh, out double gl);
                Log1pDD(t, 0, out double qh, out double ql);
                TwoSum(gh, -qh, out h, out double e);
                FastTwoSum(h, e + gl - ql, out h, out l);
                return;
            }
            // log Gamma(x + n) - log(x (x+1) ... (x+n-1)), x + n in [12, 13)
            double yh = x, yl = 0, ph = 1, pl = 0;
            int i = 0;
            while (yh < 12.0)
            {
                MulDD(ph, pl, yh, yl, out ph, out pl);
                i++;
                TwoSum(x, i, out yh, out yl);
            }
            LnGammaStirling(yh, yl, out double sh, out double sl);
            LogFull(ph, out double lh, out double ll);
            ll += pl / ph;
            TwoSum(sh, -lh, out h, out double e2);
            FastTwoSum(h, e2 + sl - ll, out h, out l);
        }

        // log Gamma(x) for x > 2^60: x (log x - 1) - log(x)/2 + log(sqrt(2 pi)) (the series is < 2^-60).
        private static double LnGammaHuge(double x)
        {
            LogFull(x, out double lh, out double ll);
            TwoSum(lh, -1.0, out double mh, out double ml);
            ml += ll;
            bool scale = x > Pow2(900);
            double xs = scale ? x * Pow2(-200) : x;
            MulDD(xs, 0, mh, ml, out double ph, out double pl);
            pl += (LnSqrt2PiHi - 0.5 * lh) * (scale ? Pow2(-200) : 1.0);
            double r = ph + pl;
            if (scale) r = Scalbn(r, 200);                           // ERANGE on overflow
            return r;
        }

        [RuntimeExport("abi_lgamma_r")]
        public static double LgammaR(double x, int* sign)
        {
            *sign = 1;
            ulong b = Bits(x), a = b & AbsMask;
            if (a >= ExpMask) return x * x;
            bool neg = (long)b < 0;
            if (a == 0) { if (neg) *sign = -1; Errno.Set(Errno.ERANGE); return Inf; }
            if (neg && Floor(x) == x) { Errno.Set(Errno.ERANGE); return Inf; }
            double ax = FromBits(a), h, l;
            if (a < 0x3C30000000000000UL)                            // |x| < 2^-60: -log|x|
            {
                if (neg) *sign = -1;
                LogFull(ax, out h, out l);
                return -(h + l);
            }
            if (!neg)
            {
                if (a > 0x43B0000000000000UL) return LnGammaHuge(x);
                LnGammaPos(x, out h, out l);
                return h + l;
            }
            if (x > -16.0 && LgammaNearZero(x, out double near))
            {
                // Gamma has the sign (-1)^(n+1) on (-n-1, -n)
                double m = Floor(-x);
                if (Floor(0.5 * m) * 2.0 == m) *sign = -1;
                return near;
            }
            // log|Gamma(x)| = log(pi) - log|x sin(pi x)| - log Gamma(-x); the sign is that of sin(pi x)
            SinPiDD(x, out double sh, out double sl);
            if (sh < 0) { *sign = -1; sh = -sh; sl = -sl; }
            MulDD(sh, sl, ax, 0, out double dh, out double dl);
            LogFull(dh, out double lh, out double ll);
            ll += dl / dh;
            LnGammaPos(ax, out double gh, out double gl);
            TwoSum(LnPiHi, -lh, out h, out double e);
            TwoSum(h, -gh, out h, out double e2);
            return h + (e + e2 + LnPiLo - ll - gl);
        }

        // lgamma and lgammaf also leave the sign in signgam (Arch/X64/longdouble.S, or the program's
        // copy of it), as glibc does.
        internal static int* SigngamCopy;
        private static int* Signgam => SigngamCopy != null ? SigngamCopy : MathHardware.SigngamAddress();

        [RuntimeExport("abi_lgamma")]
        public static double Lgamma(double x) => LgammaR(x, Signgam);

        [RuntimeExport("abi_erff")]
        public static float ErfF(float x) => (float)Erf(x);
        [RuntimeExport("abi_erfcf")]
        public static float ErfcF(float x) => Narrow(Erfc(x));
        [RuntimeExport("abi_tgammaf")]
        public static float TgammaF(float x) => Narrow(Tgamma(x));
        [RuntimeExport("abi_lgammaf_r")]
        public static float LgammaRF(float x, int* sign) => Narrow(LgammaR(x, sign));
        [RuntimeExport("abi_lgammaf")]
        public static float LgammaF(float x) => Narrow(LgammaR(x, Signgam));
    }
}
