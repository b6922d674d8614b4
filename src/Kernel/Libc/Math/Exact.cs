// <math.h>: the exact functions (fabs, floor..., fmod, remainder, fma, frexp, ldexp, nextafter, ...),
// computed on the bit patterns with integer arithmetic, so they are bit-identical to glibc.
using System;
using System.Runtime;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Math
{
    internal static unsafe partial class MathLib
    {
        [RuntimeExport("abi_fabs")]
        public static double Fabs(double x) => FromBits(Bits(x) & AbsMask);
        [RuntimeExport("abi_copysign")]
        public static double Copysign(double x, double y) => FromBits((Bits(x) & AbsMask) | (Bits(y) & SignMask));

        [RuntimeExport("abi_floor")]
        public static double Floor(double x)
        {
            ulong b = Bits(x);
            int e = (int)((b >> 52) & 0x7FF) - 1023;
            if (e >= 52) return e == 1024 ? x + x : x;
            if (e < 0)
            {
                if ((b & AbsMask) == 0) return x;
                return (long)b < 0 ? -1.0 : 0.0;
            }
            ulong m = MantMask >> e;
            if ((b & m) == 0) return x;
            if ((long)b < 0) b += m + 1;
            return FromBits(b & ~m);
        }

        [RuntimeExport("abi_ceil")]
        public static double Ceil(double x)
        {
            ulong b = Bits(x);
            int e = (int)((b >> 52) & 0x7FF) - 1023;
            if (e >= 52) return e == 1024 ? x + x : x;
            if (e < 0)
            {
                if ((b & AbsMask) == 0) return x;
                return (long)b < 0 ? -0.0 : 1.0;
            }
            ulong m = MantMask >> e;
            if ((b & m) == 0) return x;
            if ((long)b >= 0) b += m + 1;
            return FromBits(b & ~m);
        }

        [RuntimeExport("abi_trunc")]
        public static double Trunc(double x)
        {
            ulong b = Bits(x);
            int e = (int)((b >> 52) & 0x7FF) - 1023;
            if (e >= 52) return e == 1024 ? x + x : x;
            if (e < 0) return FromBits(b & SignMask);
            return FromBits(b & ~(MantMask >> e));
        }

        // Halfway cases away from zero.
        [RuntimeExport("abi_round")]
        public static double Round(double x)
        {
            ulong b = Bits(x);
            int e = (int)((b >> 52) & 0x7FF) - 1023;
            if (e >= 52) return e == 1024 ? x + x : x;
            if (e < 0) return FromBits((b & SignMask) | (e == -1 ? OneBits : 0));
            ulong m = MantMask >> e;
            if ((b & m) == 0) return x;
            b += (m + 1) >> 1;
            return FromBits(b & ~m);
        }

        // Round in the current rounding mode (fesetround): the SSE addition rounds x + 2^52 to an
        // integer the way the mode says, on x's own side of zero, so a directed mode rounds the
        // right way; the sign is x's (rint(-0.3) is -0 in every mode).
        [RuntimeExport("abi_rint")]
        public static double Rint(double x)
        {
            ulong b = Bits(x);
            ulong a = b & AbsMask;
            if (a >= 0x4330000000000000UL) return a > ExpMask ? x + x : x;   // |x| >= 2^52, inf, NaN
            double r = (long)b < 0 ? (x - TwoP52) + TwoP52 : (x + TwoP52) - TwoP52;
            return FromBits((Bits(r) & AbsMask) | (b & SignMask));
        }

        // An integral double with |r| < 2^63 as a long.
        private static long IntegralToInt64(double r)
        {
            ulong b = Bits(r);
            int e = (int)((b >> 52) & 0x7FF) - 1075;
            if (e < -52) return 0;
            ulong m = (b & MantMask) | Implicit;
            ulong v = e >= 0 ? m << e : m >> -e;
            return (long)b < 0 ? -(long)v : (long)v;
        }

        // Out of range and NaN give LONG_MIN, like glibc on x86-64 (cvtsd2si's "integer indefinite").
        private static long ToInt64OrMin(double r)
        {
            if ((Bits(r) & AbsMask) >= 0x43E0000000000000UL) return long.MinValue;   // |r| >= 2^63, inf, NaN
            return IntegralToInt64(r);
        }

        [RuntimeExport("abi_lrint")]
        public static long Lrint(double x) => ToInt64OrMin(Rint(x));
        [RuntimeExport("abi_lround")]
        public static long Lround(double x) => ToInt64OrMin(Round(x));

        [RuntimeExport("abi_modf")]
        public static double Modf(double x, double* ip)
        {
            ulong b = Bits(x);
            if ((b & AbsMask) >= ExpMask)
            {
                *ip = x;
                return (b & AbsMask) == ExpMask ? FromBits(b & SignMask) : x + x;
            }
            double t = Trunc(x);
            *ip = t;
            double f = x - t;                       // exact
            return FromBits((Bits(f) & AbsMask) | (b & SignMask));
        }

        [RuntimeExport("abi_frexp")]
        public static double Frexp(double x, int* ep)
        {
            ulong b = Bits(x);
            ulong a = b & AbsMask;
            if (a == 0 || a >= ExpMask) { *ep = 0; return x + x; }
            ulong m = Decompose(a, out int e);      // |x| = m * 2^e, m in [2^52, 2^53)
            *ep = e + 53;
            return FromBits((b & SignMask) | (1022UL << 52) | (m & MantMask));
        }

        // x * 2^n, rounded once (subnormal results included).
        [RuntimeExport("abi_ldexp")]
        public static double Scalbn(double x, int n)
        {
            ulong a = Bits(x) & AbsMask;
            if (a == 0 || a >= ExpMask) return x + x;
            double y = x;
            if (n > 1023)
            {
                y *= Pow2(1023);
                n -= 1023;
                if (n > 1023)
                {
                    y *= Pow2(1023);
                    n -= 1023;
                    if (n > 1023) n = 1023;
                }
            }
            else if (n < -1022)
            {
                // Scale by 2^-969 steps that keep y normal, so that only the last multiplication rounds.
                y *= Pow2(-969);
                n += 969;
                if (n < -1022)
                {
                    y *= Pow2(-969);
                    n += 969;
                    if (n < -1022) n = -1022;
                }
            }
            y *= Pow2(n);
            ulong r = Bits(y) & AbsMask;
            if (r == 0 || r == ExpMask) Errno.Set(Errno.ERANGE);
            return y;
        }

        [RuntimeExport("abi_scalbln")]
        public static double Scalbln(double x, long n) => Scalbn(x, n > 100000 ? 100000 : n < -100000 ? -100000 : (int)n);

        [RuntimeExport("abi_ilogb")]
        public static int Ilogb(double x)
        {
            ulong a = Bits(x) & AbsMask;
            if (a == 0) { Errno.Set(Errno.EDOM); return int.MinValue; }
            if (a >= ExpMask) { Errno.Set(Errno.EDOM); return a == ExpMask ? int.MaxValue : int.MinValue; }
            if (a < Implicit) return 63 - Clz64(a) - 1074;
            return (int)(a >> 52) - 1023;
        }

        // x / 2^ilogb(x), in [1, 2) for finite nonzero x (0, inf, NaN: EDOM from ilogb, as in glibc).
        [RuntimeExport("abi_significand")]
        public static double Significand(double x)
        {
            ulong b = Bits(x), a = b & AbsMask;
            if (a == 0 || a >= ExpMask) { Errno.Set(Errno.EDOM); return x + x; }
            ulong m = Decompose(a, out _);
            return FromBits((b & SignMask) | OneBits | (m & MantMask));
        }

        [RuntimeExport("abi_logb")]
        public static double Logb(double x)
        {
            ulong a = Bits(x) & AbsMask;
            if (a == 0) return -Inf;                // glibc: no errno
            if (a >= ExpMask) return x * x;
            if (a < Implicit) return 63 - Clz64(a) - 1074;
            return (int)(a >> 52) - 1023;
        }

        [RuntimeExport("abi_nextafter")]
        public static double Nextafter(double x, double y)
        {
            if (IsNaN(x) || IsNaN(y)) return x + y;
            if (x == y) return y;
            if (x == 0) return FromBits((Bits(y) & SignMask) | 1);   // glibc: no errno here
            ulong b = Bits(x);
            if ((y > x) == (x > 0)) b++; else b--;
            ulong a = b & AbsMask;
            if (a >= ExpMask || a < Implicit) Errno.Set(Errno.ERANGE);
            return FromBits(b);
        }

        private static bool IsNaN(double x) => (Bits(x) & AbsMask) > ExpMask;
        private static bool IsSignalingNaN(double x) => (Bits(x) & AbsMask) > ExpMask && (Bits(x) & 0x0008000000000000UL) == 0;
        private static bool IsNaNF(float x) => (BitsF(x) & 0x7FFFFFFFu) > 0x7F800000u;
        private static bool IsSignalingNaNF(float x) => (BitsF(x) & 0x7FFFFFFFu) > 0x7F800000u && (BitsF(x) & 0x00400000u) == 0;

        // glibc (maxsd/minsd semantics): a quiet NaN loses, a signaling NaN wins; when equal (+0 and -0),
        // the second argument.
        [RuntimeExport("abi_fmax")]
        public static double Fmax(double x, double y)
        {
            if (IsSignalingNaN(x) || IsSignalingNaN(y)) return x + y;
            if (IsNaN(x)) return y;
            if (IsNaN(y)) return x;
            return x > y ? x : y;
        }

        [RuntimeExport("abi_fmin")]
        public static double Fmin(double x, double y)
        {
            if (IsSignalingNaN(x) || IsSignalingNaN(y)) return x + y;
            if (IsNaN(x)) return y;
            if (IsNaN(y)) return x;
            return x < y ? x : y;
        }

        [RuntimeExport("abi_fdim")]
        public static double Fdim(double x, double y)
        {
            if (IsNaN(x) || IsNaN(y)) return x + y;
            if (!(x > y)) return 0.0;
            double r = x - y;
            if ((Bits(r) & AbsMask) == ExpMask && (Bits(x) & AbsMask) < ExpMask && (Bits(y) & AbsMask) < ExpMask) Errno.Set(Errno.ERANGE);
            return r;
        }

        // (mx * 2^d) mod my, with the low 64 bits of the quotient in q; 2^52 <= mx, my < 2^53.
        private static ulong ModShift(ulong mx, int d, ulong my, out ulong q)
        {
            ulong r = mx, qq = 0;
            if (r >= my) { r -= my; qq = 1; }
            while (d > 0)
            {
                int s = d > 11 ? 11 : d;
                r <<= s;
                qq <<= s;
                ulong qd = r / my;
                r -= qd * my;
                qq += qd;
                d -= s;
            }
            q = qq;
            return r;
        }

        [RuntimeExport("abi_fmod")]
        public static double Fmod(double x, double y)
        {
            ulong bx = Bits(x), by = Bits(y), ax = bx & AbsMask, ay = by & AbsMask;
            if (ax > ExpMask || ay > ExpMask) return x + y;
            if (ay == 0 || ax == ExpMask) { Errno.Set(Errno.EDOM); return NaN; }
            if (ax < ay) return x;
            if (ax == ay) return FromBits(bx & SignMask);
            ulong mx = Decompose(ax, out int ex), my = Decompose(ay, out int ey);
            ulong r = ModShift(mx, ex - ey, my, out _);
            if (r == 0) return FromBits(bx & SignMask);
            return FromBits(Bits(Compose(r, ey)) | (bx & SignMask));
        }

        // IEEE remainder: x - n*y, n the integer nearest x/y (ties to even); quo gets n's low 3 bits and sign.
        // glibc sets no errno in remquo (remainder does).
        [RuntimeExport("abi_remquo")]
        public static double Remquo(double x, double y, int* quo)
        {
            *quo = 0;
            ulong bx = Bits(x), by = Bits(y), ax = bx & AbsMask, ay = by & AbsMask;
            if (ax > ExpMask || ay > ExpMask) return x + y;
            if (ay == 0 || ax == ExpMask) return NaN;
            bool qneg = ((bx ^ by) >> 63) != 0;
            if (ay == ExpMask) return x;
            if (ax == ay) { *quo = qneg ? -1 : 1; return FromBits(bx & SignMask); }
            ulong mx = Decompose(ax, out int ex), my = Decompose(ay, out int ey);
            bool flip = false;
            if (ax < ay)
            {
                // n is 0 or 1: 1 when |x| > |y|/2.
                bool more = ex == ey ? 2 * mx > my : (ex == ey - 1 && mx > my);
                if (!more) return x;
                *quo = qneg ? -1 : 1;
                double d = FromBits(ay) - FromBits(ax);            // exact (Sterbenz)
                return (long)bx < 0 ? d : -d;
            }
            ulong r = ModShift(mx, ex - ey, my, out ulong q);
            int q3 = (int)(q & 7);                                   // glibc: the low bits, then +1 (7 -> 8)
            if (2 * r > my || (2 * r == my && (q & 1) != 0)) { r = my - r; q3++; flip = true; }
            *quo = qneg ? -q3 : q3;
            if (r == 0) return FromBits(bx & SignMask);
            ulong sign = (bx & SignMask) ^ (flip ? SignMask : 0);
            return FromBits(Bits(Compose(r, ey)) | sign);
        }

        [RuntimeExport("abi_remainder")]
        public static double Remainder(double x, double y)
        {
            ulong ax = Bits(x) & AbsMask, ay = Bits(y) & AbsMask;
            if (ax <= ExpMask && ay <= ExpMask && (ay == 0 || ax == ExpMask)) { Errno.Set(Errno.EDOM); return NaN; }
            int q;
            return Remquo(x, y, &q);
        }

        // x*y + z with one rounding, in 128-bit integer arithmetic.
        [RuntimeExport("abi_fma")]
        public static double Fma(double x, double y, double z)
        {
            ulong bx = Bits(x), by = Bits(y), bz = Bits(z);
            ulong ax = bx & AbsMask, ay = by & AbsMask, az = bz & AbsMask;
            if (ax >= ExpMask || ay >= ExpMask || ax == 0 || ay == 0)
                return x * y + z;                                 // the product is exact (0) or special
            if (az >= ExpMask) return z + z;                      // x*y finite: z (inf, or NaN)
            if (az == 0) return x * y;                            // one rounding; the sign of an exact 0 product
            ulong mx = Decompose(ax, out int ex), my = Decompose(ay, out int ey), mz = Decompose(az, out int ez);

            // Product P = mx*my in [2^104, 2^106): normalize its top bit to bit 125.
            ulong ph = Mul64(mx, my, out ulong pl);
            int ep = ex + ey;
            int sh = (ph >> 41) != 0 ? 20 : 21;
            ph = (ph << sh) | (pl >> (64 - sh));
            pl <<= sh;
            ep -= sh;
            // Addend C: top bit at 125 as well.
            ulong ch = mz << 9, cl = 0;
            ez -= 73;
            bool sp = ((bx ^ by) >> 63) != 0, sc = (bz >> 63) != 0;

            // Big = the one with the larger exponent; the other is shifted right, with a sticky bit.
            ulong bh, bl, lh, ll;
            int e, d;
            bool sb, sl;
            if (ep >= ez) { bh = ph; bl = pl; sb = sp; lh = ch; ll = cl; sl = sc; e = ep; d = ep - ez; }
            else { bh = ch; bl = cl; sb = sc; lh = ph; ll = pl; sl = sp; e = ez; d = ez - ep; }
            if (d >= 128) { ll = (lh | ll) != 0 ? 1UL : 0; lh = 0; }
            else if (d >= 64)
            {
                ulong lost = (d == 64 ? 0 : lh << (128 - d)) | ll;
                ll = (d == 64 ? lh : lh >> (d - 64)) | (lost != 0 ? 1UL : 0);
                lh = 0;
            }
            else if (d > 0)
            {
                ulong lost = ll << (64 - d);
                ll = (ll >> d) | (lh << (64 - d)) | (lost != 0 ? 1UL : 0);
                lh >>= d;
            }

            ulong rh, rl;
            bool sr = sb;
            if (sb == sl)
            {
                rl = bl + ll;
                rh = bh + lh + (rl < bl ? 1UL : 0);
            }
            else
            {
                if (lh > bh || (lh == bh && ll > bl))
                {
                    ulong th = bh, tl = bl; bh = lh; bl = ll; lh = th; ll = tl;
                    sr = sl;
                }
                rl = bl - ll;
                rh = bh - lh - (bl < ll ? 1UL : 0);
                if ((rh | rl) == 0) return 0.0;                   // exact cancellation: +0
            }

            // Round R * 2^e to 53 bits (fewer in the subnormal range).
            int msb = rh != 0 ? 127 - Clz64(rh) : 63 - Clz64(rl);
            int shift = msb - 52;
            int minShift = -1074 - e;                             // the bit worth 2^-1074
            if (shift < minShift) shift = minShift;
            ulong sig;
            if (shift <= 0) sig = rl << -shift;                   // exact (R < 2^53 here)
            else
            {
                // sig = R >> shift; compare the remainder with half = 2^(shift-1)
                bool above, tie;
                if (shift >= 128)
                {
                    sig = 0;
                    above = shift == 128 && (rh > SignMask || (rh == SignMask && rl != 0));
                    tie = shift == 128 && rh == SignMask && rl == 0;
                }
                else if (shift >= 64)
                {
                    int s2 = shift - 64;
                    if (s2 == 0) { sig = rh; above = rl > SignMask; tie = rl == SignMask; }
                    else
                    {
                        sig = rh >> s2;
                        ulong remHi = rh & ((1UL << s2) - 1), half = 1UL << (s2 - 1);
                        above = remHi > half || (remHi == half && rl != 0);
                        tie = remHi == half && rl == 0;
                    }
                }
                else
                {
                    sig = (rl >> shift) | (rh << (64 - shift));
                    ulong rem = rl & ((1UL << shift) - 1), half = 1UL << (shift - 1);
                    above = rem > half;
                    tie = rem == half;
                }
                if (above || (tie && (sig & 1) != 0)) sig++;
            }
            int lsbExp = e + shift;
            ulong bits;
            if (sig >= Implicit)
            {
                int biased = lsbExp + 1075;
                if (biased >= 2047) bits = ExpMask;
                else
                {
                    bits = ((ulong)biased << 52) + (sig - Implicit);   // sig == 2^53 carries into the exponent
                    if (bits > ExpMask) bits = ExpMask;
                }
            }
            else bits = sig;                                      // subnormal: lsbExp == -1074
            return FromBits(bits | (sr ? SignMask : 0));
        }

        // sqrtsd (Arch/X64/math.S): correctly rounded; -0 stays -0, x < 0 gives NaN and EDOM.
        [RuntimeExport("abi_sqrt")]
        public static double Sqrt(double x)
        {
            if (x < 0) Errno.Set(Errno.EDOM);
            return MathHardware.Sqrt(x);
        }

        [RuntimeExport("abi_cbrt")]
        public static double Cbrt(double x)
        {
            ulong b = Bits(x), a = b & AbsMask;
            if (a >= ExpMask || a == 0) return x + x;
            ulong m = Decompose(a, out int e);
            int E = e + 52;                                          // |x| = f * 2^E, f in [1, 2)
            int q = E >= 0 ? E / 3 : -((2 - E) / 3);
            int r = E - 3 * q;                                       // 0, 1, 2
            double f = FromBits(((ulong)(1023 + r) << 52) | (m & MantMask));   // in [1, 8)
            double y = FromBits(Bits(f) / 3 + 0x2A9F7893782DA1CEUL);
            for (int i = 0; i < 3; i++)
            {
                double y3 = y * y * y;
                y = y * (y3 + 2.0 * f) / (2.0 * y3 + f);             // Halley
            }
            TwoProd(y, y, out double y2, out double y2e);
            TwoProd(y2, y, out double y3h, out double y3l);
            y3l += y2e * y;
            double res = (f - y3h) - y3l;                            // f - y^3, nearly exact
            y += res / (3.0 * y * y);
            return FromBits((Bits(y) + ((ulong)(long)q << 52)) | (b & SignMask));
        }

        [RuntimeExport("abi_hypot")]
        public static double Hypot(double x, double y)
        {
            ulong ax = Bits(x) & AbsMask, ay = Bits(y) & AbsMask;
            if (ax == ExpMask || ay == ExpMask) return Inf;
            if (ax > ExpMask || ay > ExpMask) return x + y;
            if (ax < ay) { ulong t = ax; ax = ay; ay = t; }
            if (ay == 0) return FromBits(ax);
            if ((int)(ax >> 52) - (int)(ay >> 52) > 60) return FromBits(ax) + FromBits(ay);
            double a = FromBits(ax), c = FromBits(ay);
            int k = 0;
            if ((ax >> 52) < 600) { a *= Pow2(600); c *= Pow2(600); k = -600; ax = Bits(a); ay = Bits(c); }
            int s = (int)(ax >> 52) - 1023;                          // a = 1.f * 2^s
            a = FromBits(ax - ((ulong)(long)s << 52));
            c = FromBits(ay - ((ulong)(long)s << 52));
            TwoProd(a, a, out double p, out double pe);
            TwoProd(c, c, out double q, out double qe);
            TwoSum(p, q, out double h, out double l);
            l += pe + qe;
            FastTwoSum(h, l, out h, out l);
            SqrtDD(h, l, out double sh, out double sl);
            double r = ScaleDD(sh, sl, k + s);
            if ((Bits(r) & AbsMask) == ExpMask) Errno.Set(Errno.ERANGE);
            return r;
        }

        // nan("n-char-sequence"): the payload is implementation-defined; glibc's default quiet NaN.
        [RuntimeExport("abi_nan")] public static double Nan(byte* tag) => FromBits(0x7FF8000000000000UL);
        [RuntimeExport("abi_nanf")] public static float NanF(byte* tag) => FromBitsF(0x7FC00000u);
    }
}
