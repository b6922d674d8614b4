// glob over files the program makes in a fresh directory (relative patterns, so the output is the
// same on the host and in Nimbus), and fnmatch through the C ABI.
#define _GNU_SOURCE
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void touch(const char *path)
{
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    if (fd >= 0) close(fd);
}

static void show(const char *pattern, int flags)
{
    glob_t g;
    memset(&g, 0, sizeof g);
    g.gl_offs = 2;
    int r = glob(pattern, flags, NULL, &g);
    printf("glob(\"%s\", %#x) = %d, %zu:", pattern, flags, r, g.gl_pathc);
    for (size_t i = 0; i < g.gl_pathc; i++) printf(" %s", g.gl_pathv[g.gl_offs * !!(flags & GLOB_DOOFFS) + i]);
    if (r == 0 && (flags & GLOB_DOOFFS)) printf(" (offs %s %s)", g.gl_pathv[0] ? "set" : "null", g.gl_pathv[1] ? "set" : "null");
    printf("\n");
    if (r == 0) globfree(&g);
}

int main(void)
{
    char dir[] = "/tmp/nimbus-glob-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0) { perror("setup"); return 1; }
    mkdir("src", 0755);
    mkdir("src/sub", 0755);
    mkdir("docs", 0755);
    mkdir(".git", 0755);
    const char *files[] = { "a.c", "b.c", "ab.h", ".hidden", "README", "src/main.c", "src/util.c", "src/util.h", "src/.x.c",
                            "src/sub/deep.c", "docs/guide.txt", "x[1].txt", "star*" };
    for (unsigned i = 0; i < sizeof files / sizeof files[0]; i++) touch(files[i]);

    const char *patterns[] = { "*", "*.c", "?.c", "[ab]*", "*/*.c", "*/*/*.c", "src/*", "src/*.[ch]", ".*", "*/", "src",
                               "nothing*", "README", "missing", "x\\[1\\].txt", "x[[]1].txt", "star\\*", "s*/s*", "*/sub",
                               "[!a]*", "src/.*" };
    const int flags[] = { 0, GLOB_MARK, GLOB_NOCHECK, GLOB_NOSORT, GLOB_PERIOD, GLOB_ONLYDIR, GLOB_NOESCAPE, GLOB_DOOFFS,
                          GLOB_NOMAGIC };
    for (unsigned f = 0; f < sizeof flags / sizeof flags[0]; f++)
        for (unsigned i = 0; i < sizeof patterns / sizeof patterns[0]; i++)
        {
            if (flags[f] == GLOB_NOSORT) continue;           // the order is the directory's
            if (flags[f] == GLOB_ONLYDIR) continue;          // glibc may still return files (only a hint)
            show(patterns[i], flags[f]);
        }

    glob_t g;
    memset(&g, 0, sizeof g);
    glob("*.c", 0, NULL, &g);
    glob("src/*.h", GLOB_APPEND, NULL, &g);
    printf("append: %zu:", g.gl_pathc);
    for (size_t i = 0; i < g.gl_pathc; i++) printf(" %s", g.gl_pathv[i]);
    printf(" last %s\n", g.gl_pathv[g.gl_pathc] ? "set" : "null");
    globfree(&g);

    char cwd[4096];
    if (getcwd(cwd, sizeof cwd))
    {
        char abs[4200];
        snprintf(abs, sizeof abs, "%s/src/*.c", cwd);
        memset(&g, 0, sizeof g);
        int r = glob(abs, 0, NULL, &g);
        printf("absolute: %d %zu", r, g.gl_pathc);
        for (size_t i = 0; i < g.gl_pathc; i++) printf(" %s", g.gl_pathv[i] + strlen(cwd));
        printf("\n");
        globfree(&g);
    }

    printf("fnmatch: %d %d %d %d\n", fnmatch("*.c", "a.c", 0), fnmatch("*.c", ".c", FNM_PERIOD), fnmatch("a/*", "a/b/c", FNM_PATHNAME),
           fnmatch("a/*", "a/b/c", FNM_PATHNAME | FNM_LEADING_DIR));

    for (int i = sizeof files / sizeof files[0] - 1; i >= 0; i--) unlink(files[i]);
    rmdir("src/sub"); rmdir("src"); rmdir("docs"); rmdir(".git");
    if (chdir("/") == 0) rmdir(dir);
    return 0;
}
