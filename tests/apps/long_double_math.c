// The transcendental long double functions (x87 in Nimbus, glibc's own code on the host): both are
// within a few units in the last of 64 bits, so values print with 15 significant digits (50 bits),
// special values exactly. Called through pointers so gcc cannot fold them.
#include <float.h>
#include <math.h>
#include <stdio.h>

typedef long double ld;
static ld (*volatile f1[])(ld) = { expl, exp2l, expm1l, logl, log2l, log10l, log1pl, sinl, cosl, tanl, atanl, asinl, acosl,
                                   sinhl, coshl, tanhl, asinhl, acoshl, atanhl, cbrtl };
static const char *const n1[] = { "expl", "exp2l", "expm1l", "logl", "log2l", "log10l", "log1pl", "sinl", "cosl", "tanl",
                                  "atanl", "asinl", "acosl", "sinhl", "coshl", "tanhl", "asinhl", "acoshl", "atanhl", "cbrtl" };
static ld (*volatile p_atan2l)(ld, ld) = atan2l, (*volatile p_hypotl)(ld, ld) = hypotl;

static const ld inputs[] = {
    0.0L, -0.0L, 1e-30L, -1e-10L, 0.001L, 0.1L, -0.25L, 0.3L, 0.5L, -0.5L, 0.75L, 0.99L, 1.0L, -1.0L, 1.5L, 2.0L, 3.0L,
    -3.7L, 10.0L, 22.0L, 25.0L, -41.0L, 45.0L, 100.0L, -100.0L, 1000.0L, 11356.0L, 11357.0L, -11355.0L, -11400.0L, 1e6L,
    1e300L, 1e4000L, -1e4000L, 1e-4940L, 0x1p-16382L, 27.0L, -8.0L, 0x1p-16445L, LDBL_MAX, INFINITY, -INFINITY, NAN,
};
#define N (sizeof inputs / sizeof inputs[0])

static void show(ld r)
{
    if (r == 0 || isinf(r)) printf(" %La", r);
    else if (isnan(r)) printf(" nan");
    else printf(" %.14Le", r);
}

int main(void)
{
    for (unsigned f = 0; f < sizeof f1 / sizeof f1[0]; f++)
    {
        printf("%s:", n1[f]);
        for (unsigned i = 0; i < N; i++)
        {
            // Nimbus reduces trigonometric arguments beyond 2^30 inexactly (docs/abi.md).
            if (f >= 7 && f <= 9 && fabsl(inputs[i]) > 0x1p30L && !isinf(inputs[i])) printf(" -");
            else show(f1[f](inputs[i]));
        }
        printf("\n");
    }
    for (unsigned i = 0; i < N; i += 3)
    {
        printf("%La:", inputs[i]);
        for (unsigned j = 0; j < N; j += 2)
        {
            show(p_atan2l(inputs[i], inputs[j]));
            show(p_hypotl(inputs[i], inputs[j]));
        }
        printf("\n");
    }
    return 0;
}
