// free() of a pointer malloc did not return: the program must end as glibc ends it (SIGABRT,
// status 134) with a message, not corrupt the heap or panic the kernel.
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    char *p = malloc(100);
    printf("before\n");
    fflush(stdout);
    free(p + 16);
    printf("not reached\n");
    return 0;
}
