using System.Diagnostics;
using System.Xml.Linq;

namespace Nimbus.Cli;

// `nimbus test`: hosted xunit tests (kernel sources compiled against the real BCL), guest tests
// that boot the kernel and check what it prints and its exit status, and CLI tests. One line per
// test (PASS, FAIL or SKIP NAME); the last line is "N passed, N failed" (CI reads it).
public static class TestRunner
{
    public static int RunAll(string? filter, bool hostedOnly, bool guestOnly)
    {
        Ui.Decorate = false;           // the output is read by people and CI alike: plain lines
        int passed = 0, failed = 0, skipped = 0;
        var sw = Stopwatch.StartNew();
        string? glibc = HostGlibc.Mismatch();
        if (glibc != null)
        {
            // Locally the comparisons are skipped (a different glibc prints differently); CI must have the
            // glibc they assume, so there it is a failure and the comparisons still run.
            if (Ui.InCi) { Console.WriteLine($"FAIL host_glibc ({glibc}; CI must run on it)"); failed++; }
            else Console.WriteLine($"note: {glibc}: those tests are skipped");
        }
        if (!guestOnly)
        {
            var (p, f, s) = RunHosted(filter, skipGlibcComparisons: glibc != null && !Ui.InCi);
            passed += p;
            failed += f;
            skipped += s;
        }
        if (!hostedOnly)
        {
            Program.BuildKernel(verbose: false);
            var cases = GuestTests.All().Concat(AppTests.All()).Concat(CliTests.All())
                .Concat(HostLibTests.All()).Concat(AbiCoverage.All()).Concat(DebianPrograms.All()).Concat(LibcTestSuite.All())      // issue 11 part C: host libraries, libc-test, Debian programs, ABI coverage
                .Where(t => filter == null || t.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToList();
            var outcomes = new string[cases.Count];
            Parallel.For(0, cases.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, i =>
            {
                var t = Stopwatch.StartNew();
                string? failure;
                try { failure = cases[i].Run(); }
                catch (TestSkipped e)
                {
                    outcomes[i] = "SKIP";
                    lock (outcomes) Console.WriteLine($"SKIP {cases[i].Name} ({e.Message})");
                    return;
                }
                catch (Exception e) { failure = $"{e.GetType().Name}: {e.Message}"; }
                outcomes[i] = failure == null ? "PASS" : "FAIL";
                lock (outcomes) Console.WriteLine($"{outcomes[i]} {cases[i].Name} ({t.Elapsed.TotalSeconds:F2} s)" +
                    (failure == null ? "" : "\n" + Indent(failure)));
            });
            passed += outcomes.Count(o => o == "PASS");
            failed += outcomes.Count(o => o == "FAIL");
            skipped += outcomes.Count(o => o == "SKIP");
            foreach (var line in LibcTestSuite.Summary().Concat(DebianPrograms.Summary()).Concat(AbiCoverage.Summary())) Console.WriteLine(line);
        }
        Console.WriteLine($"({sw.Elapsed.TotalSeconds:F1} s{(skipped > 0 ? $"; {skipped} skipped, see the SKIP lines" : "")})");
        Console.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private static string Indent(string s, int lines = 40) => string.Join('\n', s.Split('\n').Take(lines).Select(l => "    " + l.TrimEnd('\r')));

    // The hosted tests report through a TRX file (dotnet test's structured results), not their console text.
    private static (int Passed, int Failed, int Skipped) RunHosted(string? filter, bool skipGlibcComparisons)
    {
        string project = Path.Combine(Repo.Root, "tests", "Nimbus.Tests", "Nimbus.Tests.csproj");
        string resultsDir = Path.Combine(Repo.Out, "tests", "hosted");
        string trx = Path.Combine(resultsDir, "hosted.trx");
        if (Directory.Exists(resultsDir)) Directory.Delete(resultsDir, recursive: true);
        var args = new List<string> { "test", project, "--nologo", "-v", "q", "--logger", "trx;LogFileName=hosted.trx", "--results-directory", resultsDir };
        var filters = new List<string>();
        if (filter != null) filters.Add($"FullyQualifiedName~{filter}");
        if (skipGlibcComparisons) filters.Add($"{HostGlibc.TraitName}!={HostGlibc.TraitValue}");
        if (filters.Count > 0) args.AddRange(["--filter", string.Join('&', filters.Select(f => $"({f})"))]);
        Console.WriteLine("hosted tests: dotnet test tests/Nimbus.Tests");
        var r = ProcessRunner.Run("dotnet", args, Repo.Root, TimeSpan.FromMinutes(20));
        int passed = 0, failed = 0, skipped = skipGlibcComparisons ? 1 : 0;
        if (skipGlibcComparisons)
            Console.WriteLine($"SKIP hosted tests marked [Trait(\"{HostGlibc.TraitName}\", \"{HostGlibc.TraitValue}\")] ({HostGlibc.Mismatch()})");
        if (File.Exists(trx))
        {
            foreach (var t in ReadTrx(trx).OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                switch (t.Outcome)
                {
                    case "Passed": passed++; Console.WriteLine($"PASS hosted.{t.Name}"); break;
                    case "NotExecuted": skipped++; Console.WriteLine($"SKIP hosted.{t.Name} ({t.Message.Trim()})"); break;
                    default: failed++; Console.WriteLine($"FAIL hosted.{t.Name} ({t.Outcome})\n" + Indent(t.Message.Trim(), 60)); break;
                }
            }
        }
        if (filter == null && File.Exists(trx) && passed + failed == 0)
        {
            Console.WriteLine("FAIL hosted (the results list no test)");
            failed++;
        }
        if (r.ExitCode != 0 && failed == 0)
        {
            // No failed test to show for it: the build or the test host itself failed.
            Console.WriteLine($"FAIL hosted (dotnet test exited {r.ExitCode}{(File.Exists(trx) ? "" : ", no results")})\n" + Indent(Tail(r.Output, 60), 60));
            failed++;
        }
        return (passed, failed, skipped);
    }

    public sealed record HostedResult(string Name, string Outcome, string Message);

    public static List<HostedResult> ReadTrx(string path)
    {
        XNamespace ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";
        var doc = XDocument.Load(path);
        return doc.Descendants(ns + "UnitTestResult").Select(e =>
        {
            var output = e.Element(ns + "Output");
            string message = string.Join("\n", new[]
            {
                output?.Element(ns + "ErrorInfo")?.Element(ns + "Message")?.Value,
                output?.Element(ns + "ErrorInfo")?.Element(ns + "StackTrace")?.Value,
                e.Attribute("outcome")?.Value == "NotExecuted" ? output?.Element(ns + "StdOut")?.Value : null,
            }.Where(s => !string.IsNullOrWhiteSpace(s)));
            return new HostedResult(e.Attribute("testName")?.Value ?? "?", e.Attribute("outcome")?.Value ?? "?", message);
        }).ToList();
    }

    private static string Tail(string s, int lines) => string.Join('\n', s.Split('\n').TakeLast(lines));
}

public sealed record TestCase(string Name, Func<string?> Run);

// Thrown by a test that does not apply to this host; reported as SKIP with the reason.
public sealed class TestSkipped(string reason) : Exception(reason);
