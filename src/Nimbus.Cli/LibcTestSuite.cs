using System.Collections.Concurrent;
using System.CommandLine;

namespace Nimbus.Cli;

// musl's libc-test as a peer test-suite: every test (LibcTestBuild) runs on the host and in Nimbus.
// A test that passes on the host must pass in Nimbus, unless tests/libc-test/expected-failures.txt
// lists it with its reason; that list may only shrink: a listed test that passes fails the run, so
// that it gets removed. Tests that fail on the host, or do not build against glibc, are not counted.
public static class LibcTestSuite
{
    public static string ExpectedFile => Path.Combine(Repo.Root, "tests", "libc-test", "expected-failures.txt");

    public enum Verdict { Pass, ExpectedFailure, Failure, NowPasses, HostFails }

    public sealed record Outcome(string Name, Verdict Verdict, bool HostPass, bool NimbusPass, string Reason);

    private static readonly ConcurrentDictionary<string, Outcome> s_outcomes = new(StringComparer.Ordinal);

    public static Dictionary<string, string> ExpectedFailures() => Nimbus.Cli.ExpectedFailures.Load(ExpectedFile);

    public static Outcome Run(LibcTestBuild.Test test, string? expectedReason)
    {
        var build = LibcTestBuild.Get();
        string exe = Path.Combine(build.Dir, test.Exe);
        var host = ProcessRunner.Run(exe, [], build.Dir, TimeSpan.FromSeconds(10));
        bool hostPass = host.ExitCode == 0 && !host.TimedOut;
        var guest = RunInNimbus(build, test);
        bool nimbusPass = guest.GuestStatus == 0 && !guest.TimedOut;
        string reason = nimbusPass ? "" : Reason(guest);
        var verdict = !hostPass ? Verdict.HostFails
            : nimbusPass ? (expectedReason != null ? Verdict.NowPasses : Verdict.Pass)
            : expectedReason != null ? Verdict.ExpectedFailure : Verdict.Failure;
        var outcome = new Outcome(test.Name, verdict, hostPass, nimbusPass, reason);
        s_outcomes[test.Name] = outcome;
        return outcome;
    }

    // The program in /app, its companions both there (found through $ORIGIN or argv[0]) and at the
    // relative path the tests open from the working directory (/), and the host libraries it needs.
    private static VmResult RunInNimbus(LibcTestBuild.Result build, LibcTestBuild.Test test)
    {
        string exe = Path.Combine(build.Dir, test.Exe);
        string name = Path.GetFileNameWithoutExtension(exe) + ".exe";
        string archive = Path.Combine(build.Dir, test.Exe[..^4] + ".cpio");
        if (!File.Exists(archive))
        {
            string temporary = $"{archive}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
            using (var stream = File.Create(temporary))
            using (var writer = new CpioWriter(stream))
            {
                writer.AddDirectory("/app");
                writer.AddFile("/app/" + name, File.ReadAllBytes(exe), CpioWriter.ExecutableFileMode);
                var companions = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var dso in test.Dsos)
                {
                    string host = Path.Combine(build.Dir, dso);
                    if (!File.Exists(host)) continue;
                    byte[] bytes = File.ReadAllBytes(host);
                    writer.AddFile("/app/" + Path.GetFileName(dso), bytes, CpioWriter.ExecutableFileMode);
                    writer.AddFile("/" + dso, bytes, CpioWriter.ExecutableFileMode);
                    companions[Path.GetFileName(dso)] = host;
                }
                foreach (var lib in HostLibs.Closure(exe, n => companions.GetValueOrDefault(n)))
                    writer.AddFile(HostLibs.GuestPath(lib), File.ReadAllBytes(lib.HostPath), CpioWriter.ExecutableFileMode);
                writer.AddDirectory("/tmp");
                writer.Finish();
            }
            File.Move(temporary, archive, overwrite: true);
        }
        return Qemu.Run(new VmOptions
        {
            CommandLine = AppImage.CommandLine("/app/" + name, [], [], null),
            Initrd = archive, Application = true, MemoryMb = 128, Timeout = TimeSpan.FromSeconds(30),
        }, passthrough: false);
    }

    // Why a test failed in Nimbus, in one line: the symbols it misses, or how it ended.
    private static string Reason(VmResult r)
    {
        var missing = Nimbus.Cli.ExpectedFailures.MissingSymbols(r.Output);
        if (missing.Count > 0) return "missing " + string.Join(' ', missing);
        if (r.TimedOut) return "did not finish within 30 s";
        string first = r.Output.Replace(Path.Combine(LibcTestBuild.Source, "src") + "/", "").Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("Booted in")) ?? "";
        if (first.Length > 160) first = first[..160] + "...";
        return $"status {r.GuestStatus}: {first}";
    }

    public static IEnumerable<TestCase> All()
    {
        LibcTestBuild.Result build;
        Dictionary<string, string> expected;
        try { build = LibcTestBuild.Get(); expected = ExpectedFailures(); }
        catch (NimbusException e) { return [new TestCase("libc-test", () => e.Message)]; }
        var cases = new List<TestCase>();
        foreach (var (name, error) in build.BuildErrors.Where(e => !e.Key.EndsWith("_dso", StringComparison.Ordinal)))
            cases.Add(new TestCase($"libc-test.{name}", () => throw new TestSkipped($"does not build against glibc: {error}")));
        foreach (var stale in expected.Keys.Where(k => !build.Tests.Any(t => t.Name == k)))
            cases.Add(new TestCase($"libc-test.{stale}", () => $"{ExpectedFile} lists {stale}, which is not a test: remove it"));
        foreach (var t in build.Tests)
            cases.Add(new TestCase($"libc-test.{t.Name}", () =>
            {
                var o = Run(t, expected.GetValueOrDefault(t.Name));
                return o.Verdict switch
                {
                    Verdict.Pass => null,
                    Verdict.ExpectedFailure => null,
                    Verdict.HostFails => throw new TestSkipped("fails on the host too" + (o.NimbusPass ? "; passes in Nimbus" : "")),
                    Verdict.NowPasses => $"passes now: remove it from tests/libc-test/expected-failures.txt (listed as: {expected[t.Name]})",
                    _ => $"passes on the host, fails in Nimbus: {o.Reason}",
                };
            }));
        return cases;
    }

    // The figure, once the tests ran: host passes, Nimbus passes of those, and the share.
    public static IEnumerable<string> Summary()
    {
        if (s_outcomes.IsEmpty) yield break;
        var all = s_outcomes.Values.ToList();
        int host = all.Count(o => o.HostPass), both = all.Count(o => o.HostPass && o.NimbusPass);
        yield return $"libc-test: {all.Count} tests run; the host passes {host}, Nimbus {both} of those ({(host == 0 ? 0 : 100.0 * both / host):F1}%); " +
            $"{all.Count(o => o.Verdict == Verdict.ExpectedFailure)} expected failures";
    }

    // `nimbus libc-test`: the suite alone, with the figure; --update-expected rewrites the list of
    // expected failures from this run (each with the reason seen).
    public static Command Command()
    {
        var filter = new Option<string?>("--filter") { Description = "run only tests whose name contains this" };
        var update = new Option<bool>("--update-expected") { Description = "rewrite tests/libc-test/expected-failures.txt from this run (all tests)" };
        var cmd = new Command("libc-test", "Run musl's libc-test on the host and in Nimbus; report per test and the share of the host's passes") { filter, update };
        Program.SetAction(cmd, p =>
        {
            Ui.Decorate = false;
            Program.BuildKernel(verbose: false, quiet: true);
            string? f = p.GetValue(filter);
            if (p.GetValue(update) && f != null) throw new NimbusException("--update-expected runs every test; drop --filter", Program.UsageError);
            var tests = LibcTestBuild.Get().Tests.Where(t => f == null || t.Name.Contains(f, StringComparison.Ordinal)).ToList();
            var expected = ExpectedFailures();
            int failures = 0;
            Parallel.ForEach(tests, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, t =>
            {
                var o = Run(t, expected.GetValueOrDefault(t.Name));
                if (o.Verdict is Verdict.Failure or Verdict.NowPasses) Interlocked.Increment(ref failures);
                lock (s_outcomes) Console.WriteLine($"{o.Verdict,-15} {o.Name}{(o.Reason.Length > 0 ? "  " + o.Reason : "")}");
            });
            foreach (var line in Summary()) Console.WriteLine(line);
            if (p.GetValue(update))
            {
                WriteExpected(s_outcomes.Values.Where(o => o.HostPass && !o.NimbusPass).OrderBy(o => o.Name, StringComparer.Ordinal));
                Console.WriteLine($"wrote {Path.GetRelativePath(Repo.Root, ExpectedFile)}");
                return 0;
            }
            return failures == 0 ? 0 : 1;
        });
        return cmd;
    }

    private static void WriteExpected(IEnumerable<Outcome> failing)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ExpectedFile)!);
        var lines = new List<string>
        {
            "# libc-test tests that pass on the host and do not yet pass in Nimbus, each with its reason (`nimbus test`",
            "# fails when one not listed here fails, and when one listed here passes: the list may only shrink).",
            "# Written by `./nimbus libc-test --update-expected`; edit the reasons by hand where they say more.",
        };
        lines.AddRange(failing.Select(o => $"{o.Name}: {o.Reason}"));
        File.WriteAllLines(ExpectedFile, lines);
    }
}
