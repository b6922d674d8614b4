// sigaltstack as Linux has it: an SA_ONSTACK handler runs on the alternate stack (and sees
// SS_ONSTACK there), bad flags and sizes are refused, it cannot change while in use; glibc's own
// signals 32 and 33 can be neither handled, added to a set nor blocked.
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *alt;
static size_t alt_size = 64 * 1024;
static volatile int on_alt, flags_in_handler, change_refused;

static void handler(int sig)
{
    char here;
    on_alt = (uintptr_t)&here > (uintptr_t)alt && (uintptr_t)&here <= (uintptr_t)alt + alt_size;
    stack_t now, other = { .ss_sp = alt, .ss_size = alt_size };
    sigaltstack(NULL, &now);
    flags_in_handler = now.ss_flags;
    change_refused = sigaltstack(&other, NULL) == -1 && errno == EPERM;
}

static void show(const char *what, int r) { printf("%s: %d %s\n", what, r, r < 0 ? strerror(errno) : "ok"); errno = 0; }

int main(void)
{
    stack_t ss = { 0 }, old;
    show("query", sigaltstack(NULL, &old));
    printf("initial flags %d size %zu\n", old.ss_flags, old.ss_size);
    alt = malloc(alt_size);
    ss.ss_sp = alt;
    ss.ss_size = 1024;
    show("too small", sigaltstack(&ss, NULL));
    ss.ss_size = alt_size;
    ss.ss_flags = 0x40;
    show("bad flags", sigaltstack(&ss, NULL));
    ss.ss_flags = 0;
    show("set", sigaltstack(&ss, NULL));
    sigaltstack(NULL, &old);
    printf("now flags %d same %d\n", old.ss_flags, old.ss_sp == alt && old.ss_size == alt_size);

    struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_ONSTACK };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("SA_ONSTACK handler on the alternate stack %d, flags there %d, change refused %d\n", on_alt, flags_in_handler, change_refused);
    sa.sa_flags = 0;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("handler without SA_ONSTACK on the alternate stack %d\n", on_alt);

    sigset_t set;
    sigfillset(&set);
    printf("sigfillset has 32 %d 33 %d 31 %d 34 %d\n", sigismember(&set, 32), sigismember(&set, 33), sigismember(&set, 31), sigismember(&set, 34));
    sigemptyset(&set);
    show("sigaddset 32", sigaddset(&set, 32));
    show("sigaddset 33", sigaddset(&set, 33));
    show("sigdelset 33", sigdelset(&set, 33));
    show("sigaction 32", sigaction(32, &sa, NULL));
    show("sigaction 33", sigaction(33, NULL, NULL));
    sigset_t all, cur;
    memset(&all, 0xff, sizeof all);
    show("block everything", sigprocmask(SIG_SETMASK, &all, NULL));
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("blocked 32 %d 33 %d 9 %d 10 %d 34 %d\n", sigismember(&cur, 32), sigismember(&cur, 33), sigismember(&cur, SIGKILL), sigismember(&cur, SIGUSR1), sigismember(&cur, 34));

    ss.ss_flags = SS_DISABLE;
    show("disable", sigaltstack(&ss, NULL));
    sigaltstack(NULL, &old);
    printf("disabled flags %d\n", old.ss_flags);
    return 0;
}
