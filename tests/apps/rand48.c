// The POSIX *rand48 generators: from the unseeded start (state 0, as glibc), then after each
// seeding function; the output must be glibc's exactly.
#include <stdio.h>
#include <stdlib.h>

static void run(const char *what)
{
    printf("%s:", what);
    for (int i = 0; i < 4; i++) {
        double d = drand48();
        long l = lrand48();
        long m = mrand48();
        printf(" %.17g %ld %ld", d, l, m);
    }
    printf("\n");
}

int main(void)
{
    long first = lrand48();
    printf("unseeded lrand48 %ld\n", first);
    run("unseeded");
    srand48(12345);
    run("srand48(12345)");
    srand48(-7);
    run("srand48(-7)");
    unsigned short seed[3] = { 1, 2, 3 };
    unsigned short *old = seed48(seed);
    printf("seed48 old %u %u %u\n", old[0], old[1], old[2]);
    run("seed48");
    unsigned short param[7] = { 9, 8, 7, 0x1111, 0x2222, 0x0333, 0x44 };
    lcong48(param);
    run("lcong48");
    unsigned short x[3] = { 3, 4, 5 };
    for (int i = 0; i < 4; i++) {
        double e = erand48(x);
        long n = nrand48(x);
        long j = jrand48(x);
        printf("xsubi %.17g %ld %ld\n", e, n, j);
    }
    struct drand48_data data = { 0 };
    srand48_r(99, &data);
    for (int i = 0; i < 3; i++) {
        double d;
        long l;
        drand48_r(&data, &d);
        lrand48_r(&data, &l);
        printf("_r %.17g %ld\n", d, l);
    }
    return 0;
}
