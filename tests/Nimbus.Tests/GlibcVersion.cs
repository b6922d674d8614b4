using System.Runtime.InteropServices;
using Xunit;

namespace Nimbus.Tests;

// Tests marked [Trait("needs", "host-glibc")] compare with the host glibc's exact output, so they
// assume the glibc version in tests/glibc-version. On another version they fail saying so (run
// directly); `./nimbus test` skips them there instead, except in CI.
internal static class GlibcVersion
{
    [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static extern IntPtr GnuGetLibcVersion();

    public static void RequireAssumed()
    {
        string host = Marshal.PtrToStringAnsi(GnuGetLibcVersion()) ?? "unknown";
        string assumed = File.ReadAllText(RepoFiles.Path("tests/glibc-version")).Trim();
        if (host != assumed)
            Assert.Fail($"this host has glibc {host}, but this test compares with glibc {assumed}'s exact output (tests/glibc-version)");
    }
}
