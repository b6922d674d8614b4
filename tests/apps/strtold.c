// strtold, rawmemchr, strsep and getdtablesize, compared with the host's glibc: the 80-bit results byte for byte, the end
// pointer and errno.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void show(const char *s)
{
    char *end;
    errno = 0;
    long double v = strtold(s, &end);
    unsigned char b[10];
    memcpy(b, &v, 10);
    printf("%-28s -> ", s);
    for (int i = 9; i >= 0; i--) printf("%02x", b[i]);
    printf(" end+%td errno %d\n", end - s, errno);
}

int main(void)
{
    const char *cases[] = {
        "0", "-0", "1", "0.1", "3.141592653589793238462643383279", "1e4932", "1.18973149535723176502e+4932",
        "1e4933", "1e-4951", "3.6e-4951", "1e-5000", "0x1.fffffffffffffffep16383", "0x1p-16445",
        "inf", "-Infinity", "nan", "nan(123)", "  +42.5e-1xyz", "abc", "1.0000000000000000000000000001",
        "123456789012345678901234567890", ".5", "5.", "0x.8p1", "-0x1.8p-1",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) show(cases[i]);
    const char text[] = "find the z in here";
    printf("rawmemchr: %td\n", (char *)rawmemchr(text, 'z') - text);
    printf("rawmemchr NUL: %td\n", (char *)rawmemchr(text, 0) - text);
    char fields[] = "a,b,,c;d", *rest = fields, *f;
    while ((f = strsep(&rest, ",;")) != NULL) printf("strsep: [%s] rest %s\n", f, rest ? rest : "(null)");
    printf("getdtablesize: %d\n", getdtablesize() > 0);
    return 0;
}
