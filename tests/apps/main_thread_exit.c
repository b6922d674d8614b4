// The main thread leaves with pthread_exit while another thread still works: the program goes on,
// and ends with status 0 when that thread returns (exit handlers run then).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void at_end(void) { printf("exit handler ran\n"); }

static void *late_worker(void *arg)
{
    (void)arg;
    struct timespec nap = {0, 50 * 1000 * 1000};
    nanosleep(&nap, NULL);
    printf("worker finished after main left\n");
    fflush(stdout);
    return NULL;
}

int main(void)
{
    atexit(at_end);
    pthread_t t;
    pthread_create(&t, NULL, late_worker, NULL);
    printf("main leaves with pthread_exit\n");
    fflush(stdout);
    pthread_exit(NULL);
}
