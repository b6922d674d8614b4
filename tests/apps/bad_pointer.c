// A bad pointer handed to a C library function: the program ends as SIGSEGV would end it (139),
// the kernel does not panic.
#include <stdio.h>
#include <string.h>

int main(void)
{
    printf("before\n");
    fflush(stdout);
    volatile const char *bad = (const char *)8;
    return (int)strlen((const char *)bad);
}
