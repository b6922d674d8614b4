// dlopen/dlsym/dladdr/dlclose against a shared object that is not linked in.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    (void)argc;
    char path[512];
    const char *slash = strrchr(argv[0], '/');
    snprintf(path, sizeof path, "%.*slibplugin.so", slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);
    void *h = dlopen(path, RTLD_NOW);
    if (h == NULL) { printf("dlopen failed: %s\n", dlerror()); return 1; }
    int *loaded = dlsym(h, "plugin_loaded");
    const char *(*greeting)(void) = (const char *(*)(void))dlsym(h, "plugin_greeting");
    int (*sum)(const int *, int) = (int (*)(const int *, int))dlsym(h, "plugin_sum");
    int values[] = {1, 2, 3, 4, 5};
    printf("constructor ran: %d\n", *loaded);
    printf("greeting: %s\n", greeting());
    printf("sum: %d\n", sum(values, 5));
    printf("missing symbol: %s\n", dlsym(h, "no_such_symbol") == NULL ? "NULL" : "found?");
    printf("dlerror set: %s\n", dlerror() != NULL ? "yes" : "no");
    Dl_info info;
    if (dladdr((void *)sum, &info) && info.dli_sname != NULL)
        printf("dladdr: %s in %s\n", info.dli_sname, strrchr(info.dli_fname, '/') + 1);
    void *again = dlopen(path, RTLD_NOW);
    printf("second dlopen gives the same handle: %s\n", again == h ? "yes" : "no");
    printf("dlopen of a missing library: %s\n", dlopen("libnothere.so", RTLD_NOW) == NULL ? "NULL" : "found?");
    printf("dlclose: %d\n", dlclose(h));
    return 0;
}
