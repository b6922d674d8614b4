// sched_bench: the Linux peer of the Nimbus kernel command `bench-sched` (see `nimbus bench sched`).
//
// The scheduling and synchronisation measurements of the OSv paper (USENIX ATC'14, table 6), with
// pthreads. Each result is one line on stdout:
//
//     sched-bench: <metric> <value>
//
//   ctxsw_colocated_ns           two threads pinned on CPU 0 hand a turn to each other through a
//                                mutex + condition variable; ns per hand-over
//   ctxsw_apart_ns               the same with the threads pinned on CPUs 0 and 1
//                                (natively: the first two CPUs of the process's affinity mask)
//   mutex_uncontended_ns         one thread: lock; counter++; unlock; ns per pair
//   mutex_contended_2_ops_per_s  2 threads loop lock; counter++; unlock for a fixed wall time;
//   mutex_contended_4_ops_per_s  4 threads: total pairs per second (thread i pinned on CPU i % 2)
//   thread_create_join_us        create a thread that returns at once, join it; us per pair
//                                (the creator, so also its children, pinned on CPU 0)
//
// The loop counts are sized for ~0.2-0.5 s per metric under QEMU TCG (-smp 2). `--quick` divides
// them (and the contended wall time) by 100 for a fast native smoke test. Any inconsistency
// (lost counter increments, wrong CPU, failed pthread call) is reported on stderr, exit status 1;
// bad arguments exit with status 2.
//
// Build: gcc -O2 -static -pthread -o sched_bench sched_bench.c

#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// Iterations at full size (see the header). --quick divides each by QUICK_DIVISOR.
// Each measured loop is preceded by a warm-up of a tenth of its size. Under TCG (QEMU 7.2, -smp 2) one
// hand-over takes ~15-40 us, an uncontended pair ~100 ns, a thread create+join ~0.3-0.5 ms.
#define CTXSW_ROUNDS        6000L      // per thread: 2 * CTXSW_ROUNDS hand-overs
#define UNCONTENDED_PAIRS   3000000L
#define CONTENDED_WALL_NS   300000000L // 0.3 s
#define CREATE_JOIN_PAIRS   600L
#define QUICK_DIVISOR       100

static long g_divisor = 1;
static int g_cpu[2];                         // the first two CPUs we may run on: 0 and 1 in the guest

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sched_bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stdout);
    exit(1);
}

static void check(int rc, const char *what)
{
    if (rc != 0) die("%s failed: %s", what, strerror(rc));
}

static int64_t now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) die("clock_gettime(CLOCK_MONOTONIC) failed: %s", strerror(errno));
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void report(const char *metric, double value)
{
    if (!(value > 0)) die("%s: non-positive result %f", metric, value);
    printf("sched-bench: %s %.3f\n", metric, value);
    fflush(stdout);
}

// Pins the calling thread on one CPU and checks that it now runs there.
static void pin_self(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    if (rc != 0) die("pthread_setaffinity_np(CPU %d) failed: %s (this benchmark needs 2 CPUs, e.g. qemu -smp 2)", cpu, strerror(rc));
    int on = sched_getcpu();
    if (on != cpu) die("pinned on CPU %d but running on CPU %d", cpu, on);
}

// ---- context switch: ping-pong through a condition variable ---------------------------------

static struct
{
    pthread_mutex_t lock;
    pthread_cond_t turn_changed;
    int turn;             // 0 or 1: which thread may proceed
    long rounds;          // per thread
    long handovers;       // counted under the lock
    pthread_barrier_t start;
} g_pp = { .lock = PTHREAD_MUTEX_INITIALIZER, .turn_changed = PTHREAD_COND_INITIALIZER };

struct pp_arg { int self; int cpu; };

static void *pingpong_thread(void *p)
{
    const struct pp_arg *a = p;
    pin_self(a->cpu);
    int rc = pthread_barrier_wait(&g_pp.start);
    if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD) check(rc, "pthread_barrier_wait");
    for (long i = 0; i < g_pp.rounds; i++)
    {
        check(pthread_mutex_lock(&g_pp.lock), "pthread_mutex_lock");
        while (g_pp.turn != a->self)
            check(pthread_cond_wait(&g_pp.turn_changed, &g_pp.lock), "pthread_cond_wait");
        g_pp.turn = 1 - a->self;
        g_pp.handovers++;
        check(pthread_cond_signal(&g_pp.turn_changed), "pthread_cond_signal");
        check(pthread_mutex_unlock(&g_pp.lock), "pthread_mutex_unlock");
    }
    return NULL;
}

// ns per hand-over between two threads pinned on cpu0 and cpu1.
static double pingpong(int cpu0, int cpu1, long rounds)
{
    g_pp.turn = 0;
    g_pp.rounds = rounds;
    g_pp.handovers = 0;
    check(pthread_barrier_init(&g_pp.start, NULL, 3), "pthread_barrier_init");
    struct pp_arg args[2] = { { 0, cpu0 }, { 1, cpu1 } };
    pthread_t t[2];
    for (int i = 0; i < 2; i++) check(pthread_create(&t[i], NULL, pingpong_thread, &args[i]), "pthread_create");
    int rc = pthread_barrier_wait(&g_pp.start);   // both threads are pinned and about to start
    if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD) check(rc, "pthread_barrier_wait");
    int64_t t0 = now_ns();
    for (int i = 0; i < 2; i++) check(pthread_join(t[i], NULL), "pthread_join");
    int64_t elapsed = now_ns() - t0;
    check(pthread_barrier_destroy(&g_pp.start), "pthread_barrier_destroy");
    if (g_pp.handovers != 2 * rounds || g_pp.turn != 0)
        die("ping-pong on CPUs %d/%d: %ld hand-overs (expected %ld), turn %d", cpu0, cpu1, g_pp.handovers, 2 * rounds, g_pp.turn);
    return (double)elapsed / (double)(2 * rounds);
}

static double ctxsw(int cpu0, int cpu1)
{
    long rounds = CTXSW_ROUNDS / g_divisor;
    pingpong(cpu0, cpu1, rounds / 10 + 1);   // warm-up: thread stacks, futex hash, caches
    return pingpong(cpu0, cpu1, rounds);
}

// ---- mutexes --------------------------------------------------------------------------------

static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static long g_counter;                       // only touched under g_mutex

static double mutex_uncontended(void)
{
    long pairs = UNCONTENDED_PAIRS / g_divisor;
    for (int pass = 0; pass < 2; pass++)     // pass 0 is a warm-up of a tenth of the size
    {
        long n = pass == 0 ? pairs / 10 + 1 : pairs;
        g_counter = 0;
        int64_t t0 = now_ns();
        for (long i = 0; i < n; i++)
        {
            check(pthread_mutex_lock(&g_mutex), "pthread_mutex_lock");
            g_counter++;
            check(pthread_mutex_unlock(&g_mutex), "pthread_mutex_unlock");
        }
        int64_t elapsed = now_ns() - t0;
        if (g_counter != n) die("uncontended mutex: counter %ld after %ld pairs", g_counter, n);
        if (pass == 1) return (double)elapsed / (double)n;
    }
    return 0;
}

static atomic_int g_stop;
static pthread_barrier_t g_contend_start;

struct contender { int cpu; long pairs; int64_t end_ns; };

static void *contender_thread(void *p)
{
    struct contender *c = p;
    pin_self(c->cpu);
    int rc = pthread_barrier_wait(&g_contend_start);
    if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD) check(rc, "pthread_barrier_wait");
    long mine = 0;
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed))
    {
        check(pthread_mutex_lock(&g_mutex), "pthread_mutex_lock");
        g_counter++;
        check(pthread_mutex_unlock(&g_mutex), "pthread_mutex_unlock");
        mine++;
    }
    c->end_ns = now_ns();
    c->pairs = mine;
    return NULL;
}

// Total lock/unlock pairs per second of `threads` threads hammering one mutex. Thread i is pinned on
// CPU i % 2: unpinned, two threads sometimes share a CPU and barely contend (2-3x the rate).
static double mutex_contended(int threads)
{
    struct contender c[8] = { 0 };
    pthread_t t[8];
    for (int i = 0; i < threads; i++) c[i].cpu = g_cpu[i % 2];
    g_counter = 0;
    atomic_store(&g_stop, 0);
    check(pthread_barrier_init(&g_contend_start, NULL, (unsigned)threads + 1), "pthread_barrier_init");
    for (int i = 0; i < threads; i++) check(pthread_create(&t[i], NULL, contender_thread, &c[i]), "pthread_create");
    int rc = pthread_barrier_wait(&g_contend_start);
    if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD) check(rc, "pthread_barrier_wait");
    int64_t t0 = now_ns();
    // --quick shortens this window only 10x: at 3 ms a thread on a loaded host may not run at all.
    long wall = CONTENDED_WALL_NS / (g_divisor > 10 ? 10 : g_divisor);
    struct timespec ts = { wall / 1000000000, wall % 1000000000 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) { }
    atomic_store(&g_stop, 1);
    int64_t end = t0;
    long total = 0;
    for (int i = 0; i < threads; i++)
    {
        check(pthread_join(t[i], NULL), "pthread_join");
        if (c[i].end_ns > end) end = c[i].end_ns;
        if (c[i].pairs <= 0) die("contended mutex (%d threads): thread %d never got the lock", threads, i);
        total += c[i].pairs;
    }
    check(pthread_barrier_destroy(&g_contend_start), "pthread_barrier_destroy");
    if (g_counter != total) die("contended mutex (%d threads): counter %ld but %ld pairs (lost updates)", threads, g_counter, total);
    return (double)total * 1e9 / (double)(end - t0);
}

// ---- thread creation ------------------------------------------------------------------------

static atomic_long g_ran;

static void *empty_thread(void *p)
{
    (void)p;
    atomic_fetch_add_explicit(&g_ran, 1, memory_order_relaxed);
    return NULL;
}

// The creating thread is pinned on the first CPU and its children inherit that: unpinned, Linux starts
// each child on the idle other CPU, and the cross-CPU wake-ups (already measured by ctxsw_apart_ns)
// made this metric swing between 0.3 and 2.7 ms per pair under TCG instead of ~0.4 ms.
static double thread_create_join(void)
{
    long pairs = CREATE_JOIN_PAIRS / g_divisor;
    pin_self(g_cpu[0]);
    for (int pass = 0; pass < 2; pass++)     // pass 0 is a warm-up (glibc caches thread stacks)
    {
        long n = pass == 0 ? pairs / 10 + 1 : pairs;
        atomic_store(&g_ran, 0);
        int64_t t0 = now_ns();
        for (long i = 0; i < n; i++)
        {
            pthread_t t;
            check(pthread_create(&t, NULL, empty_thread, NULL), "pthread_create");
            check(pthread_join(t, NULL), "pthread_join");
        }
        int64_t elapsed = now_ns() - t0;
        if (atomic_load(&g_ran) != n) die("create/join: %ld threads ran, expected %ld", atomic_load(&g_ran), n);
        if (pass == 1) return (double)elapsed / (double)n / 1000.0;
    }
    return 0;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
    {
        if (strcmp(argv[i], "--quick") == 0) g_divisor = QUICK_DIVISOR;
        else
        {
            fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
            return 2;
        }
    }
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) die("sched_getaffinity failed: %s", strerror(errno));
    int found = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++)
        if (CPU_ISSET(cpu, &allowed)) g_cpu[found++] = cpu;
    if (found < 2) die("only %d CPU available; ctxsw_apart_ns needs 2 (e.g. qemu -smp 2)", found);

    report("ctxsw_colocated_ns", ctxsw(g_cpu[0], g_cpu[0]));
    report("ctxsw_apart_ns", ctxsw(g_cpu[0], g_cpu[1]));
    report("mutex_uncontended_ns", mutex_uncontended());
    report("mutex_contended_2_ops_per_s", mutex_contended(2));
    report("mutex_contended_4_ops_per_s", mutex_contended(4));
    report("thread_create_join_us", thread_create_join());
    return 0;
}
