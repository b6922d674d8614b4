// free() of a pointer malloc did not return, or of one already freed ("double" as the argument):
// the program must end as glibc ends it (SIGABRT, status 134) with a message, not corrupt the heap
// or panic the kernel.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    char *p = malloc(100), *q = malloc(100);
    strcpy(p, "p");
    strcpy(q, "q");
    printf("before %s%s\n", p, q);
    fflush(stdout);
    void (*volatile release)(void *) = free;      // keeps the compiler from removing the calls
    if (argc > 1 && strcmp(argv[1], "double") == 0) {
        release(p);
        release(q);
        release(p);
    } else {
        release(p + 16);
    }
    printf("not reached\n");
    return 0;
}
