using System.Runtime.InteropServices;
using System.Text;
using Nimbus.Kernel.Libc.Libgen;
using Xunit;

namespace Nimbus.Tests;

// basename (GNU), __xpg_basename (POSIX) and dirname against the host's glibc: the answer and what
// each leaves in the caller's string.
public unsafe class PathNamesTests
{
    [DllImport("libc", EntryPoint = "basename")] private static extern byte* HostBasename(byte* path);
    [DllImport("libc")] private static extern byte* __xpg_basename(byte* path);
    [DllImport("libc")] private static extern byte* dirname(byte* path);

    private static string Run(delegate*<byte*, byte*> f, string path)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            byte* r = f(p);
            string result = Marshal.PtrToStringAnsi((IntPtr)r)!;
            return $"{result} | {Encoding.ASCII.GetString(bytes).Replace('\0', '@')}";
        }
    }

    private static byte* Host0(byte* p) => HostBasename(p);
    private static byte* Host1(byte* p) => __xpg_basename(p);
    private static byte* Host2(byte* p) => dirname(p);
    private static byte* Ours0(byte* p) => PathNames.Basename(p);
    private static byte* Ours1(byte* p) => PathNames.XpgBasename(p);
    private static byte* Ours2(byte* p) => PathNames.Dirname(p);

    [Theory]
    [InlineData("")] [InlineData("/")] [InlineData("//")] [InlineData("///")] [InlineData("a")] [InlineData("a/")] [InlineData("a//")]
    [InlineData("/a")] [InlineData("//a")] [InlineData("/a/")] [InlineData("/usr/lib")] [InlineData("/usr/lib/")] [InlineData("usr/lib//")]
    [InlineData("usr")] [InlineData(".")] [InlineData("..")] [InlineData("../x")] [InlineData("a/b/c")] [InlineData("//usr//lib//")]
    public void MatchGlibc(string path)
    {
        Assert.Equal(Run(&Host0, path), Run(&Ours0, path));
        Assert.Equal(Run(&Host1, path), Run(&Ours1, path));
        Assert.Equal(Run(&Host2, path), Run(&Ours2, path));
    }
}
