// hello-c: the smallest useful C program for Nimbus. Build and boot it with
//   ./nimbus run samples/hello-c -- your arguments
// It is an ordinary Linux program: the same binary runs on the host.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *slash = strrchr(argv[0], '/');
    printf("Hello from Nimbus! I am %s and got %d argument(s).\n", slash ? slash + 1 : argv[0], argc - 1);
    for (int i = 1; i < argc; i++)
        printf("  argv[%d] = \"%s\"\n", i, argv[i]);
    const char *who = getenv("GREETING");
    if (who != NULL)
        printf("GREETING=%s\n", who);
    char *copy = strdup("heap memory works");
    puts(copy);
    free(copy);
    fprintf(stderr, "this line went to stderr\n");
    return argc > 1 && strcmp(argv[1], "fail") == 0 ? 3 : 0;
}
