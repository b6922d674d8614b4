// Locales, multibyte and wide characters, gettext, err/warn/error, syslog, signal and errno
// names, and getopt over many command lines: the output must be the host glibc's, byte for byte.
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <error.h>
#include <getopt.h>
#include <langinfo.h>
#include <libintl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <wchar.h>
#include <wctype.h>

extern int __xpg_strerror_r(int, char *, size_t);

static void locales(void)
{
    const char *names[] = { "C", "POSIX", "C.UTF-8", "C.utf8", "C.UTF8", "C.utf-8", "c.utf8", "en_US.UTF-8", "de_DE", "C.latin1", "", NULL };
    for (int i = 0; names[i]; i++)
    {
        char *r = setlocale(LC_ALL, names[i]);
        printf("setlocale(LC_ALL, \"%s\") = %s\n", names[i], r ? r : "NULL");
    }
    setlocale(LC_ALL, "C");
    setlocale(LC_CTYPE, "C.UTF-8");
    printf("mixed: %s\n", setlocale(LC_ALL, NULL));
    printf("LC_CTYPE %s, LC_TIME %s, codeset %s, MB_CUR_MAX %zu\n", setlocale(LC_CTYPE, NULL), setlocale(LC_TIME, NULL), nl_langinfo(CODESET), MB_CUR_MAX);
    setenv("LANG", "C.UTF-8", 1);
    printf("LANG=C.UTF-8: %s\n", setlocale(LC_ALL, ""));
    setenv("LC_ALL", "xx_YY", 1);
    char *r = setlocale(LC_ALL, "");
    printf("LC_ALL=xx_YY: %s, still %s\n", r ? r : "NULL", setlocale(LC_ALL, NULL));
    unsetenv("LC_ALL");
    unsetenv("LANG");
    setlocale(LC_ALL, "C");
    printf("C: codeset %s, MB_CUR_MAX %zu\n", nl_langinfo(CODESET), MB_CUR_MAX);
    int items[] = { RADIXCHAR, THOUSEP, ABDAY_1, DAY_7, ABMON_12, MON_1, AM_STR, PM_STR, D_T_FMT, D_FMT, T_FMT, T_FMT_AMPM, ERA, YESEXPR, NOEXPR, CRNCYSTR, _DATE_FMT };
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) printf("nl_langinfo(0x%x) = \"%s\"\n", items[i], nl_langinfo(items[i]));
    struct lconv *l = localeconv();
    printf("lconv: \"%s\" \"%s\" \"%s\" %d %d\n", l->decimal_point, l->thousands_sep, l->currency_symbol, l->frac_digits, l->n_sign_posn);

    locale_t u = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
    locale_t bad = newlocale(LC_ALL_MASK, "xx_YY.UTF-8", (locale_t)0);
    printf("newlocale: %s, bad %s errno %d\n", u ? "ok" : "NULL", bad ? "ok" : "NULL", errno);
    locale_t old = uselocale(u);
    printf("uselocale: previous is global %d, codeset %s, MB_CUR_MAX %zu, nl_langinfo_l(C.UTF-8) %s\n", old == LC_GLOBAL_LOCALE, nl_langinfo(CODESET), MB_CUR_MAX, nl_langinfo_l(CODESET, u));
    uselocale(old);
    locale_t d = duplocale(u);
    freelocale(u);
    printf("after: codeset %s, dup %s\n", nl_langinfo(CODESET), nl_langinfo_l(CODESET, d));
    freelocale(d);
}

// Prints s with bytes above 0x7E as \xNN: the test harness decodes the VM's output in chunks, so a
// multibyte character split between two reads would not compare equal.
static void escaped(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s > 0x7e) printf("\\x%02x", (unsigned char)*s);
        else putchar(*s);
}

static void decode(const char *label, const unsigned char *s, size_t n)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    printf("%s:", label);
    for (size_t at = 0; at < n;)
    {
        wchar_t w = 0;
        errno = 0;
        size_t r = mbrtowc(&w, (const char *)s + at, 1, &st);
        printf(" %zd/%x/%d", (ssize_t)r, (unsigned)w, errno);
        if (r == (size_t)-1) { memset(&st, 0, sizeof st); at++; continue; }
        at++;
        printf("%s", mbsinit(&st) ? "" : "+");
    }
    printf("\n");
}

static void multibyte(void)
{
    const unsigned char text[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc0\x80\xed\xa0\x80\xf8\x88\x80\x80\x80\xff.";
    setlocale(LC_ALL, "C");
    decode("C", text, sizeof text - 1);
    printf("C: btowc(0xe9) %d, wctob(0xe9) %d, wcwidth(0xe9) %d, iswalpha(0xe9) %d, towupper(0xe9) %x\n",
        (int)btowc(0xe9), wctob(0xe9), wcwidth(0xe9), iswalpha(0xe9) != 0, (unsigned)towupper(0xe9));
    setlocale(LC_ALL, "C.UTF-8");
    decode("UTF-8", text, sizeof text - 1);
    const char *good = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80 \xe4\xb8\xad\xe6\x96\x87";
    wchar_t wide[64];
    size_t n = mbstowcs(wide, good, 64);
    printf("mbstowcs %zu:", n);
    for (size_t i = 0; i < n; i++) printf(" %x", (unsigned)wide[i]);
    printf("\nwcswidth %d, wcslen %zu\n", wcswidth(wide, 64), wcslen(wide));
    char back[64];
    printf("wcstombs %zu, same %d, count only %zu\n", wcstombs(back, wide, sizeof back), strcmp(back, good) == 0, wcstombs(NULL, wide, 0));
    printf("wcstombs into 7 bytes: %zu\n", wcstombs(back, wide, 7));
    const char *src = "\xc3\xa9t\xc3\xa9\xff!";
    mbstate_t st;
    memset(&st, 0, sizeof st);
    errno = 0;
    size_t r = mbsrtowcs(wide, &src, 64, &st);
    printf("mbsrtowcs invalid: %zd errno %d at offset %d\n", (ssize_t)r, errno, src ? (int)(src - "\xc3\xa9t\xc3\xa9\xff!") : -1);
    char out[8];
    unsigned values[] = { 0x41, 0xe9, 0x20ac, 0x1f600, 0xd800, 0x110000, 0x7fffffff, 0x80000000 };
    for (int i = 0; i < 8; i++)
    {
        memset(&st, 0, sizeof st);
        errno = 0;
        size_t k = wcrtomb(out, values[i], &st);
        printf("wcrtomb(%x) = %zd errno %d\n", values[i], (ssize_t)k, errno);
    }
    printf("mblen %d %d %d, mbtowc %d\n", mblen("\xe2\x82\xac", 3), mblen("\xe2\x82", 2), mblen("", 1), mbtowc(NULL, NULL, 0));

    // Widths and classes of every code point, as sums.
    long widths[4] = { 0 }, classes[12] = { 0 }, upper = 0, lower = 0;
    const char *names[] = { "alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper", "xdigit" };
    wctype_t desc[12];
    for (int k = 0; k < 12; k++) desc[k] = wctype(names[k]);
    for (wint_t c = 0; c <= 0x10ffff; c++)
    {
        widths[wcwidth(c) + 1] += c;
        if (c % 5 == 0 || c < 0x3000)
            for (int k = 0; k < 12; k++) if (iswctype(c, desc[k])) classes[k] += c;
        upper += towupper(c) - c;
        lower += towlower(c) - c;
    }
    printf("wcwidth sums: %ld %ld %ld %ld\n", widths[0], widths[1], widths[2], widths[3]);
    for (int k = 0; k < 12; k++) printf("isw%s: %ld\n", names[k], classes[k]);
    printf("towupper %ld, towlower %ld, wctrans %d\n", upper, lower, towctrans(L'q', wctrans("toupper")));
    printf("wctype(\"bogus\") %lu, iswprint(0x4e00) %d, wcwidth(0x4e00) %d, wcwidth(0x301) %d, wcwidth(0) %d\n",
        (unsigned long)wctype("bogus"), iswprint(0x4e00) != 0, wcwidth(0x4e00), wcwidth(0x301), wcwidth(0));

    wchar_t buf[32];
    wcscpy(buf, L"hello");
    wcscat(buf, L", world");
    wchar_t *save;
    printf("wcs: len %zu cmp %d %d ncmp %d casecmp %d chr %td rchr %td str %td spn %zu cspn %zu\n", wcslen(buf), wcscmp(buf, L"hello"),
        wcscmp(L"a", L"b"), wcsncmp(buf, L"help", 3), wcscasecmp(L"HeLLo", L"hello"), wcschr(buf, L'o') - buf, wcsrchr(buf, L'o') - buf,
        wcsstr(buf, L"wor") - buf, wcsspn(buf, L"hel"), wcscspn(buf, L","));
    printf("wcstok:");
    for (wchar_t *t = wcstok(buf, L" ,", &save); t; t = wcstok(NULL, L" ,", &save)) printf(" %ls", t);
    printf("\nwmem: %d %d\n", wmemcmp(L"abc", L"abd", 3), *wmemchr(L"xyz", L'y', 3));

    // Wide stream I/O, each stream used in one orientation only (glibc fixes it on first use).
    FILE *w = fopen("wide.txt", "w");
    printf("fputws %d, fputwc %x\n", fputws(L"wide \x20ac caf\xe9\n", w), (unsigned)fputwc(0x1f600, w));
    fputwc(L'\n', w);
    fclose(w);
    FILE *bytes = fopen("wide.txt", "r");
    char line[64];
    while (fgets(line, sizeof line, bytes)) { printf("bytes: "); escaped(line); }
    fclose(bytes);
    FILE *rd = fopen("wide.txt", "r");
    wchar_t wl[8];
    printf("fgetws:");
    for (wchar_t *p = fgetws(wl, 8, rd); *p; p++) printf(" %x", (unsigned)*p);
    printf("|");
    wint_t wc;
    while ((wc = fgetwc(rd)) != WEOF) printf(" %x", (unsigned)wc);
    printf("\n");
    fclose(rd);
    remove("wide.txt");
    snprintf(line, sizeof line, "%%ls/%%lc in UTF-8: [%5.4ls] [%.5ls] [%lc] [%-4lc] [%3lc]\n", L"\xe9\x20acx", L"\xe9\x20acx", 0x20ac, 0xe9, 'a');
    escaped(line);
    fflush(stdout);
    setlocale(LC_ALL, "C");
    char small[32];
    int r1 = snprintf(small, sizeof small, "%ls", L"caf\xe9"), r2 = snprintf(small, sizeof small, "%lc", 0xe9), r3 = snprintf(small, sizeof small, "[%ls]", L"ok");
    printf("%%ls/%%lc in C: %d %d %d %s\n", r1, r2, r3, small);
}

static void messages(void)
{
    printf("textdomain %s\n", textdomain(NULL));
    printf("textdomain(\"coreutils\") %s, now %s\n", textdomain("coreutils"), textdomain(NULL));
    printf("textdomain(\"\") %s\n", textdomain(""));
    printf("bindtextdomain: %s, set %s, query %s, null %s\n", bindtextdomain("x", NULL), bindtextdomain("x", "/opt/locale"),
        bindtextdomain("x", NULL), bindtextdomain(NULL, "/y") ? "set" : "NULL");
    printf("codeset: %s, set %s\n", bind_textdomain_codeset("x", NULL) ? "set" : "NULL", bind_textdomain_codeset("x", "UTF-8"));
    printf("%s|%s|%s|%s|%s|%s|%s\n", gettext("Hello"), dgettext("d", "World"), dcgettext("d", "Again", LC_MESSAGES),
        ngettext("one file", "%d files", 1), ngettext("one file", "%d files", 2), dngettext("d", "a", "b", 0), dcngettext("d", "s", "p", 1, LC_MESSAGES));
}

static void reports(void)
{
    program_invocation_name = "/usr/bin/prog";
    program_invocation_short_name = "prog";
    errno = ENOENT;
    warn("cannot open %s", "file");
    errno = EACCES;
    warn(NULL);
    warnx("plain %d", 42);
    warnx(NULL);
    error(0, 0, "no errno %s", "here");
    error(0, EEXIST, "with errno");
    error_at_line(0, ENOTDIR, "input.txt", 17, "at a line %c", 'x');
    error_at_line(0, 0, NULL, 0, "no file");
    error_one_per_line = 1;
    error_at_line(0, 0, "a.c", 3, "first");
    error_at_line(0, 0, "a.c", 3, "repeat (not printed)");
    error_at_line(0, 0, "a.c", 4, "next line");
    printf("error_message_count %u\n", error_message_count);
    fflush(stdout);

    openlog("tester", LOG_PERROR, LOG_USER);   // not LOG_CONS: the console is the VM's stdout
    syslog(LOG_INFO, "hello %d", 5);
    errno = EPERM;
    syslog(LOG_ERR, "with %%m: %m");
    int old = setlogmask(LOG_UPTO(LOG_WARNING));
    syslog(LOG_DEBUG, "filtered");
    syslog(LOG_WARNING, "kept");
    printf("setlogmask: old %x, now %x\n", old, setlogmask(0));
    closelog();

    for (int s = -1; s < 67; s += (s < 35 || s > 62) ? 1 : 9)
    {
        const char *a = sigabbrev_np(s), *d = sigdescr_np(s);
        printf("signal %d: %s %s %s\n", s, a ? a : "(null)", d ? d : "(null)", strsignal(s));
    }
    psignal(SIGINT, "psignal");
    psignal(40, NULL);
    psignal(99, "");
    for (int e = -1; e < 136; e += (e < 45 ? 1 : 7))
    {
        const char *n = strerrorname_np(e), *d = strerrordesc_np(e);
        printf("errno %d: %s %s\n", e, n ? n : "(null)", d ? d : "(null)");
    }
    char small[8], big[64];
    int r1 = __xpg_strerror_r(ENOENT, small, sizeof small);
    int r2 = __xpg_strerror_r(ENOENT, big, sizeof big);
    int r3 = __xpg_strerror_r(1000, big, sizeof big);
    printf("xpg: %d [%s] %d [%s] ", r1, small, r2, "ok");
    printf("%d [%s]\n", r3, big);
    char *g = strerror_r(EINVAL, big, sizeof big);
    printf("gnu strerror_r: %s\n", g);
    errno = ENOENT;
    printf("%%m %m, %%#m %#m\n");
}

static const struct option longopts[] = {
    { "verbose", no_argument, NULL, 'v' },
    { "output", required_argument, NULL, 'o' },
    { "color", optional_argument, NULL, 'c' },
    { "colour", optional_argument, NULL, 'c' },
    { "count", required_argument, NULL, 'n' },
    { "flag", no_argument, NULL, 1000 },
    { "verify", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

static int flag_value;

// Runs one parse of a command line (argv[0] is "prog") and prints every step and the final argv.
static void parse(int mode, const char *optstring, const char *line)
{
    char copy[256], *argv[32];
    int argc = 0;
    strcpy(copy, line);
    argv[argc++] = "prog";
    for (char *t = strtok(copy, " "); t; t = strtok(NULL, " ")) argv[argc++] = strcmp(t, "''") == 0 ? "" : t;
    argv[argc] = NULL;
    optind = 0;
    printf("%s \"%s\" [%s]:", mode == 0 ? "getopt" : mode == 1 ? "long" : "long_only", optstring, line);
    fflush(stdout);
    for (int steps = 0; steps < 40; steps++)
    {
        int index = -1;
        optarg = NULL;
        int c = mode == 0 ? getopt(argc, argv, optstring)
            : mode == 1 ? getopt_long(argc, argv, optstring, longopts, &index)
            : getopt_long_only(argc, argv, optstring, longopts, &index);
        if (c == -1) break;
        printf(" %d", c);
        if (c > 32 && c < 127) printf("'%c'", c);
        if (optarg) printf("=%s", optarg);
        if (index >= 0) printf("#%d", index);
        printf("@%d", optind);
        if (c == '?' || c == ':') printf("(optopt %d)", optopt);
        if (c == 0) printf("(flag %d)", flag_value);
        fflush(stdout);
    }
    printf(" | optind %d:", optind);
    for (int i = 1; i < argc; i++) printf(" %s", argv[i]);
    printf("\n");
    fflush(stdout);
}

static void command_lines(void)
{
    const char *lines[] = {
        "", "-a", "-a -b", "-ab", "-o file", "-ofile", "-o", "-x", "-a -- -b", "file -a", "one -a two -b three", "-a - -b",
        "-c", "-cval", "-c val", "-abo out rest", "-a file1 -b file2 -- -o x", "--", "-", "-- -- -a", "-o -a", "-:", "-a;",
        "-W verbose", "-Wverbose", "-W", "x y z", "-abcval -d",
        "--verbose", "--verb", "--ver", "--output=f", "--output f", "--output", "--out=x", "--col", "--col=red", "--color",
        "--colour=blue", "--c", "--flag", "--flag=1", "--verbose=1", "--nope", "--count 3 file --verbose", "-v --co", "--= x",
        "-verbose", "-verb", "-v", "-output x", "-o x", "-col", "-flag", "-ab", "-c", "-count=4", "-nope", "-verify", "-ver",
        NULL,
    };
    const char *optstrings[] = { "abo:c::d", "+abo:c::", "-abo:", ":abo:c::", "abo:W;c::vV", NULL };
    for (int mode = 0; mode < 3; mode++)
        for (int s = 0; optstrings[s]; s++)
            for (int i = 0; lines[i]; i++)
            {
                if (mode == 0 && lines[i][0] == '-' && lines[i][1] == '-' && lines[i][2] != 0 && lines[i][2] != ' ') continue;
                parse(mode, optstrings[s], lines[i]);
            }
    setenv("POSIXLY_CORRECT", "1", 1);
    parse(0, "abo:", "-a file -b");
    parse(1, "abo:", "-a file --verbose");
    unsetenv("POSIXLY_CORRECT");
    parse(0, "abo:", "-a file -b");
    opterr = 0;
    parse(1, "abo:", "-x --nope --output --ver file");
    opterr = 1;
    struct option flagged[] = { { "set", no_argument, &flag_value, 7 }, { NULL, 0, NULL, 0 } };
    char *argv[] = { "prog", "--set", "x", NULL };
    optind = 0;
    int c = getopt_long(3, argv, "", flagged, NULL);
    printf("flag option: %d, flag %d, optind %d\n", c, flag_value, optind);
}

int main(void)
{
    unsetenv("LC_ALL");
    unsetenv("LANG");
    unsetenv("LC_CTYPE");
    unsetenv("LC_MESSAGES");
    unsetenv("POSIXLY_CORRECT");
    locales();
    multibyte();
    messages();
    command_lines();
    reports();
    fflush(stdout);
    errx(0, "done %s", "here");
}
