using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Nimbus.Cli;

// `nimbus test`: hosted xunit tests (kernel sources compiled against the real BCL), guest tests
// that boot the kernel and check what it prints and its exit status, and CLI tests.
public static class TestRunner
{
    public static int RunAll(string? filter, bool hostedOnly, bool guestOnly)
    {
        int passed = 0, failed = 0;
        var sw = Stopwatch.StartNew();
        if (!guestOnly)
        {
            var (p, f) = RunHosted(filter);
            passed += p;
            failed += f;
        }
        if (!hostedOnly)
        {
            Program.BuildKernel(verbose: false);
            var cases = GuestTests.All().Concat(AppTests.All()).Concat(CliTests.All())
                .Where(t => filter == null || t.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToList();
            var results = new (string Name, string? Failure, TimeSpan Time)[cases.Count];
            Parallel.For(0, cases.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, i =>
            {
                var t = Stopwatch.StartNew();
                string? failure;
                try { failure = cases[i].Run(); }
                catch (Exception e) { failure = $"{e.GetType().Name}: {e.Message}"; }
                results[i] = (cases[i].Name, failure, t.Elapsed);
                lock (results) Console.WriteLine($"{(failure == null ? "PASS" : "FAIL")} {cases[i].Name} ({t.Elapsed.TotalSeconds:F2} s)" +
                    (failure == null ? "" : "\n" + Indent(failure)));
            });
            passed += results.Count(r => r.Failure == null);
            failed += results.Count(r => r.Failure != null);
        }
        Console.WriteLine($"({sw.Elapsed.TotalSeconds:F1} s)");
        Console.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private static string Indent(string s) => string.Join('\n', s.Split('\n').Take(40).Select(l => "    " + l));

    private static (int Passed, int Failed) RunHosted(string? filter)
    {
        string project = Path.Combine(Repo.Root, "tests", "Nimbus.Tests", "Nimbus.Tests.csproj");
        var args = new List<string> { "test", project, "--nologo", "-v", "q", "--logger", "console;verbosity=normal" };
        if (filter != null) args.AddRange(["--filter", $"FullyQualifiedName~{filter}"]);
        Console.WriteLine("hosted tests: dotnet test tests/Nimbus.Tests");
        var r = ProcessRunner.Run("dotnet", args, Repo.Root, TimeSpan.FromMinutes(20));
        int passed = 0, failed = 0;
        foreach (var line in r.Stdout.Split('\n'))
        {
            var m = Regex.Match(line, @"^\s*(Passed|Failed) (\S+)");
            if (m.Success)
            {
                Console.WriteLine($"{(m.Groups[1].Value == "Passed" ? "PASS" : "FAIL")} hosted.{m.Groups[2].Value}");
                if (m.Groups[1].Value == "Passed") passed++; else failed++;
            }
        }
        if (failed > 0 || r.ExitCode != 0) Console.WriteLine(Tail(r.Output, 80));
        if (r.ExitCode != 0 && failed == 0)
        {
            Console.WriteLine($"FAIL hosted (dotnet test exited {r.ExitCode})");
            failed++;
        }
        return (passed, failed);
    }

    private static string Tail(string s, int lines) => string.Join('\n', s.Split('\n').TakeLast(lines));
}

public sealed record TestCase(string Name, Func<string?> Run);
