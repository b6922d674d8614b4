// _FORTIFY_SOURCE=2 at -O2: gcc turns these calls into the __*_chk entry points with the size of
// the destination it knows. Without an argument every call fits and the results print; with the
// name of a case, that call overflows its buffer and the program must end as glibc ends it:
// "*** buffer overflow detected ***: terminated" on stderr and SIGABRT (status 134).
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE
#define _FORTIFY_SOURCE 2
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>
#include <wchar.h>

static volatile size_t grow = 0;   // unknown to the compiler: the check happens at run time
static char *volatile long_text = "a text much longer than sixteen";

static int vformat(char *b, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsprintf(b, f, ap);
    va_end(ap);
    return n;
}

static void fits(const char *text)
{
    char a[16], b[16];
    strcpy(a, text);
    char *end = stpcpy(b, text);
    printf("strcpy %s stpcpy %s (%d)\n", a, b, (int)(end - b));
    strncpy(a, "abc", sizeof a);
    strcat(a, "def");
    strncat(a, "ghijkl", 3 + grow);
    printf("strncpy/strcat/strncat %s\n", a);
    memset(a, 'x', 8 + grow);
    a[8] = 0;
    memcpy(b, a, 9 + grow);
    memmove(b + 1, b, 4 + grow);
    printf("memset/memcpy/memmove %s %s\n", a, b);
    char *p = mempcpy(a, "12345", 5 + grow);
    *p = 0;
    printf("mempcpy %s %d\n", a, (int)(p - a));
    explicit_bzero(a, sizeof a);
    printf("explicit_bzero %d\n", a[0] + a[15]);
    int n = sprintf(a, "%d-%s", 42, "xy");
    printf("sprintf %s %d\n", a, n);
    n = snprintf(a, sizeof a, "%s", long_text + grow);
    printf("snprintf %s %d\n", a, n);
    n = vformat(a, "%05d", 7);
    printf("vsprintf %s %d\n", a, n);
    char *s = NULL;
    n = asprintf(&s, "%s=%d", "asprintf", 3);
    printf("%s %d\n", s, n);
    free(s);
    fd_set set;
    FD_ZERO(&set);
    FD_SET(3 + (int)grow, &set);
    printf("FD_ISSET %d %d\n", FD_ISSET(3, &set) != 0, FD_ISSET(4, &set) != 0);
    wchar_t w[8];
    wmemset(w, L'z', 7 + grow);
    w[7] = 0;
    wchar_t w2[8];
    wmemcpy(w2, w, 8 + grow);
    printf("wmemset/wmemcpy %d %d\n", (int)w2[0], (int)w2[7]);
    char host[64];
    if (gethostname(host, sizeof host) == 0) printf("gethostname ok\n");
    fflush(stdout);
    dprintf(1, "dprintf %d\n", 5);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fits("fits");
        return 0;
    }
    printf("case %s\n", argv[1]);
    fflush(stdout);
    const char *c = argv[1];
    char small[8];

    if (strcmp(c, "strcpy") == 0) strcpy(small, long_text + grow);
    else if (strcmp(c, "strcat") == 0) { strcpy(small, "abc"); strcat(small, "defgh" + grow); }
    else if (strcmp(c, "memcpy") == 0) memcpy(small, long_text, 9 + grow);
    else if (strcmp(c, "sprintf") == 0) sprintf(small, "%s", long_text + grow);
    else if (strcmp(c, "snprintf") == 0) snprintf(small, 9 + grow, "%s", "x");
    else if (strcmp(c, "read") == 0) { if (read(0, small, 9 + grow) < 0) puts("read failed"); }
    else if (strcmp(c, "fdset") == 0) { fd_set set; FD_ZERO(&set); FD_SET(1024 + (int)grow, &set); }
    printf("not reached %s\n", small);
    return 0;
}
