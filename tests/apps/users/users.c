// Users, groups and credentials: <pwd.h> and <grp.h> from /etc/passwd and /etc/group (the host's,
// put in the image by nimbus.manifest), and the set*id/groups calls as a root process sees them.
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void show_passwd(const char *how, struct passwd *p)
{
    if (!p) { printf("%s: none\n", how); return; }
    printf("%s: %s:%s:%u:%u:%s:%s:%s\n", how, p->pw_name, p->pw_passwd, p->pw_uid, p->pw_gid, p->pw_gecos, p->pw_dir, p->pw_shell);
}

static void show_group(const char *how, struct group *g)
{
    if (!g) { printf("%s: none\n", how); return; }
    printf("%s: %s:%s:%u:", how, g->gr_name, g->gr_passwd, g->gr_gid);
    for (char **m = g->gr_mem; *m; m++) printf("%s%s", *m, m[1] ? "," : "");
    printf("\n");
}

// A call's result and, when it failed, why.
#define SHOW(label, call) do { errno = 0; int r_ = (call); printf("%s: %d %s\n", label, r_, r_ < 0 ? strerror(errno) : "ok"); } while (0)

static void ids(const char *when)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    printf("%s: uid %u euid %u (%u %u %u) gid %u egid %u (%u %u %u)\n", when, getuid(), geteuid(), r, e, s, getgid(), getegid(), gr, ge, gs);
}

int main(void)
{
    show_passwd("getpwnam root", getpwnam("root"));
    show_passwd("getpwuid 0", getpwuid(0));
    show_passwd("getpwnam nobody", getpwnam("nobody"));
    show_passwd("getpwnam no-such-user", getpwnam("no-such-user"));
    show_passwd("getpwuid 4000000", getpwuid(4000000));

    struct passwd pw, *res;
    char small[8], big[1024];
    int r = getpwnam_r("root", &pw, small, sizeof small, &res);
    printf("getpwnam_r small buffer: %s, result %s\n", strerror(r), res ? "set" : "null");
    r = getpwnam_r("root", &pw, big, sizeof big, &res);
    show_passwd(r == 0 ? "getpwnam_r" : "getpwnam_r failed", res);
    r = getpwuid_r(4000000, &pw, big, sizeof big, &res);
    printf("getpwuid_r absent: %d, result %s\n", r, res ? "set" : "null");

    int users = 0;
    setpwent();
    for (struct passwd *p; (p = getpwent()) != NULL; users++) show_passwd("getpwent", p);
    endpwent();
    setpwent();
    show_passwd("getpwent again", getpwent());
    endpwent();
    printf("%d users\n", users);

    show_group("getgrnam root", getgrnam("root"));
    show_group("getgrgid 0", getgrgid(0));
    show_group("getgrnam no-such-group", getgrnam("no-such-group"));
    struct group gr, *gres;
    r = getgrgid_r(0, &gr, small, sizeof small, &gres);
    printf("getgrgid_r small buffer: %s\n", strerror(r));
    r = getgrnam_r("root", &gr, big, sizeof big, &gres);
    show_group("getgrnam_r", gres);
    int groups = 0;
    setgrent();
    for (struct group *g; (g = getgrent()) != NULL; groups++) show_group("getgrent", g);
    endgrent();
    printf("%d groups\n", groups);

    gid_t list[64];
    int n = 1;
    r = getgrouplist("root", 0, list, &n);
    printf("getgrouplist root in 1: %d, needs %d\n", r, n);
    n = 64;
    r = getgrouplist("root", 1234, list, &n);
    printf("getgrouplist root 1234: %d:", r);
    for (int i = 0; i < n; i++) printf(" %u", list[i]);
    printf("\n");

    // Credentials of a root process.
    gid_t set[3] = { 7, 8, 9 };
    SHOW("setgroups", setgroups(3, set));
    n = getgroups(0, NULL);
    printf("getgroups count %d\n", n);
    SHOW("getgroups into 2", getgroups(2, list));
    n = getgroups(64, list);
    printf("getgroups:");
    for (int i = 0; i < n; i++) printf(" %u", list[i]);
    printf("\n");
    SHOW("initgroups", initgroups("root", 0));
    n = getgroups(64, list);
    printf("after initgroups %d:", n);
    for (int i = 0; i < n; i++) printf(" %u", list[i]);
    printf("\n");
    ids("start");
    SHOW("setresgid(10, 11, 12)", setresgid(10, 11, 12));
    SHOW("setegid(12)", setegid(12));
    SHOW("setregid(-1, 10)", setregid(-1, 10));
    ids("after gid changes");
    SHOW("seteuid(-1)", seteuid(-1));
    SHOW("setreuid(-1, 1000)", setreuid(-1, 1000));
    ids("euid 1000");
    SHOW("setgroups unprivileged", setgroups(1, set));
    SHOW("setresuid(2000, -1, -1) unprivileged", setresuid(2000, -1, -1));
    SHOW("seteuid(0)", seteuid(0));
    ids("euid back to 0");
    SHOW("setuid(500)", setuid(500));
    ids("setuid(500)");
    SHOW("setuid(0) now", setuid(0));
    SHOW("setgid(500)", setgid(500));
    SHOW("chroot to a missing directory", chroot("/no/such/dir"));
    SHOW("chroot /etc/passwd", chroot("/etc/passwd"));
    return 0;
}
