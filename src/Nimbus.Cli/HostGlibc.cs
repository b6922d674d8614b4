namespace Nimbus.Cli;

// The tests that compare with glibc's exact output (the app tests, which run the same binary on the
// host, and the hosted printf/scanf/strto*/libm comparisons marked [Trait("needs", "host-glibc")])
// assume the glibc version in tests/glibc-version. On another version they are skipped with that
// said (a different glibc prints differently); in CI the mismatch itself is a failure.
public static class HostGlibc
{
    public const string TraitName = "needs", TraitValue = "host-glibc";

    private static readonly Lazy<string> s_host = new(() =>
    {
        // "glibc 2.36"; a host without glibc (musl) has no such variable.
        var r = ProcessRunner.Run("getconf", ["GNU_LIBC_VERSION"], Repo.Root, TimeSpan.FromSeconds(10));
        string text = r.Stdout.Trim();
        return r.ExitCode == 0 && text.StartsWith("glibc ", StringComparison.Ordinal) ? text["glibc ".Length..] : "none";
    });

    public static string Assumed => File.ReadAllText(Path.Combine(Repo.Root, "tests", "glibc-version")).Trim();

    public static string? Mismatch() => Describe(s_host.Value, Assumed);

    public static string? Describe(string host, string assumed) => host == assumed ? null :
        $"this host has glibc {host}, but the tests that compare with glibc's exact output assume glibc {assumed} (tests/glibc-version)";

    // For a test that compares with the host's glibc: skipped on another version, except in CI (where
    // the runner reports the mismatch as a failure and the comparison still runs).
    public static void SkipUnlessAssumed()
    {
        if (!Ui.InCi && Mismatch() is string reason) throw new TestSkipped(reason);
    }
}
