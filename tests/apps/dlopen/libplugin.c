// A plugin the dlopen test loads at run time: a constructor, data, a function that calls back
// into libc, and one that uses a symbol of the program that loaded it.
#include <stdio.h>
#include <string.h>

int plugin_loaded;
static char greeting[32];

__attribute__((constructor)) static void plugin_init(void)
{
    plugin_loaded = 42;
    strcpy(greeting, "hello from the plugin");
}

const char *plugin_greeting(void) { return greeting; }

int plugin_sum(const int *values, int count)
{
    int sum = 0;
    for (int i = 0; i < count; i++) sum += values[i];
    return sum;
}
