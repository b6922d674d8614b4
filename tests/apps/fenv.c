// <fenv.h>: exception flags, rounding modes honoured by the libm's rounding functions, by plain
// arithmetic (SSE and x87) and by printf, environments and enabled exceptions. Printed the same on the
// host and in Nimbus.
#define _GNU_SOURCE
#include <fenv.h>
#include <math.h>
#include <stdio.h>

static volatile double vzero = 0.0, vone = 1.0, vthird = 1.0 / 3.0, vbig = 1e308, vtiny = 1e-308;
static volatile long double lthird = 1.0L / 3.0L;

static void flags(const char *what)
{
    int f = fetestexcept(FE_ALL_EXCEPT);
    printf("%-28s%s%s%s%s%s\n", what, f & FE_INVALID ? " invalid" : "", f & FE_DIVBYZERO ? " divbyzero" : "",
           f & FE_OVERFLOW ? " overflow" : "", f & FE_UNDERFLOW ? " underflow" : "", f & FE_INEXACT ? " inexact" : "");
}

// Called through pointers: gcc would otherwise inline rint and friends assuming round-to-nearest.
static double (*volatile f_rint)(double) = rint, (*volatile f_nearbyint)(double) = nearbyint;
static float (*volatile f_rintf)(float) = rintf, (*volatile f_nearbyintf)(float) = nearbyintf;
static long (*volatile f_lrint)(double) = lrint, (*volatile f_lrintf)(float) = lrintf;
static long long (*volatile f_llrint)(double) = llrint;

static const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
static const char *const names[] = { "nearest", "downward", "upward", "towardzero" };

int main(void)
{
    printf("FE_ALL_EXCEPT %#x round %#x\n", FE_ALL_EXCEPT, fegetround());
    feclearexcept(FE_ALL_EXCEPT);
    flags("clear:");
    volatile double r = vone / vzero;
    flags("1/0:");
    r = vzero / vzero;
    flags("+ 0/0:");
    feclearexcept(FE_ALL_EXCEPT);
    r = vbig * 10;
    flags("overflow:");
    feclearexcept(FE_ALL_EXCEPT);
    r = vtiny / 1e10;
    flags("underflow:");
    feclearexcept(FE_ALL_EXCEPT);
    r = vthird * 3;
    flags("1/3*3:");
    feclearexcept(FE_ALL_EXCEPT);
    long double lr = lthird * 3;
    flags("x87 1/3*3:");
    feclearexcept(FE_ALL_EXCEPT);
    r = sqrt(2.0 + vzero);
    flags("sqrt(2):");
    feclearexcept(FE_ALL_EXCEPT);
    r = f_nearbyint(2.5 + vzero);
    flags("nearbyint(2.5):");
    r = f_rint(2.5 + vzero);
    flags("rint(2.5):");
    (void)r; (void)lr;

    for (int e = 1; e <= FE_INEXACT; e <<= 1)
    {
        if (!(e & FE_ALL_EXCEPT)) continue;
        feclearexcept(FE_ALL_EXCEPT);
        feraiseexcept(e);
        char what[32];
        snprintf(what, sizeof what, "raise %#x:", e);
        flags(what);
    }
    feclearexcept(FE_ALL_EXCEPT);
    feraiseexcept(FE_OVERFLOW | FE_INEXACT);
    fexcept_t saved;
    fegetexceptflag(&saved, FE_ALL_EXCEPT);
    feclearexcept(FE_ALL_EXCEPT);
    fesetexceptflag(&saved, FE_OVERFLOW);
    flags("setexceptflag overflow:");
    printf("fetestexcept(FE_INEXACT|FE_OVERFLOW) %#x\n", fetestexcept(FE_INEXACT | FE_OVERFLOW));

    printf("fesetround(42) %d, round %#x\n", fesetround(42), fegetround());
    for (int m = 0; m < 4; m++)
    {
        int set = fesetround(modes[m]);
        printf("%s: fesetround %d ", names[m], set);
        printf("fegetround %#x\n", fegetround());
        // Each result computed in its own statement: argument order is unspecified.
        double xs[] = { 2.5, -2.5, 0.3, -0.3, 1.7, -1.7, 4503599627370495.5 };
        for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++)
        {
            double x = xs[i] + vzero;
            volatile double a = f_rint(x), b = f_nearbyint(x), e = f_rintf((float)x), g = f_nearbyintf((float)x);
            volatile long c = f_lrint(x), f = f_lrintf((float)x);
            volatile long long d = f_llrint(x);
            printf("  %a: rint %a nearbyint %a lrint %ld llrint %lld rintf %a nearbyintf %a lrintf %ld\n", x, a, b, c, d, e, g, f);
        }
        volatile double q1 = vone / 3, q2 = -vone / 3, q3 = (float)vone / 3.0f, s2 = sqrt(2.0 + vzero), s2f = sqrtf(2.0f + (float)vzero);
        volatile long double l3 = lthird * 3 + lthird;
        printf("  1/3 %a -1/3 %a 1/3f %a x87 %La sqrt(2) %a sqrtf(2) %a\n", q1, q2, q3, l3, s2, s2f);
        printf("  printf 0.3 %.1f -0.3 %.1f 0.125 %.2f 2.5 %.0f -2.5 %.0f 1/3 %.3e 1/3 %.20f\n", 0.3 + vzero, -0.3 + vzero,
               0.125 + vzero, 2.5 + vzero, -2.5 - vzero, vthird, vthird);
        printf("  printf 0.001 %.0f %.2f -0.001 %.0f %.2f 2/3 %.3g %.0e -2/3 %.3g 9.996 %.2f 9.996 %.2e %.17g\n", 0.001 + vzero,
               0.001 + vzero, -0.001 + vzero, -0.001 + vzero, 2 * vthird, 2 * vthird, -2 * vthird, 9.996 + vzero, 9.996 + vzero, vthird);
        printf("  long double 1/3 %.5Lf %.25Lf %.3Le\n", lthird + 0, lthird + 0, -lthird);
        volatile double o1 = vbig * 10, o2 = -vbig * 10;
        printf("  1e308*10 %g -1e308*10 %g\n", o1, o2);
        fesetround(FE_TONEAREST);
    }
    fesetround(FE_TONEAREST);

    fenv_t env, held;
    fesetround(FE_UPWARD);
    feraiseexcept(FE_INEXACT);
    fegetenv(&env);
    fesetenv(FE_DFL_ENV);
    printf("default env: round %#x except %#x\n", fegetround(), fetestexcept(FE_ALL_EXCEPT));
    fesetenv(&env);
    printf("restored env: round %#x except %#x\n", fegetround(), fetestexcept(FE_ALL_EXCEPT));
    feholdexcept(&held);
    printf("held: except %#x enabled %#x\n", fetestexcept(FE_ALL_EXCEPT), fegetexcept());
    r = vone / vzero;
    feupdateenv(&held);
    printf("updated: round %#x except %#x\n", fegetround(), fetestexcept(FE_ALL_EXCEPT));
    fesetenv(FE_DFL_ENV);

    printf("feenableexcept %#x\n", feenableexcept(FE_DIVBYZERO | FE_INVALID));
    printf("fegetexcept %#x\n", fegetexcept());
    printf("fedisableexcept %#x\n", fedisableexcept(FE_INVALID));
    printf("fegetexcept %#x\n", fegetexcept());
    // A trap itself is not tried: QEMU's emulator (TCG) does not raise SSE exceptions.
    fesetenv(FE_DFL_ENV);
    printf("after: enabled %#x round %#x\n", fegetexcept(), fegetround());
    return 0;
}
