// long double (x87 80-bit) functions whose results are exact, over special and ordinary inputs and
// in every rounding mode, printed with %La: bit-identical to the host's glibc. Also nexttoward,
// nexttowardf and signgam. Functions are called through pointers so gcc cannot inline them.
#define _GNU_SOURCE
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdio.h>

typedef long double ld;
static ld (*volatile f1[])(ld) = { fabsl, sqrtl, floorl, ceill, truncl, roundl, rintl, nearbyintl, logbl };
static const char *const n1[] = { "fabsl", "sqrtl", "floorl", "ceill", "truncl", "roundl", "rintl", "nearbyintl", "logbl" };
static ld (*volatile f2[])(ld, ld) = { copysignl, fmodl, remainderl, fminl, fmaxl, fdiml, nextafterl, nexttowardl };
static const char *const n2[] = { "copysignl", "fmodl", "remainderl", "fminl", "fmaxl", "fdiml", "nextafterl", "nexttowardl" };
static long (*volatile p_lrintl)(ld) = lrintl;
static long long (*volatile p_llrintl)(ld) = llrintl;
static int (*volatile p_ilogbl)(ld) = ilogbl;
static ld (*volatile p_remquol)(ld, ld, int *) = remquol;
static ld (*volatile p_modfl)(ld, ld *) = modfl;
static ld (*volatile p_frexpl)(ld, int *) = frexpl;
static ld (*volatile p_ldexpl)(ld, int) = ldexpl, (*volatile p_scalbnl)(ld, int) = scalbnl;
static ld (*volatile p_scalblnl)(ld, long) = scalblnl;
static double (*volatile p_nexttoward)(double, ld) = nexttoward;
static float (*volatile p_nexttowardf)(float, ld) = nexttowardf;
static double (*volatile p_lgamma)(double) = lgamma;
static float (*volatile p_lgammaf)(float) = lgammaf;

static const ld inputs[] = {
    0.0L, -0.0L, 0.5L, -0.5L, 1.5L, -1.5L, 2.5L, -2.5L, 0.49999999999999999997L, 1.0L / 3, -7.0L / 3, 12345.678L,
    -98765.4321L, 1e18L, 9223372036854775807.5L, 18446744073709551615.0L, 1e300L, -1e-300L, 1e4000L, -1e-4000L,
    LDBL_MIN, LDBL_TRUE_MIN, -LDBL_TRUE_MIN, LDBL_MAX, -LDBL_MAX, 0x1.fffffffffffffffep-16383L, INFINITY, -INFINITY, NAN,
};
#define N (sizeof inputs / sizeof inputs[0])

int main(void)
{
    static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    for (int m = 0; m < 4; m++)
    {
        fesetround(modes[m]);
        printf("mode %d\n", m);
        for (unsigned i = 0; i < N; i++)
        {
            ld x = inputs[i];
            printf("%La:", x);
            for (unsigned f = 0; f < sizeof f1 / sizeof f1[0]; f++)
            {
                ld r = f1[f](x);
                printf(" %s %La", n1[f], r);
            }
            long lr = 0;
            long long llr = 0;
            if (fabsl(x) < 0x1p62L) { lr = p_lrintl(x); llr = p_llrintl(x); }
            int il = p_ilogbl(x), fe;
            ld ip, frac = p_modfl(x, &ip), fr = p_frexpl(x, &fe);
            printf(" lrintl %ld llrintl %lld ilogbl %d modfl %La %La frexpl %La %d\n", lr, llr, il, frac, ip, fr, fe);
        }
    }
    fesetround(FE_TONEAREST);
    for (unsigned i = 0; i < N; i++)
        for (unsigned j = 0; j < N; j += 2)
        {
            ld x = inputs[i], y = inputs[j];
            printf("%La %La:", x, y);
            for (unsigned f = 0; f < sizeof f2 / sizeof f2[0]; f++)
            {
                ld r = f2[f](x, y);
                printf(" %s %La", n2[f], r);
            }
            int q = 0;
            ld rq = p_remquol(x, y, &q);
            if (isnan(rq) || isinf(x) || y == 0) q = 0;   // unspecified
            printf(" remquol %La %d nexttoward %a nexttowardf %a\n", rq, q, p_nexttoward((double)x, y),
                   (double)p_nexttowardf((float)x, y));
        }
    static const int exps[] = { 0, 1, -1, 100, -16000, 16000, 40000, -40000 };
    for (unsigned i = 0; i < N; i++)
        for (unsigned k = 0; k < sizeof exps / sizeof exps[0]; k++)
            printf("ldexpl(%La, %d) %La %La %La\n", inputs[i], exps[k], p_ldexpl(inputs[i], exps[k]),
                   p_scalbnl(inputs[i], exps[k]), p_scalblnl(inputs[i], exps[k]));
    static const double gx[] = { 3.5, -0.5, -1.5, -2.5, 0.25, 100 };
    for (unsigned i = 0; i < sizeof gx / sizeof gx[0]; i++)
    {
        double g = p_lgamma(gx[i]);
        int s1 = signgam;
        float gf = p_lgammaf((float)gx[i]);
        printf("lgamma(%g) %.10g signgam %d lgammaf %.5g signgam %d\n", gx[i], g, s1, (double)gf, signgam);
    }
    return 0;
}
