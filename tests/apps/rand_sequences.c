// rand() and random() as glibc computes them: unseeded, after srand/srandom with several seeds
// (0 counts as 1; large seeds wrap to negative 32-bit values), compared with the host.
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    printf("unseeded rand:");
    for (int i = 0; i < 5; i++) printf(" %d", rand());
    printf("\n");
    unsigned seeds[] = {0, 1, 2, 42, 12345, 2147483647u, 2147483648u, 4294967295u};
    for (size_t s = 0; s < sizeof seeds / sizeof *seeds; s++)
    {
        srandom(seeds[s]);
        long sum = 0;
        for (int i = 0; i < 1000; i++) sum += random() & 0xFFFF;
        printf("srandom(%u): %ld then %ld\n", seeds[s], sum, random());
        srand(seeds[s]);
        printf("srand(%u): %d %d\n", seeds[s], rand(), rand());
    }
    int status;
    printf("wait: %d\n", wait(&status) == -1);
    return 0;
}
