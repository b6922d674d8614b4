// <math.h>: the float forms (sinf, expf, ...): computed in double and rounded once more.
using System;
using System.Runtime;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Math
{
    internal static unsafe partial class MathLib
    {
        // ---------------------------------------------------------------- float variants

        // Rounds a double result to float; ERANGE when only the float overflows or underflows to 0.
        private static float Narrow(double r)
        {
            float f = (float)r;
            uint a = BitsF(f) & 0x7FFFFFFFu;
            if ((a == 0x7F800000u && (Bits(r) & AbsMask) < ExpMask) || (a == 0 && r != 0)) Errno.Set(Errno.ERANGE);
            return f;
        }

        // The same, but ERANGE also when the exact result is nonzero and below the smallest subnormal
        // float 2^-149 (glibc's expf, exp2f, exp10f and powf report that "may underflow" case).
        private static float NarrowExp(double r)
        {
            ulong ar = Bits(r) & AbsMask;
            if (ar != 0 && ar < 0x36A0000000000000UL) Errno.Set(Errno.ERANGE);
            return Narrow(r);
        }

        [RuntimeExport("abi_sqrtf")]
        public static float SqrtF(float x) => (float)Sqrt(x);
        [RuntimeExport("abi_fabsf")]
        public static float FabsF(float x) => FromBitsF(BitsF(x) & 0x7FFFFFFFu);
        [RuntimeExport("abi_copysignf")]
        public static float CopysignF(float x, float y) => FromBitsF((BitsF(x) & 0x7FFFFFFFu) | (BitsF(y) & 0x80000000u));
        [RuntimeExport("abi_floorf")]
        public static float FloorF(float x) => (float)Floor(x);
        [RuntimeExport("abi_ceilf")]
        public static float CeilF(float x) => (float)Ceil(x);
        [RuntimeExport("abi_truncf")]
        public static float TruncF(float x) => (float)Trunc(x);
        [RuntimeExport("abi_roundf")]
        public static float RoundF(float x) => (float)Round(x);
        [RuntimeExport("abi_rintf")]
        public static float RintF(float x) => (float)Rint(x);
        [RuntimeExport("abi_fmodf")]
        public static float FmodF(float x, float y) => (float)Fmod(x, y);
        [RuntimeExport("abi_remainderf")]
        public static float RemainderF(float x, float y) => (float)Remainder(x, y);
        [RuntimeExport("abi_fminf")]
        public static float FminF(float x, float y) =>
            IsSignalingNaNF(x) || IsSignalingNaNF(y) ? x + y : IsNaNF(x) ? y : IsNaNF(y) ? x : x < y ? x : y;
        [RuntimeExport("abi_fmaxf")]
        public static float FmaxF(float x, float y) =>
            IsSignalingNaNF(x) || IsSignalingNaNF(y) ? x + y : IsNaNF(x) ? y : IsNaNF(y) ? x : x > y ? x : y;
        [RuntimeExport("abi_fdimf")]
        public static float FdimF(float x, float y) => IsNaNF(x) || IsNaNF(y) ? x + y : x > y ? Narrow((double)x - y) : 0.0f;
        [RuntimeExport("abi_hypotf")]
        public static float HypotF(float x, float y) => Narrow(Hypot(x, y));
        [RuntimeExport("abi_cbrtf")]
        public static float CbrtF(float x) => (float)Cbrt(x);
        [RuntimeExport("abi_expf")]
        public static float ExpF(float x) => NarrowExp(Exp(x));
        [RuntimeExport("abi_exp2f")]
        public static float Exp2F(float x) => NarrowExp(Exp2(x));
        [RuntimeExport("abi_exp10f")]
        public static float Exp10F(float x) => NarrowExp(Exp10(x));
        [RuntimeExport("abi_expm1f")]
        public static float Expm1F(float x) => Narrow(Expm1(x));
        [RuntimeExport("abi_logf")]
        public static float LogF(float x) => (float)Log(x);
        [RuntimeExport("abi_log2f")]
        public static float Log2F(float x) => (float)Log2(x);
        [RuntimeExport("abi_log10f")]
        public static float Log10F(float x) => (float)Log10(x);
        [RuntimeExport("abi_log1pf")]
        public static float Log1pF(float x) => (float)Log1p(x);
        [RuntimeExport("abi_powf")]
        public static float PowF(float x, float y)
        {
            if (y == 0) return IsSignalingNaNF(x) ? x + y : 1.0f;
            if (x == 1) return IsSignalingNaNF(y) ? x + y : 1.0f;
            return NarrowExp(Pow(x, y));
        }
        [RuntimeExport("abi_sinf")]
        public static float SinF(float x) => (float)Sin(x);
        [RuntimeExport("abi_cosf")]
        public static float CosF(float x) => (float)Cos(x);
        [RuntimeExport("abi_tanf")]
        public static float TanF(float x) => (float)Tan(x);
        [RuntimeExport("abi_asinf")]
        public static float AsinF(float x) => (float)Asin(x);
        [RuntimeExport("abi_acosf")]
        public static float AcosF(float x) => (float)Acos(x);
        [RuntimeExport("abi_atanf")]
        public static float AtanF(float x) => (float)Atan(x);
        [RuntimeExport("abi_atan2f")]
        public static float Atan2F(float y, float x) => Narrow(Atan2(y, x));
        [RuntimeExport("abi_sinhf")]
        public static float SinhF(float x) => Narrow(Sinh(x));
        [RuntimeExport("abi_coshf")]
        public static float CoshF(float x) => Narrow(Cosh(x));
        [RuntimeExport("abi_tanhf")]
        public static float TanhF(float x) => (float)Tanh(x);
        [RuntimeExport("abi_asinhf")]
        public static float AsinhF(float x) => (float)Asinh(x);
        [RuntimeExport("abi_acoshf")]
        public static float AcoshF(float x) => (float)Acosh(x);
        [RuntimeExport("abi_atanhf")]
        public static float AtanhF(float x) => (float)Atanh(x);
        [RuntimeExport("abi_ldexpf")]
        public static float LdexpF(float x, int n) => Narrow(Scalbn(x, n < -400 ? -400 : n > 400 ? 400 : n));
        [RuntimeExport("abi_scalblnf")]
        public static float ScalblnF(float x, long n) => LdexpF(x, n < -400 ? -400 : n > 400 ? 400 : (int)n);
        [RuntimeExport("abi_ilogbf")]
        public static int IlogbF(float x) => Ilogb(x);
        [RuntimeExport("abi_logbf")]
        public static float LogbF(float x) => (float)Logb(x);
        [RuntimeExport("abi_significandf")]
        public static float SignificandF(float x) => (float)Significand(x);
        [RuntimeExport("abi_remquof")]
        public static float RemquoF(float x, float y, int* quo) => (float)Remquo(x, y, quo);

        // fma for floats: the double product is exact; round the sum to odd, then to float (no double rounding).
        [RuntimeExport("abi_fmaf")]
        public static float FmaF(float x, float y, float z)
        {
            double p = (double)x * y;
            TwoSum(p, z, out double s, out double e);
            ulong sb = Bits(s);
            if (e != 0 && (sb & 1) == 0 && (sb & AbsMask) < ExpMask)
                s = FromBits((e > 0) == (s > 0) ? sb + 1 : sb - 1);
            return (float)s;
        }

        [RuntimeExport("abi_frexpf")]
        public static float FrexpF(float x, int* ep)
        {
            uint a = BitsF(x) & 0x7FFFFFFFu;
            if (a == 0 || a >= 0x7F800000u) { *ep = 0; return x + x; }
            return (float)Frexp(x, ep);
        }

        [RuntimeExport("abi_modff")]
        public static float ModfF(float x, float* ip)
        {
            double i;
            double f = Modf(x, &i);
            *ip = (float)i;
            return (float)f;
        }

        [RuntimeExport("abi_nextafterf")]
        public static float NextafterF(float x, float y)
        {
            if (IsNaNF(y)) return FromBitsF(BitsF(y) | 0x00400000u);         // glibc: y's NaN first
            if (IsNaNF(x)) return x + x;
            if (x == y) return y;
            if (x == 0) return FromBitsF((BitsF(y) & 0x80000000u) | 1);
            uint b = BitsF(x);
            if ((y > x) == (x > 0)) b++; else b--;
            uint a = b & 0x7FFFFFFFu;
            if (a >= 0x7F800000u || a < 0x00800000u) Errno.Set(Errno.ERANGE);
            return FromBitsF(b);
        }

        [RuntimeExport("abi_sincosf")]
        public static void SinCosF(float x, float* sp, float* cp)
        {
            double s, c;
            SinCos(x, &s, &c);
            *sp = (float)s;
            *cp = (float)c;
        }

        // A float converts to double exactly, so the double functions decide.
        [RuntimeExport("abi_lroundf")] public static long LroundF(float x) => Lround(x);
        [RuntimeExport("abi_lrintf")] public static long LrintF(float x) => Lrint(x);
    }
}
