// Spends its time in one static and one exported function, for the profiler test: a profile must
// name both (the static one from the file's .symtab).
#include <stdio.h>

static volatile double sink;

static __attribute__((noinline)) void spin_static(long n)
{
    double x = 0;
    for (long i = 0; i < n; i++) x += i * 0.5;
    sink = x;
}

__attribute__((noinline)) void spin_exported(long n)
{
    double x = 1;
    for (long i = 0; i < n; i++) x *= 1.0000001;
    sink = x;
}

int main(void)
{
    spin_static(3000000);
    spin_exported(1500000);
    printf("done\n");
    return 0;
}
