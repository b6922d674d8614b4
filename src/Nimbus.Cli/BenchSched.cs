using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Nimbus.Cli;

// `nimbus bench sched`: scheduling and synchronisation costs as in the OSv paper (ATC'14, table 6).
// The kernel command `bench-sched` and the C program bench/sched/sched_bench.c (pthreads) print the
// same "sched-bench: METRIC VALUE" lines. The C program runs in the Linux guest (the peer) and, built
// as a PIE, on Nimbus too: its metrics are reported again with the prefix "app_" (what a C program
// gets through the libc layer). Everything runs with 2 CPUs under QEMU TCG.
public static class BenchSched
{
    public sealed record MetricInfo(string Name, string Unit, bool HigherIsBetter);

    public static readonly MetricInfo[] Metrics =
    [
        new("ctxsw_colocated_ns", "ns", false),
        new("ctxsw_apart_ns", "ns", false),
        new("mutex_uncontended_ns", "ns", false),
        new("mutex_contended_2_ops_per_s", "ops/s", true),
        new("mutex_contended_4_ops_per_s", "ops/s", true),
        new("thread_create_join_us", "us", false),
    ];

    public const string AppPrefix = "app_";      // the pthread program on Nimbus
    public const int Cpus = 2;
    const string Machine = "microvm";
    const string Accel = "tcg";          // the Linux guest runs under TCG; Nimbus too, for the same conditions
    const string NimbusCommand = "bench-sched";
    static readonly string[] GccFlags = ["-O2", "-static", "-pthread", "-Wall", "-Wextra"];

    public static string PeerSource => Path.Combine(Repo.Root, "bench", "sched", "sched_bench.c");
    public static string PeerBinary => Path.Combine(Repo.Out, "bench", "sched_bench");

    public static int Run(int runs, int linuxRuns, bool json, bool withLinux, bool withNimbus)
    {
        if (runs < 1) throw new NimbusException("--runs must be at least 1", Program.UsageError);
        if (linuxRuns < 1) throw new NimbusException("--linux-runs must be at least 1", Program.UsageError);
        if (!withNimbus && !withLinux) throw new NimbusException("--no-nimbus and --no-linux together leave nothing to measure", Program.UsageError);
        if (!withNimbus && json) throw new NimbusException("--json needs the Nimbus side (drop --no-nimbus)", Program.UsageError);
        Action<string> progress = json ? Ui.Silent : Program.Info;

        // Everything that can fail fast (compiler, images) before the long runs.
        (string Vmlinux, string Initrd)? linux = null;
        if (withLinux)
        {
            string peer = CompilePeer(progress);
            string cache = Path.Combine(Repo.Cache, "linux-guest");
            string vmlinux = LinuxGuest.Prepare(cache, progress).Vmlinux;
            linux = (vmlinux, LinuxGuest.PrepareProgramInitrd(cache, peer, [], progress));
        }
        AppImage.Prepared? app = null;
        if (withNimbus)
        {
            Program.BuildKernel(verbose: false, quiet: json);
            app = AppImage.Prepare(PeerSource, progress);
        }

        var nimbus = Samples();
        var nimbusApp = Samples();
        if (app != null)
            for (int i = 0; i < runs; i++)
            {
                Add(nimbus, RunNimbus());
                Add(nimbusApp, RunNimbusApp(app));
                progress($"nimbus {NimbusCommand} and sched_bench on nimbus: run {i + 1}/{runs} done");
            }
        var peerSamples = Samples();
        if (linux is { } images)
            for (int i = 0; i < linuxRuns; i++)
            {
                Add(peerSamples, RunLinux(images.Vmlinux, images.Initrd));
                progress($"linux guest sched_bench: run {i + 1}/{linuxRuns} done");
            }

        var metrics = new List<Metric>();
        foreach (var (samples, prefix) in new[] { (nimbus, ""), (nimbusApp, AppPrefix) })
            metrics.AddRange(Metrics.Select(m => new Metric(prefix + m.Name, m.Unit,
                withNimbus ? Stats.Of(samples[m.Name]) : null!,
                withLinux ? Stats.Of(peerSamples[m.Name]) : null)));
        if (!withNimbus) metrics.RemoveAll(m => m.Name.StartsWith(AppPrefix, StringComparison.Ordinal));
        if (json) Console.WriteLine(Bench.ToJson("sched", metrics));
        else PrintTable(metrics, withNimbus ? runs : 0, withLinux ? linuxRuns : 0);
        return 0;
    }

    static Dictionary<string, List<double>> Samples() => Metrics.ToDictionary(m => m.Name, _ => new List<double>());

    static void Add(Dictionary<string, List<double>> samples, IReadOnlyDictionary<string, double> run)
    {
        foreach (var (name, value) in run) samples[name].Add(value);
    }

    static IReadOnlyDictionary<string, double> RunNimbus()
    {
        var r = Qemu.Run(new VmOptions
        {
            CommandLine = NimbusCommand, Cpus = Cpus, Machine = Machine, Accel = Accel, MemoryMb = 128,
            Timeout = TimeSpan.FromSeconds(120),
        }, passthrough: false);
        if (r.Output.Contains($"unknown command '{NimbusCommand}'"))
            throw new NimbusException($"this kernel has no '{NimbusCommand}' command yet (it answered \"unknown command '{NimbusCommand}'\", " +
                $"status {r.GuestStatus}); measure the Linux peer alone with --no-nimbus");
        if (r.TimedOut)
            throw new NimbusException($"nimbus {NimbusCommand} did not finish within 120 s:\n{Tail(r.Output)}");
        if (r.GuestStatus != 0)
            throw new NimbusException($"nimbus {NimbusCommand} exited with status {r.GuestStatus}:\n{Tail(r.Output)}");
        return ParseMetrics(r.Output, $"nimbus {NimbusCommand}");
    }

    // The same C program on Nimbus, through the libc layer.
    static IReadOnlyDictionary<string, double> RunNimbusApp(AppImage.Prepared app)
    {
        var r = Qemu.Run(new VmOptions
        {
            CommandLine = AppImage.CommandLine(app.GuestPath, [], [], null), Initrd = app.Archive, Application = true,
            Cpus = Cpus, Machine = Machine, Accel = Accel, MemoryMb = 128, Timeout = TimeSpan.FromSeconds(120),
        }, passthrough: false);
        if (r.TimedOut)
            throw new NimbusException($"sched_bench on nimbus did not finish within 120 s:\n{Tail(r.Output)}");
        if (r.GuestStatus != 0)
            throw new NimbusException($"sched_bench on nimbus exited with status {r.GuestStatus}:\n{Tail(r.Output)}");
        return ParseMetrics(r.Output, "sched_bench on nimbus");
    }

    static IReadOnlyDictionary<string, double> RunLinux(string vmlinux, string initrd)
    {
        var args = LinuxGuest.QemuArgs(vmlinux, initrd, Machine, 256, Cpus);
        var r = ProcessRunner.Run(Qemu.Binary, args, Repo.Root, TimeSpan.FromSeconds(180));
        if (r.TimedOut)
        {
            // Seen once in many runs on this host: the guest printed nothing after booting. One retry,
            // said out loud, rather than losing the whole invocation to the peer.
            Program.Info("linux guest sched_bench: no result within 180 s; running it once more");
            r = ProcessRunner.Run(Qemu.Binary, args, Repo.Root, TimeSpan.FromSeconds(180));
        }
        if (r.TimedOut)
            throw new NimbusException($"the Linux guest running sched_bench did not finish within 180 s (twice):\n{Tail(r.Output)}");
        int? status = LinuxGuest.ProgramExitStatus(r.Stdout);
        if (status == null)
            throw new NimbusException($"the Linux guest never reported sched_bench's exit status (QEMU exit {r.ExitCode}):\n{Tail(r.Output)}");
        if (status != 0)
            throw new NimbusException($"sched_bench exited with status {status} in the Linux guest:\n{Tail(r.Output)}");
        return ParseMetrics(r.Stdout, "linux guest sched_bench");
    }

    static readonly Regex MetricLine = new(@"^sched-bench: (\S+) ?(.*?)\r?$", RegexOptions.Multiline);

    /// <summary>
    /// The six metrics from the "sched-bench: METRIC VALUE" lines of <paramref name="output"/>. Every metric
    /// must appear exactly once with a finite positive decimal value; other metric names are ignored.
    /// </summary>
    public static IReadOnlyDictionary<string, double> ParseMetrics(string output, string who)
    {
        var values = new Dictionary<string, double>();
        var problems = new List<string>();
        foreach (Match m in MetricLine.Matches(output))
        {
            string name = m.Groups[1].Value, text = m.Groups[2].Value.Trim();
            if (!Metrics.Any(x => x.Name == name)) continue;
            if (values.ContainsKey(name)) problems.Add($"{name} is reported twice");
            else if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v > 0)
                values[name] = v;
            else problems.Add($"{name} has the value '{text}', not a positive decimal number");
        }
        foreach (var metric in Metrics)
            if (!values.ContainsKey(metric.Name) && !problems.Any(p => p.StartsWith(metric.Name + " ", StringComparison.Ordinal)))
                problems.Add($"no line 'sched-bench: {metric.Name} VALUE'");
        if (problems.Count > 0)
            throw new NimbusException($"{who}: {string.Join("; ", problems)}:\n{Tail(output)}");
        return values;
    }

    /// <summary>Compiles bench/sched/sched_bench.c (static, pthreads) into out/bench/ unless the source and flags are unchanged.</summary>
    public static string CompilePeer(Action<string> log)
    {
        string source = PeerSource, binary = PeerBinary, stamp = binary + ".sha256";
        if (!File.Exists(source)) throw new NimbusException($"{source} is missing");
        string key = Convert.ToHexStringLower(SHA256.HashData(
            [.. File.ReadAllBytes(source), .. Encoding.UTF8.GetBytes("\n" + string.Join(' ', GccFlags))]));
        if (File.Exists(binary) && File.Exists(stamp) && File.ReadAllText(stamp).Trim() == key) return binary;

        string gcc = ProcessRunner.FindOnPath("gcc")
            ?? throw new NimbusException("gcc is missing (the Linux peer is a static C program): as root run `apt-get install -y gcc libc6-dev`");
        Directory.CreateDirectory(Path.GetDirectoryName(binary)!);
        string temp = $"{binary}.{Environment.ProcessId}.tmp";
        try
        {
            var r = ProcessRunner.Run(gcc, [.. GccFlags, "-o", temp, source], Repo.Root, TimeSpan.FromMinutes(2));
            if (r.ExitCode != 0)
            {
                string hint = Regex.IsMatch(r.Output, @"cannot find -l(c|pthread)\b|crt1\.o|No such file.*\.h")
                    ? "\n(static linking needs the C library's development files: as root run `apt-get install -y gcc libc6-dev`)" : "";
                throw new NimbusException($"gcc could not compile {Path.GetRelativePath(Repo.Root, source)}:\n{r.Output.Trim()}{hint}");
            }
            File.Move(temp, binary, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        File.WriteAllText(stamp, key + "\n");
        log($"compiled {Path.GetRelativePath(Repo.Root, source)} -> {Path.GetRelativePath(Repo.Root, binary)}");
        return binary;
    }

    static string Tail(string output, int lines = 40)
    {
        var all = output.Replace("\r", "").TrimEnd().Split('\n');
        return (all.Length > lines ? $"[... {all.Length - lines} earlier lines]\n" : "") + string.Join('\n', all.TakeLast(lines));
    }

    static void PrintTable(List<Metric> metrics, int runs, int linuxRuns)
    {
        var ci = CultureInfo.InvariantCulture;
        var sides = new List<string>();
        if (runs > 0) sides.Add($"{runs} Nimbus runs ({NimbusCommand}, and sched_bench as {AppPrefix}*)");
        if (linuxRuns > 0) sides.Add($"{linuxRuns} Linux guest runs (sched_bench, pthreads)");
        Console.WriteLine($"benchmark sched: QEMU {Machine}, accel {Accel}, {Cpus} CPUs; {string.Join(", ", sides)}");
        Console.WriteLine("lower is better for *_ns and *_us, higher is better for *_ops_per_s; ratio = nimbus median / linux median");
        string Num(double v, string unit) => unit switch
        {
            "ops/s" => v.ToString("F0", ci),
            "us" => v.ToString("F2", ci),
            _ => v.ToString("F1", ci),
        };
        var rows = new List<string[]>();
        foreach (var m in metrics)
        {
            var info = Metrics.Single(x => x.Name == (m.Name.StartsWith(AppPrefix, StringComparison.Ordinal) ? m.Name[AppPrefix.Length..] : m.Name));
            Stats? nimbus = runs > 0 ? m.Nimbus : null;
            string ratio = "-", verdict = "";
            if (nimbus != null && m.Linux != null)
            {
                double r = nimbus.Median / m.Linux.Median;
                ratio = r.ToString("F3", ci) + "x";
                bool nimbusBetter = info.HigherIsBetter ? r > 1 : r < 1;
                verdict = r == 1 ? "" : nimbusBetter ? "nimbus" : "linux";
            }
            string[] Cols(Stats? s) => s == null ? ["-", "-", "-"] : [Num(s.Min, m.Unit), Num(s.Median, m.Unit), Num(s.Max, m.Unit)];
            rows.Add([m.Name, m.Unit, info.HigherIsBetter ? "higher" : "lower", .. Cols(nimbus), .. Cols(m.Linux), ratio, verdict]);
        }
        Ui.WriteTable(["metric", "unit", "better", "nimbus min", "median", "max", "linux min", "median", "max", "ratio", "better side"], rows, leftAligned: 3);
    }
}
