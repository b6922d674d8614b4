// Local time in zones with daylight saving time: TZ naming TZif files (from the image, put there
// by nimbus.manifest), POSIX TZ strings, and TZ unset (/etc/localtime: the host's). For
// each: tzname/timezone/daylight, localtime_r over instants around the changes, and mktime of
// ordinary, skipped and repeated local times, compared with the host byte for byte.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void show_tm(const char *what, const struct tm *tm)
{
    char buf[128];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z %z", tm);
    printf("  %s: %s isdst %d gmtoff %ld yday %d wday %d\n", what, buf, tm->tm_isdst, tm->tm_gmtoff, tm->tm_yday, tm->tm_wday);
}

static void zone(const char *tz)
{
    if (tz) setenv("TZ", tz, 1); else unsetenv("TZ");
    tzset();
    printf("TZ=%s: tzname %s/%s timezone %ld daylight %d\n", tz ? tz : "(unset)", tzname[0], tzname[1], timezone, daylight);
    time_t instants[] = { 0, 954640800, 972799200, 1000000000, 1616893199, 1616893200, 1635641999, 1635642000, 1700000000,
                          1710054000, 1711846800, 2147483647, 4102444800LL, -1000000000, -5000000000LL };
    for (unsigned i = 0; i < sizeof instants / sizeof *instants; i++) {
        struct tm tm;
        char label[32];
        snprintf(label, sizeof label, "%lld", (long long)instants[i]);
        if (localtime_r(&instants[i], &tm)) show_tm(label, &tm);
    }
    printf("  after localtime_r: tzname %s/%s\n", tzname[0], tzname[1]);
    struct { int y, mo, d, h, mi, s, isdst; } locals[] = {
        { 2021, 3, 28, 2, 30, 0, -1 }, { 2021, 3, 28, 2, 30, 0, 0 }, { 2021, 3, 28, 2, 30, 0, 1 },
        { 2021, 10, 31, 2, 30, 0, -1 }, { 2021, 10, 31, 2, 30, 0, 0 }, { 2021, 10, 31, 2, 30, 0, 1 },
        { 2021, 3, 14, 2, 30, 0, -1 }, { 2021, 11, 7, 1, 30, 0, -1 }, { 2021, 11, 7, 1, 30, 0, 1 },
        { 2021, 10, 3, 2, 30, 0, -1 }, { 2021, 4, 4, 2, 30, 0, 0 }, { 2021, 4, 4, 2, 30, 0, 1 },
        { 2023, 7, 14, 12, 0, 0, -1 }, { 2023, 1, 15, 8, 5, 61, 0 }, { 2023, 14, 40, 25, 61, -5, -1 }, { 1969, 12, 31, 23, 59, 59, -1 },
    };
    for (unsigned i = 0; i < sizeof locals / sizeof *locals; i++) {
        struct tm tm = { .tm_year = locals[i].y - 1900, .tm_mon = locals[i].mo - 1, .tm_mday = locals[i].d, .tm_hour = locals[i].h,
                         .tm_min = locals[i].mi, .tm_sec = locals[i].s, .tm_isdst = locals[i].isdst };
        time_t t = mktime(&tm);
        char label[64];
        snprintf(label, sizeof label, "mktime %d-%02d-%02d %02d:%02d:%02d dst %d -> %lld", locals[i].y, locals[i].mo, locals[i].d,
                 locals[i].h, locals[i].mi, locals[i].s, locals[i].isdst, (long long)t);
        show_tm(label, &tm);
    }
}

int main(void)
{
    const char *zones[] = { "Europe/Paris", ":America/New_York", "Australia/Sydney", "/usr/share/zoneinfo/Asia/Kolkata",
                            "CET-1CEST,M3.5.0,M10.5.0/3", "EST5EDT,M3.2.0,M11.1.0", "AEST-10AEDT,M10.1.0,M4.1.0/3",
                            "<+0330>-3:30", "JST-9", "NZST-12NZDT,J60/2,J300/3", "XXX3YYY,100/1,200/-1", "UTC0", "no/such/Zone", "" };
    zone(NULL);
    for (unsigned i = 0; i < sizeof zones / sizeof *zones; i++) zone(zones[i]);
    zone(NULL);
    return 0;
}
