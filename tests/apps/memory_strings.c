// malloc under stress, aligned allocation, string and memory functions, and formatted output:
// deterministic, so the output on Nimbus must equal the output on Linux.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 88172645463325252ULL;
static uint64_t next(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; }

int main(void)
{
    // Many live blocks of random sizes, freed and reallocated in random order; contents checked.
    enum { SLOTS = 2000 };
    static unsigned char *blocks[SLOTS];
    static size_t sizes[SLOTS];
    unsigned long checks = 0, errors = 0;
    for (int round = 0; round < 60000; round++) {
        int i = (int)(next() % SLOTS);
        if (blocks[i] != NULL) {
            for (size_t k = 0; k < sizes[i]; k += 97) { checks++; if (blocks[i][k] != (unsigned char)(i + k)) errors++; }
            if (next() % 3 == 0) {
                size_t n = (size_t)(next() % 70000);
                unsigned char *p = realloc(blocks[i], n + 1);
                size_t keep = sizes[i] < n + 1 ? sizes[i] : n + 1;
                for (size_t k = 0; k < keep; k += 97) { checks++; if (p[k] != (unsigned char)(i + k)) errors++; }
                for (size_t k = 0; k < n + 1; k++) p[k] = (unsigned char)(i + k);
                blocks[i] = p; sizes[i] = n + 1;
                continue;
            }
            free(blocks[i]);
            blocks[i] = NULL;
            continue;
        }
        size_t n = (size_t)(next() % (next() % 8 == 0 ? 300000 : 512)) + 1;
        blocks[i] = next() % 4 == 0 ? calloc(n, 1) : malloc(n);
        if (blocks[i] == NULL) { printf("allocation of %zu failed\n", n); return 1; }
        if (((uintptr_t)blocks[i] & 15) != 0) errors++;
        for (size_t k = 0; k < n; k++) blocks[i][k] = (unsigned char)(i + k);
        sizes[i] = n;
    }
    for (int i = 0; i < SLOTS; i++) free(blocks[i]);
    printf("malloc stress: %lu checks, %lu errors\n", checks, errors);

    void *aligned[8];
    int misaligned = 0;
    for (int i = 0; i < 8; i++) {
        size_t alignment = (size_t)16 << i;
        if (posix_memalign(&aligned[i], alignment, 100 + i) != 0 || ((uintptr_t)aligned[i] & (alignment - 1)) != 0) misaligned++;
    }
    for (int i = 0; i < 8; i++) free(aligned[i]);
    printf("posix_memalign: %d misaligned\n", misaligned);

    char buf[256];
    strcpy(buf, "alpha");
    strcat(buf, ",beta");
    strncat(buf, ",gamma,delta", 6);
    printf("%s | len %zu | strchr %s | strrchr %s | strstr %s\n", buf, strlen(buf), strchr(buf, ','), strrchr(buf, ','), strstr(buf, "eta"));
    printf("strcmp %d %d %d | strncmp %d | memcmp %d\n", strcmp("abc", "abd") < 0, strcmp("b", "a") > 0, strcmp("same", "same"), strncmp("abcX", "abcY", 3), memcmp("\x01\x02", "\x01\x03", 2) < 0);
    char *copy = strdup(buf);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) printf("[%s]", tok);
    printf("\n");
    free(copy);
    memmove(buf + 2, buf, 10);
    printf("memmove overlap: %.12s | strspn %zu strcspn %zu\n", buf, strspn("aaabc", "a"), strcspn("hello world", " "));

    printf("%d %i %u %x %X %o %5d|%-5d|%05d %+d % d\n", -42, 42, 42u, 255, 255, 8, 7, 7, 7, 7, 7);
    printf("%ld %lld %lu %zu %hd %hhu %#x %#o %p\n", -1L, (long long)INT64_MIN, (unsigned long)UINT64_MAX, (size_t)12345, (short)-300, (unsigned char)300, 255, 8, (void *)0);
    printf("%f %.2f %e %.3e %g %g %g %a\n", 3.14159265358979, 2.675, 123456.789, 0.000123456, 0.0001, 1e20, 100.0, 1.0);
    printf("%10.4f|%-10.2e|%+.0f|%#.0f|%.10g\n", -3.5, 1234.5, 2.5, 3.0, 1.0 / 3.0);
    printf("%s|%10s|%-10s|%.3s|%c%c\n", "str", "right", "left", "truncate", 'o', 'k');
    int n = snprintf(buf, 8, "%s", "0123456789");
    printf("snprintf returned %d, kept \"%s\"\n", n, buf);
    printf("%2$s %1$s\n", "world", "hello");
    printf("%%literal%% and %5.1f%%\n", 99.5);
    fputs("fputs line\n", stdout);
    fwrite("fwrite bytes\n", 1, 13, stdout);
    putchar('!');
    putchar('\n');

    // memcpy, memmove and memset against byte loops: every length to 300, every alignment of both
    // ends to 16, overlaps in both directions. Any wrong byte is counted.
    {
        static unsigned char area[1024], expect[1024];
        void *(*volatile copy)(void *, const void *, size_t) = memcpy;
        void *(*volatile move)(void *, const void *, size_t) = memmove;
        void *(*volatile set)(void *, int, size_t) = memset;
        long wrong = 0, cases = 0;
        for (size_t n = 0; n <= 300; n++)
            for (int da = 0; da < 16; da++)
                for (int sa = 0; sa < 16; sa++) {
                    for (int op = 0; op < 4; op++) {
                        for (int i = 0; i < 1024; i++) area[i] = expect[i] = (unsigned char)(i * 7 + n);
                        unsigned char *dst = area + 64 + da, *src = area + 400 + sa;
                        size_t d = (size_t)(dst - area), sidx = (size_t)(src - area);
                        void *r;
                        if (op == 0) {
                            r = copy(dst, src, n);
                            for (size_t i = 0; i < n; i++) expect[d + i] = expect[sidx + i];
                        } else if (op == 1 || op == 2) {
                            // overlapping: source just above (op 1) or just below (op 2) the destination
                            src = op == 1 ? dst + 1 + sa : dst - 1 - sa;
                            if (src < area) src = area;
                            sidx = (size_t)(src - area);
                            unsigned char tmp[320];
                            for (size_t i = 0; i < n; i++) tmp[i] = expect[sidx + i];
                            r = move(dst, src, n);
                            for (size_t i = 0; i < n; i++) expect[d + i] = tmp[i];
                        } else {
                            r = set(dst, 0x80 + sa, n);
                            for (size_t i = 0; i < n; i++) expect[d + i] = (unsigned char)(0x80 + sa);
                        }
                        cases++;
                        if (r != dst) wrong++;
                        for (int i = 0; i < 1024; i++) if (area[i] != expect[i]) { wrong++; break; }
                    }
                }
        printf("memcpy/memmove/memset: %ld cases, %ld wrong\n", cases, wrong);
        if (wrong) errors++;
    }

    // More over-aligned blocks than a fixed table would hold, reallocated and freed.
    {
        enum { N = 3000 };
        static void *blocks3[N];
        int bad = 0;
        for (int i = 0; i < N; i++) {
            if (posix_memalign(&blocks3[i], 256, 100 + i % 50) != 0) { bad++; continue; }
            memset(blocks3[i], i, 100 + i % 50);
            if (((uintptr_t)blocks3[i] & 255) != 0) bad++;
        }
        for (int i = 0; i < N; i += 2) {
            blocks3[i] = realloc(blocks3[i], 5000);
            if (blocks3[i] == NULL || ((unsigned char *)blocks3[i])[99] != (unsigned char)i) bad++;
        }
        for (int i = 0; i < N; i++) free(blocks3[i]);
        printf("%d over-aligned blocks kept, reallocated and freed: %d bad\n", N, bad);
        if (bad) errors++;
    }

    // strerror knows every errno value glibc does, and formats the others the same way.
    for (int e = -1; e <= 135; e++) printf("%d %s\n", e, strerror(e));
    return errors == 0 ? 0 : 1;
}
