// pthread synchronisation beyond the basics: mutex types, barriers, semaphores, spin locks and CPU
// affinity. Its output must be the same on the host (glibc) and on Nimbus.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <sys/resource.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

static void check(int rc, const char *what)
{
    if (rc != 0) printf("%s failed: %s\n", what, strerror(rc));
}

// ---- mutex types ----

static pthread_mutex_t static_recursive = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static pthread_mutex_t errorcheck;
static long recursive_total;

static void *recursive_worker(void *arg)
{
    for (int i = 0; i < 20000; i++) {
        pthread_mutex_lock(&static_recursive);
        pthread_mutex_lock(&static_recursive);          // a second level, held across the increment
        recursive_total++;
        pthread_mutex_unlock(&static_recursive);
        pthread_mutex_unlock(&static_recursive);
    }
    return arg;
}

static int holding, release_now;

static void *hold_for_a_while(void *arg)
{
    pthread_mutex_t *m = arg;
    pthread_mutex_lock(m);
    __atomic_store_n(&holding, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&release_now, __ATOMIC_SEQ_CST)) { struct timespec nap = {0, 1000000}; nanosleep(&nap, NULL); }
    pthread_mutex_unlock(m);
    return NULL;
}

static void *unlock_from_other_thread(void *arg)
{
    return (void *)(long)pthread_mutex_unlock(&errorcheck);
}

static void mutex_types(void)
{
    pthread_mutex_t normal = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&normal);
    printf("normal: trylock by the holder -> %s\n", strerror(pthread_mutex_trylock(&normal)));
    pthread_mutex_unlock(&normal);
    printf("normal: trylock when free -> %d\n", pthread_mutex_trylock(&normal));
    pthread_mutex_unlock(&normal);

    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&errorcheck, &attr);
    pthread_mutex_lock(&errorcheck);
    printf("errorcheck: relock -> %s\n", strerror(pthread_mutex_lock(&errorcheck)));
    pthread_t t;
    void *result;
    pthread_create(&t, NULL, unlock_from_other_thread, NULL);
    pthread_join(t, &result);
    printf("errorcheck: unlock by another thread -> %s\n", strerror((int)(long)result));
    int first_unlock = pthread_mutex_unlock(&errorcheck);
    int second_unlock = pthread_mutex_unlock(&errorcheck);
    printf("errorcheck: unlock -> %d, again -> %s\n", first_unlock, strerror(second_unlock));

    pthread_cond_t never = PTHREAD_COND_INITIALIZER;
    printf("errorcheck: cond_wait without holding it -> %s\n", strerror(pthread_cond_wait(&never, &errorcheck)));

    pthread_mutex_t recursive;
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&recursive, &attr);
    int rc = 0;
    for (int i = 0; i < 3; i++) rc |= pthread_mutex_lock(&recursive);
    rc |= pthread_mutex_trylock(&recursive);
    for (int i = 0; i < 4; i++) rc |= pthread_mutex_unlock(&recursive);
    printf("recursive: 4 levels in and out -> %d, one more unlock -> %s\n", rc, strerror(pthread_mutex_unlock(&recursive)));
    pthread_mutex_destroy(&recursive);
    pthread_mutexattr_destroy(&attr);

    // Timed locks: one that times out on a mutex another thread holds, one that gets it when released.
    pthread_mutex_t timed = PTHREAD_MUTEX_INITIALIZER;
    pthread_t holder;
    pthread_create(&holder, NULL, hold_for_a_while, &timed);
    while (!__atomic_load_n(&holding, __ATOMIC_SEQ_CST)) sched_yield();
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 10 * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000; }
    printf("timedlock for 10 ms on a held mutex -> %s\n", strerror(pthread_mutex_timedlock(&timed, &deadline)));
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;
    __atomic_store_n(&release_now, 1, __ATOMIC_SEQ_CST);
    int got = pthread_mutex_timedlock(&timed, &deadline);
    printf("timedlock while it is released -> %d\n", got);
    pthread_mutex_unlock(&timed);
    pthread_join(holder, NULL);
    struct timespec bad = {0, 2000000000L};
    printf("timedlock with a bad deadline on a held mutex -> ");
    pthread_mutex_lock(&errorcheck);
    printf("%s\n", strerror(pthread_mutex_timedlock(&errorcheck, &bad)));
    pthread_mutex_unlock(&errorcheck);

    pthread_t workers[4];
    for (int i = 0; i < 4; i++) pthread_create(&workers[i], NULL, recursive_worker, NULL);
    for (int i = 0; i < 4; i++) pthread_join(workers[i], NULL);
    printf("static recursive initializer, 4 threads: total %ld\n", recursive_total);
}

// ---- rwlocks: errors and timed locks ----

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int writer_in, writer_go;

static void *hold_write(void *arg)
{
    pthread_rwlock_wrlock(&rw);
    __atomic_store_n(&writer_in, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&writer_go, __ATOMIC_SEQ_CST)) { struct timespec nap = {0, 1000000}; nanosleep(&nap, NULL); }
    pthread_rwlock_unlock(&rw);
    return arg;
}

static struct timespec in_ms(clockid_t clock, long ms)
{
    struct timespec t;
    clock_gettime(clock, &t);
    t.tv_nsec += ms * 1000000;
    while (t.tv_nsec >= 1000000000) { t.tv_sec++; t.tv_nsec -= 1000000000; }
    return t;
}

static void rwlocks(void)
{
    pthread_rwlock_wrlock(&rw);
    int read = pthread_rwlock_rdlock(&rw), write = pthread_rwlock_wrlock(&rw);
    pthread_rwlock_unlock(&rw);
    printf("rwlock held for writing: rdlock -> %s, wrlock -> %s\n", strerror(read), strerror(write));
    pthread_t t;
    pthread_create(&t, NULL, hold_write, NULL);
    while (!__atomic_load_n(&writer_in, __ATOMIC_SEQ_CST)) sched_yield();
    struct timespec soon = in_ms(CLOCK_REALTIME, 10);
    int timed_read = pthread_rwlock_timedrdlock(&rw, &soon);
    soon = in_ms(CLOCK_REALTIME, 10);
    int timed_write = pthread_rwlock_timedwrlock(&rw, &soon);
    printf("another thread writes: timedrdlock -> %s, timedwrlock -> %s\n", strerror(timed_read), strerror(timed_write));
    __atomic_store_n(&writer_go, 1, __ATOMIC_SEQ_CST);
    struct timespec later = in_ms(CLOCK_REALTIME, 10000);
    int got = pthread_rwlock_timedrdlock(&rw, &later);
    pthread_rwlock_unlock(&rw);
    pthread_join(t, NULL);
    printf("after it lets go: timedrdlock -> %d\n", got);
}

// ---- barriers ----

#define BARRIER_THREADS 4
#define ROUNDS 200
static pthread_barrier_t barrier;
static int arrived_round[BARRIER_THREADS];
static int early, serials;

static void *barrier_worker(void *arg)
{
    int me = (int)(long)arg;
    for (int round = 1; round <= ROUNDS; round++) {
        __atomic_store_n(&arrived_round[me], round, __ATOMIC_SEQ_CST);
        int rc = pthread_barrier_wait(&barrier);
        if (rc == PTHREAD_BARRIER_SERIAL_THREAD) __atomic_fetch_add(&serials, 1, __ATOMIC_SEQ_CST);
        else check(rc, "pthread_barrier_wait");
        for (int i = 0; i < BARRIER_THREADS; i++)      // nobody may pass before everyone arrived
            if (__atomic_load_n(&arrived_round[i], __ATOMIC_SEQ_CST) < round) __atomic_fetch_add(&early, 1, __ATOMIC_SEQ_CST);
        pthread_barrier_wait(&barrier);                 // keep the next round's stores out of this check
    }
    return NULL;
}

static void barriers(void)
{
    printf("barrier of 0 threads -> %s\n", strerror(pthread_barrier_init(&barrier, NULL, 0)));
    check(pthread_barrier_init(&barrier, NULL, BARRIER_THREADS), "pthread_barrier_init");
    pthread_t t[BARRIER_THREADS];
    for (long i = 0; i < BARRIER_THREADS; i++) pthread_create(&t[i], NULL, barrier_worker, (void *)i);
    for (int i = 0; i < BARRIER_THREADS; i++) pthread_join(t[i], NULL);
    check(pthread_barrier_destroy(&barrier), "pthread_barrier_destroy");
    printf("barrier: %d rounds x %d threads, passed early %d, serial threads %d\n", ROUNDS, BARRIER_THREADS, early, serials);
}

// ---- semaphores: a bounded buffer ----

#define SLOTS 8
#define ITEMS 20000
static sem_t free_slots, full_slots;
static pthread_mutex_t buffer_lock = PTHREAD_MUTEX_INITIALIZER;
static long buffer[SLOTS];
static int head, tail;
static long consumed_sum;

static void *producer(void *arg)
{
    long base = (long)arg;
    for (long i = 1; i <= ITEMS; i++) {
        sem_wait(&free_slots);
        pthread_mutex_lock(&buffer_lock);
        buffer[tail] = base + i;
        tail = (tail + 1) % SLOTS;
        pthread_mutex_unlock(&buffer_lock);
        sem_post(&full_slots);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    long sum = 0;
    for (long i = 0; i < ITEMS; i++) {
        sem_wait(&full_slots);
        pthread_mutex_lock(&buffer_lock);
        sum += buffer[head];
        head = (head + 1) % SLOTS;
        pthread_mutex_unlock(&buffer_lock);
        sem_post(&free_slots);
    }
    __atomic_fetch_add(&consumed_sum, sum, __ATOMIC_SEQ_CST);
    return arg;
}

static void semaphores(void)
{
    sem_t s;
    sem_init(&s, 0, 2);
    int value;
    sem_getvalue(&s, &value);
    printf("semaphore starts at %d\n", value);
    int a = sem_trywait(&s), b = sem_trywait(&s);
    int c = sem_trywait(&s);
    printf("trywait x3 -> %d %d %d (%s)\n", a, b, c, c != 0 ? strerror(errno) : "-");
    struct timespec past;
    clock_gettime(CLOCK_REALTIME, &past);
    past.tv_sec -= 1;
    int d = sem_timedwait(&s, &past);
    printf("timedwait with a past deadline -> %d (%s)\n", d, d != 0 ? strerror(errno) : "-");
    struct timespec soon;
    clock_gettime(CLOCK_REALTIME, &soon);
    soon.tv_nsec += 20 * 1000 * 1000;
    if (soon.tv_nsec >= 1000000000) { soon.tv_sec++; soon.tv_nsec -= 1000000000; }
    int e = sem_timedwait(&s, &soon);
    printf("timedwait 20 ms on an empty semaphore -> %d (%s)\n", e, e != 0 ? strerror(errno) : "-");
    sem_post(&s);
    printf("timedwait after a post -> %d\n", sem_timedwait(&s, &soon));
    sem_destroy(&s);
    sem_init(&s, 0, SEM_VALUE_MAX);
    int over = sem_post(&s);
    printf("post at SEM_VALUE_MAX -> %d (%s)\n", over, over != 0 ? strerror(errno) : "-");
    sem_destroy(&s);

    // Named semaphores: one name, two opens, one semaphore.
    sem_unlink("/nimbus-sync-test");                    // left over from an interrupted host run
    sem_t *first = sem_open("/nimbus-sync-test", O_CREAT | O_EXCL, 0600, 0);
    sem_t *second = sem_open("/nimbus-sync-test", 0);
    sem_t *again = sem_open("/nimbus-sync-test", O_CREAT | O_EXCL, 0600, 0);
    int exists = errno;
    sem_post(first);
    int through_b = sem_trywait(second);
    int unlinked = sem_unlink("/nimbus-sync-test");
    sem_t *gone = sem_open("/nimbus-sync-test", 0);
    int missing = errno;
    sem_post(second);                                        // still usable while open
    int still = sem_trywait(first);
    printf("named: open %s, reopen %s, O_EXCL again %s (%s), post/wait across opens %d, unlink %d, open after unlink %s (%s), still usable %d\n",
           first != SEM_FAILED ? "ok" : "failed", second != SEM_FAILED ? "ok" : "failed", again == SEM_FAILED ? "refused" : "allowed", strerror(exists),
           through_b, unlinked, gone == SEM_FAILED ? "refused" : "allowed", strerror(missing), still);
    sem_close(second);
    sem_close(first);
    sem_t *bad = sem_open("/a/b", O_CREAT, 0600, 0);
    printf("named with a slash inside -> %s (%s)\n", bad == SEM_FAILED ? "refused" : "allowed", strerror(errno));

    sem_init(&free_slots, 0, SLOTS);
    sem_init(&full_slots, 0, 0);
    pthread_t p[3], q[3];
    for (long i = 0; i < 3; i++) pthread_create(&p[i], NULL, producer, (void *)(i * 1000000));
    for (int i = 0; i < 3; i++) pthread_create(&q[i], NULL, consumer, NULL);
    for (int i = 0; i < 3; i++) { pthread_join(p[i], NULL); pthread_join(q[i], NULL); }
    long expected = 0;
    for (long i = 0; i < 3; i++) expected += i * 1000000 * ITEMS + (long)ITEMS * (ITEMS + 1) / 2;
    sem_getvalue(&free_slots, &value);
    printf("bounded buffer: sum %s, free slots at the end %d\n", consumed_sum == expected ? "exact" : "WRONG", value);
    sem_destroy(&free_slots);
    sem_destroy(&full_slots);
}

// ---- spin locks ----

static pthread_spinlock_t spin;
static long spin_total;

static void *spin_worker(void *arg)
{
    for (int i = 0; i < 20000; i++) {
        pthread_spin_lock(&spin);
        spin_total++;
        pthread_spin_unlock(&spin);
    }
    return arg;
}

static void spinlocks(void)
{
    pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
    pthread_spin_lock(&spin);
    printf("spin trylock while held -> %s\n", strerror(pthread_spin_trylock(&spin)));
    pthread_spin_unlock(&spin);
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, spin_worker, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    pthread_spin_destroy(&spin);
    printf("spin lock, 4 threads: total %ld\n", spin_total);
}

// ---- thread stacks ----

static void *stack_probe(void *arg)
{
    volatile char local[256];
    local[0] = 1;
    return (void *)(long)(local[0] + (long)arg);
}

static void stacks(void)
{
    // A stack the program provides stays the program's: still usable after the thread is joined.
    size_t size = 256 * 1024;
    char *mine = malloc(size);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstack(&attr, mine, size);
    pthread_t t;
    void *result;
    check(pthread_create(&t, &attr, stack_probe, (void *)41), "pthread_create on the program's stack");
    pthread_join(t, &result);
    memset(mine, 0x5a, size);
    printf("thread on the program's stack returned %ld; the stack is still the program's: %s\n", (long)result, mine[size - 1] == 0x5a ? "yes" : "no");
    free(mine);
    pthread_attr_destroy(&attr);

    // More threads one after another than there are stack slots: stacks are reused.
    long sum = 0;
    for (int i = 0; i < 5000; i++) {
        check(pthread_create(&t, NULL, stack_probe, (void *)1), "pthread_create");
        pthread_join(t, &result);
        sum += (long)result;
    }
    printf("5000 threads created and joined one after another: sum %ld\n", sum);
}

// ---- scheduling and attribute knobs ----

static void *trivial(void *arg) { return arg; }
static void noop(void) {}

static void knobs(void)
{
    errno = 0;
    int before = getpriority(PRIO_PROCESS, 0);
    int set = setpriority(PRIO_PROCESS, 0, 5);
    int after = getpriority(PRIO_PROCESS, 0);
    int bumped = nice(2);
    printf("nice: %d, setpriority -> %d, now %d, nice(2) -> %d\n", before, set, after, bumped);
    printf("priorities: FIFO %d..%d, OTHER %d..%d\n", sched_get_priority_min(SCHED_FIFO), sched_get_priority_max(SCHED_FIFO),
           sched_get_priority_min(SCHED_OTHER), sched_get_priority_max(SCHED_OTHER));
    int policy = -1;
    struct sched_param param = {.sched_priority = 7};
    pthread_getschedparam(pthread_self(), &policy, &param);
    printf("this thread: policy %d, priority %d\n", policy, param.sched_priority);
    param.sched_priority = 0;
    printf("setschedparam OTHER 0 -> %d", pthread_setschedparam(pthread_self(), SCHED_OTHER, &param));
    param.sched_priority = 5;
    printf(", OTHER 5 -> %s\n", strerror(pthread_setschedparam(pthread_self(), SCHED_OTHER, &param)));

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
    pthread_attr_setschedpolicy(&attr, SCHED_OTHER);
    param.sched_priority = 0;
    pthread_attr_setschedparam(&attr, &param);
    int inherit = -1, scope = -1;
    pthread_attr_getinheritsched(&attr, &inherit);
    pthread_attr_getscope(&attr, &scope);
    pthread_t t;
    void *result = NULL;
    int created = pthread_create(&t, &attr, trivial, (void *)42);
    if (created == 0) pthread_join(t, &result);
    printf("explicit SCHED_OTHER thread: create -> %d, result %ld, inherit %d, scope %d\n", created, (long)result, inherit, scope);
    pthread_attr_destroy(&attr);

    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    int shared = -1, protocol = -1, robust = -1, type = -1;
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_NONE);
    pthread_mutexattr_getpshared(&ma, &shared);
    pthread_mutexattr_getprotocol(&ma, &protocol);
    pthread_mutexattr_getrobust(&ma, &robust);
    pthread_mutexattr_gettype(&ma, &type);
    pthread_mutex_t m;
    pthread_mutex_init(&m, &ma);
    pthread_mutex_lock(&m);
    int relock = pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    printf("mutex attributes: shared %d, protocol %d, robust %d, type %d; relock -> %s\n", shared, protocol, robust, type, strerror(relock));
    pthread_mutexattr_destroy(&ma);

    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    clockid_t clock = -1;
    pthread_condattr_getpshared(&ca, &shared);
    pthread_condattr_getclock(&ca, &clock);
    pthread_cond_t cv;
    pthread_cond_init(&cv, &ca);
    struct timespec soon;
    clock_gettime(CLOCK_MONOTONIC, &soon);
    soon.tv_nsec += 5000000;
    if (soon.tv_nsec >= 1000000000) { soon.tv_sec++; soon.tv_nsec -= 1000000000; }
    pthread_mutex_lock(&m);
    int waited = pthread_cond_timedwait(&cv, &m, &soon);
    pthread_mutex_unlock(&m);
    printf("cond attributes: shared %d, clock %d; monotonic timed wait -> %s\n", shared, (int)clock, strerror(waited));
    pthread_cond_destroy(&cv);
    pthread_condattr_destroy(&ca);

    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setpshared(&ra, PTHREAD_PROCESS_SHARED);
    pthread_rwlockattr_getpshared(&ra, &shared);
    printf("rwlock attribute: shared %d\n", shared);
    pthread_rwlockattr_destroy(&ra);

    int old = -1, old2 = -1;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old2);
    pthread_testcancel();
    printf("cancel state: was %d, then %d; atfork -> %d\n", old, old2, pthread_atfork(noop, noop, noop));
}

// ---- affinity ----

static void affinity(void)
{
    cpu_set_t all, one, now;
    sched_getaffinity(0, sizeof all, &all);
    int first = -1, last = -1;
    for (int c = 0; c < CPU_SETSIZE; c++) if (CPU_ISSET(c, &all)) { if (first < 0) first = c; last = c; }
    int ok = 1;
    for (int target = first; target <= last; target += (last > first ? last - first : 1)) {
        CPU_ZERO(&one);
        CPU_SET(target, &one);
        check(pthread_setaffinity_np(pthread_self(), sizeof one, &one), "pthread_setaffinity_np");
        for (int i = 0; i < 100; i++) {                 // stays there, also across sleeps
            if (sched_getcpu() != target) ok = 0;
            if (i % 10 == 0) { struct timespec nap = {0, 100000}; nanosleep(&nap, NULL); }
        }
        pthread_getaffinity_np(pthread_self(), sizeof now, &now);
        if (CPU_COUNT(&now) != 1 || !CPU_ISSET(target, &now)) ok = 0;
        if (last == first) break;
    }
    printf("pinned to the first and the last allowed CPU: %s\n", ok ? "yes" : "no");
    CPU_ZERO(&one);
    int empty = sched_setaffinity(0, sizeof one, &one);
    printf("empty mask -> %d (%s)\n", empty, strerror(errno));
    check(sched_setaffinity(0, sizeof all, &all), "sched_setaffinity");
    sched_getaffinity(0, sizeof now, &now);
    printf("all CPUs allowed again: %s\n", CPU_EQUAL(&now, &all) ? "yes" : "no");
}

int main(void)
{
    mutex_types();
    rwlocks();
    barriers();
    semaphores();
    spinlocks();
    stacks();
    knobs();
    affinity();
    return 0;
}
