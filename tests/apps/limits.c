// RLIMIT_NOFILE is enforced: with the soft limit lowered, descriptors stop at it (EMFILE for
// open, EBADF for dup2 beyond it, EINVAL for F_DUPFD beyond it); prlimit reads and sets limits.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int main(void)
{
    struct rlimit r = { 12, 64 }, old;
    printf("setrlimit: %d\n", setrlimit(RLIMIT_NOFILE, &r));
    getrlimit(RLIMIT_NOFILE, &old);
    printf("getrlimit: %llu %llu\n", (unsigned long long)old.rlim_cur, (unsigned long long)old.rlim_max);
    int highest = -1, err = 0;
    for (int i = 0; i < 40; i++) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) { err = errno; break; }
        if (fd > highest) highest = fd;
    }
    printf("opens stop below the limit: %d, with %s\n", highest < 12, strerror(err));
    errno = 0;
    int d = dup2(0, 12);
    printf("dup2 to the limit: %d %s\n", d, strerror(errno));
    errno = 0;
    d = fcntl(0, F_DUPFD, 12);
    printf("F_DUPFD from the limit: %d %s\n", d, strerror(errno));
    close(11);
    printf("dup2 below the limit: %d\n", dup2(0, 11));
    struct rlimit now;
    struct rlimit raise = { 20, 64 };   // the soft limit only: raising a hard one needs CAP_SYS_RESOURCE
    printf("prlimit: %d", prlimit(0, RLIMIT_NOFILE, &raise, &now));
    printf(" old %llu %llu\n", (unsigned long long)now.rlim_cur, (unsigned long long)now.rlim_max);
    printf("open after raising: %d\n", open("/dev/null", O_RDONLY) >= 12);
    errno = 0;
    int bad = prlimit(0, 99, NULL, &now);
    printf("prlimit bad resource: %d %s\n", bad, strerror(errno));
    struct rlimit inverted = { 70, 64 };
    errno = 0;
    bad = setrlimit(RLIMIT_NOFILE, &inverted);
    printf("soft above hard: %d %s\n", bad, strerror(errno));
    return 0;
}
