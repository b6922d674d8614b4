// Threads, TLS, synchronisation, time and signals: printed deterministically so the output on
// Nimbus must equal the output on Linux.
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static __thread int tls_counter = 100;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long shared_total;
static int turn;
static pthread_key_t key;
static int destructed;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;

static void once_init(void) { once_runs++; }
static void key_destructor(void *value) { __atomic_fetch_add(&destructed, (int)(long)value, __ATOMIC_SEQ_CST); }

static void *worker(void *arg)
{
    long id = (long)arg;
    pthread_once(&once, once_init);
    pthread_setspecific(key, (void *)id);
    for (int i = 0; i < 10000; i++) {
        pthread_mutex_lock(&lock);
        shared_total++;
        pthread_mutex_unlock(&lock);
        tls_counter++;
    }
    return (void *)(long)tls_counter;
}

// Two threads take turns through a condition variable.
static void *pingpong(void *arg)
{
    int me = (int)(long)arg;
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&lock);
        while (turn != me) pthread_cond_wait(&cond, &lock);
        turn = 1 - me;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static sigjmp_buf recover;
static volatile int faults;

static void on_segv(int sig, siginfo_t *info, void *context)
{
    (void)context;
    faults++;
    printf("caught signal %d, si_code %d, address %s\n", sig, info->si_code, info->si_addr == (void *)16 ? "16" : "other");
    siglongjmp(recover, 1);
}

static void on_usr1(int sig) { printf("SIGUSR1 handler ran (signal %d)\n", sig); }

static char *alt_base;
static size_t alt_size;

static void on_segv_alt(int sig, siginfo_t *info, void *context)
{
    (void)info; (void)context;
    char here;
    printf("handler for %d on the alternate stack: %s\n", sig, &here > alt_base && &here < alt_base + alt_size ? "yes" : "no");
    siglongjmp(recover, 1);
}

int main(void)
{
    pthread_key_create(&key, key_destructor);
    pthread_t threads[4];
    for (long i = 0; i < 4; i++) pthread_create(&threads[i], NULL, worker, (void *)(i + 1));
    long tls_sum = 0;
    for (int i = 0; i < 4; i++) {
        void *result;
        pthread_join(threads[i], &result);
        tls_sum += (long)result;
    }
    printf("mutex total %ld, each thread's TLS ended at %ld, main's TLS %d\n", shared_total, tls_sum / 4, tls_counter);
    printf("once ran %d time(s), key destructors summed %d\n", once_runs, destructed);

    pthread_t a, b;
    pthread_create(&a, NULL, pingpong, (void *)0);
    pthread_create(&b, NULL, pingpong, (void *)1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("ping-pong done, turn %d\n", turn);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct timespec nap = {0, 20 * 1000 * 1000};
    nanosleep(&nap, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    printf("slept at least 20 ms: %s\n", ms >= 20 ? "yes" : "no");
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    printf("year is plausible: %s\n", tm.tm_year + 1900 >= 2024 ? "yes" : "no");
    time_t epoch = 951782400;   // 2000-02-29 00:00:00 UTC
    gmtime_r(&epoch, &tm);
    printf("2000-02-29: %04d-%02d-%02d wday %d yday %d\n", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_wday, tm.tm_yday);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    for (int i = 0; i < 3; i++) {
        if (sigsetjmp(recover, 1) == 0) {
            volatile int *bad = (volatile int *)16;
            *bad = 1;
            printf("not reached\n");
        }
    }
    printf("recovered from %d faults\n", faults);
    alt_size = 64 * 1024;
    alt_base = malloc(alt_size);
    stack_t ss = {.ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    sa.sa_sigaction = on_segv_alt;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(recover, 1) == 0) {
        volatile int *bad = (volatile int *)8;
        *bad = 2;
    }
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    printf("pid %d\n", getpid() > 0);
    return 0;
}
