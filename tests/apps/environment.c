// The environment: what the VM was given, and setenv/putenv/unsetenv/clearenv.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static void show(const char *name)
{
    const char *v = getenv(name);
    printf("%s=%s\n", name, v ? v : "(unset)");
}

int main(int argc, char **argv)
{
    printf("argc %d, argv[1] %s\n", argc, argc > 1 ? argv[1] : "-");
    show("GIVEN");
    show("ALSO");
    setenv("NEW", "one", 0);
    setenv("NEW", "two", 0);
    show("NEW");
    setenv("NEW", "three", 1);
    show("NEW");
    static char entry[] = "PUT=in place";
    putenv(entry);
    show("PUT");
    unsetenv("GIVEN");
    show("GIVEN");
    printf("setenv with '=' in the name fails: %d\n", setenv("A=B", "x", 1));
    int count = 0;
    for (char **e = environ; *e != NULL; e++)
        if (strncmp(*e, "NEW=", 4) == 0 || strncmp(*e, "PUT=", 4) == 0 || strncmp(*e, "ALSO=", 5) == 0) count++;
    printf("environ has %d of ours\n", count);
    clearenv();
    show("ALSO");
    printf("environ empty: %s\n", environ == NULL || environ[0] == NULL ? "yes" : "no");
    return 0;
}
