// A thread that recurses until it runs out of stack: the program must end as it would on Linux
// (SIGSEGV, status 139), with a report that says it was a stack overflow.
#include <pthread.h>
#include <stdio.h>

static int depth(int n)
{
    volatile char frame[512];
    frame[0] = (char)n;
    return n > 1000000000 ? frame[0] : depth(n + 1) + frame[0];
}

static void *run(void *arg)
{
    printf("%d\n", depth(0));
    return arg;
}

int main(void)
{
    printf("before\n");
    fflush(stdout);
    pthread_t t;
    pthread_create(&t, NULL, run, NULL);
    pthread_join(t, NULL);
    return 0;
}
