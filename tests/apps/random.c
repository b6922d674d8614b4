// getrandom, getentropy and arc4random: they must fill what they are asked to, differ from call
// to call, respect arc4random_uniform's bound and refuse bad arguments as glibc does.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

int main(void)
{
    unsigned char a[300], b[300];
    printf("getrandom %zd %zd\n", getrandom(a, 64, 0), getrandom(b, 64, GRND_NONBLOCK));
    printf("differ %d\n", memcmp(a, b, 64) != 0);
    errno = 0;
    ssize_t bad = getrandom(a, 8, 0x100);
    printf("getrandom bad flags %zd %s\n", bad, strerror(errno));
    int e1 = getentropy(a, 256);
    errno = 0;
    int e2 = getentropy(a, 257);
    printf("getentropy %d, too long %d %s\n", e1, e2, strerror(errno));
    arc4random_buf(a, 64);
    arc4random_buf(b, 64);
    printf("arc4random_buf differ %d\n", memcmp(a, b, 64) != 0);
    int ok = 1, seen[10] = { 0 };
    for (int i = 0; i < 2000; i++) {
        unsigned v = arc4random_uniform(10);
        if (v >= 10) ok = 0; else seen[v]++;
    }
    for (int i = 0; i < 10; i++) if (seen[i] == 0) ok = 0;
    printf("arc4random_uniform in range and covering %d, bound 0/1 -> %u %u\n", ok, arc4random_uniform(0), arc4random_uniform(1));
    unsigned x = arc4random(), y = arc4random(), z = arc4random();
    printf("arc4random varies %d\n", !(x == y && y == z));
    return 0;
}
