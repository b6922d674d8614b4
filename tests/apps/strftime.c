// strftime and wcsftime over many formats and times (gmtime_r of fixed instants, and hand-made
// struct tm values out of range), compared with the host's glibc byte for byte.
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

static const char *formats[] = {
    "%a %A %b %B %h", "%c", "%C %y %Y", "%d %e %j", "%D %F %x %X", "%g %G %V", "%H %I %k %l %p %P",
    "%M %S %T %R %r", "%m %n %t %u %w", "%U %W", "%z", "%%", "%^a %^B %#p %#A", "%_5d|%-d|%010Y|%-5H",
    "%Ec %EC %Ex %EX %Ey %EY", "%Od %Oe %OH %OI %Om %OM %OS %Ou %OU %OV %Ow %OW %Oy", "%Q %q %i %E %5%",
    "%Y-%m-%dT%H:%M:%S", "%s", "literal text only", "%",
};

static void show(const struct tm *tm, int wide)
{
    char buf[256];
    for (unsigned i = 0; i < sizeof formats / sizeof *formats; i++) {
        size_t n = strftime(buf, sizeof buf, formats[i], tm);
        printf("  [%s] %zu [%s]\n", formats[i], n, buf);
    }
    printf("  too small: %zu\n", strftime(buf, 5, "%Y-%m-%d", tm));
    if (!wide) return;   // glibc's wcsftime gives up (0) on out-of-range names
    wchar_t w[64];
    size_t n = wcsftime(w, 64, L"%A %d %B %Y %H:%M", tm);
    printf("  wcsftime %zu [%ls]\n", n, w);
}

int main(void)
{
    time_t instants[] = { 0, 951782400, 1000000000, 1234567890, 1700000000, 2147483647, -1, -86400 * 366, 4102444800LL, 1609459199 };
    for (unsigned i = 0; i < sizeof instants / sizeof *instants; i++) {
        struct tm tm;
        gmtime_r(&instants[i], &tm);
        tm.tm_zone = "ZZZ";
        printf("instant %lld\n", (long long)instants[i]);
        show(&tm, 1);
    }
    struct tm odd = { .tm_sec = 61, .tm_min = 75, .tm_hour = 25, .tm_mday = 40, .tm_mon = 13, .tm_year = -1905, .tm_wday = 9, .tm_yday = 400, .tm_zone = "ODD", .tm_gmtoff = -12345 };
    printf("odd\n");
    show(&odd, 0);
    return 0;
}
