using System.Runtime.InteropServices;
using Nimbus.Kernel.Libc.Pwd;
using Xunit;

namespace Nimbus.Tests;

// The passwd and group parsers over the host's own files, entry for entry against glibc's
// getpwent/getgrent, plus the lines glibc skips and the buffer-too-small answer.
public unsafe class UserDatabaseTests
{
    [DllImport("libc")] private static extern void setpwent();
    [DllImport("libc")] private static extern Passwd* getpwent();
    [DllImport("libc")] private static extern void endpwent();
    [DllImport("libc")] private static extern void setgrent();
    [DllImport("libc")] private static extern Group* getgrent();
    [DllImport("libc")] private static extern void endgrent();

    private static string S(byte* p) => Marshal.PtrToStringUTF8((IntPtr)p)!;

    private static List<string> Parse(string path, bool groups)
    {
        byte[] text = File.ReadAllBytes(path);
        var result = new List<string>();
        byte* buffer = stackalloc byte[4096];
        fixed (byte* t = text)
        {
            ulong at = 0;
            while (UserDatabase.NextLine(t, (ulong)text.Length, ref at, out byte* line, out ulong length))
            {
                if (groups)
                {
                    Group g;
                    if (UserDatabase.ParseGroup(line, length, &g, buffer, 4096) == UserDatabase.Ok) result.Add(Describe(&g));
                }
                else
                {
                    Passwd p;
                    if (UserDatabase.ParsePasswd(line, length, &p, buffer, 4096) == UserDatabase.Ok) result.Add(Describe(&p));
                }
            }
        }
        return result;
    }

    private static string Describe(Passwd* p) => $"{S(p->Name)}:{S(p->Password)}:{p->Uid}:{p->Gid}:{S(p->Gecos)}:{S(p->Dir)}:{S(p->Shell)}";
    private static string Describe(Group* g)
    {
        var members = new List<string>();
        for (byte** m = g->Members; *m != null; m++) members.Add(S(*m));
        return $"{S(g->Name)}:{S(g->Password)}:{g->Gid}:{string.Join(',', members)}";
    }

    [Fact]
    public void HostPasswdAndGroupParseAsGlibcReadsThem()
    {
        var hostUsers = new List<string>();
        setpwent();
        for (Passwd* p; (p = getpwent()) != null;) hostUsers.Add(Describe(p));
        endpwent();
        Assert.Equal(hostUsers, Parse("/etc/passwd", false));
        var hostGroups = new List<string>();
        setgrent();
        for (Group* g; (g = getgrent()) != null;) hostGroups.Add(Describe(g));
        endgrent();
        Assert.Equal(hostGroups, Parse("/etc/group", true));
    }

    [Fact]
    public void SkipsCommentsBlankAndMalformedLinesAndReportsShortBuffers()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, "# comment\n\nroot:x:0:0:root:/root:/bin/sh\nbad:x:zero:0:::\nshort:x:1\nuser:x:1000:100:A User,,,:/home/user:\n");
        Assert.Equal(["root:x:0:0:root:/root:/bin/sh", "user:x:1000:100:A User,,,:/home/user:"], Parse(path, false));
        File.WriteAllText(path, "adm:x:4:syslog,user\nempty:x:5:\nbad:x::\n");
        Assert.Equal(["adm:x:4:syslog,user", "empty:x:5:"], Parse(path, true));
        File.Delete(path);
        byte[] line = "root:x:0:0:root:/root:/bin/sh"u8.ToArray();
        byte* small = stackalloc byte[16];
        Passwd p;
        fixed (byte* l = line) Assert.Equal(34, UserDatabase.ParsePasswd(l, (ulong)line.Length, &p, small, 16));
    }
}
