using System.Diagnostics;

namespace Nimbus.Cli;

// `nimbus bench app PATH`: how fast a program starts and ends as a VM, against the same binary in
// a Linux guest under the same QEMU in the same invocation. Both sides are timed the same way,
// from the host: main_ms is QEMU start to the program's first output byte, wall_ms QEMU start to
// exit. min_memory_mb is the smallest --memory in which Nimbus runs the program with the same output.
public static class BenchApp
{
    // Records when bytes arrive, so the time of the program's first output can be found afterwards.
    private sealed class TimedStream(long start) : Stream
    {
        public readonly List<(double Ms, byte[] Bytes)> Chunks = [];
        public override void Write(byte[] buffer, int offset, int count) =>
            Chunks.Add((Stopwatch.GetElapsedTime(start).TotalMilliseconds, buffer[offset..(offset + count)]));
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        // Time of the first byte after `marker` (or of the first byte at all), and all output as text.
        public (double? Ms, string Text) After(string? marker)
        {
            var text = new System.Text.StringBuilder();
            double? at = null;
            foreach (var (ms, bytes) in Chunks)
            {
                int before = text.Length;
                text.Append(System.Text.Encoding.UTF8.GetString(bytes));
                if (at != null) continue;
                if (marker == null) { if (bytes.Length > 0) at = ms; continue; }
                string s = text.ToString();
                int m = s.IndexOf(marker, StringComparison.Ordinal);
                if (m < 0) continue;
                int afterMarker = s.IndexOf('\n', m);
                if (afterMarker >= 0 && afterMarker + 1 < s.Length) at = ms;    // program bytes in this chunk
            }
            return (at, text.ToString());
        }
    }

    public static int Run(string app, int runs, int linuxRuns, bool json, bool withLinux)
    {
        if (runs < 1 || linuxRuns < 1) throw new NimbusException("--runs and --linux-runs must be at least 1", Program.UsageError);
        Program.BuildKernel(verbose: false, quiet: json);
        var prepared = AppImage.Prepare(app, json ? Ui.Silent : Program.Info);
        string accel = Qemu.ResolveAccel("auto", Repo.KernelElf, Program.Info);
        var main = new List<double>();
        var wall = new List<double>();
        string? reference = null;
        for (int i = 0; i < runs; i++)
        {
            var (status, mainMs, wallMs, output) = RunNimbus(prepared, accel, 256);
            if (status != 0) throw new NimbusException($"the program failed on Nimbus (status {status}):\n{output}");
            reference ??= output;
            if (mainMs != null) main.Add(mainMs.Value);
            wall.Add(wallMs);
        }
        var linuxMain = new List<double>();
        var linuxWall = new List<double>();
        if (withLinux)
        {
            string cache = Path.Combine(Repo.Cache, "linux-guest");
            var (vmlinux, _) = LinuxGuest.Prepare(cache, Program.Info);
            string initrd = LinuxGuest.PrepareProgramInitrd(cache, prepared.HostElf, [], Program.Info);
            for (int i = 0; i < linuxRuns; i++)
            {
                long start = Stopwatch.GetTimestamp();
                var sink = new TimedStream(start);
                var r = ProcessRunner.Run(Qemu.Binary, LinuxGuest.QemuArgs(vmlinux, initrd, "microvm", 256), Repo.Root, TimeSpan.FromSeconds(180), rawStdout: sink);
                var (ms, text) = sink.After(LinuxGuest.ProgramStartMarker);
                if (LinuxGuest.ProgramExitStatus(text) != 0) throw new NimbusException($"the program failed in the Linux guest:\n{text}");
                if (ms != null) linuxMain.Add(ms.Value);
                linuxWall.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }
        var phases = StartPhases(prepared, accel, runs);
        int minMemory = SmallestMemory(prepared, accel, reference!);
        var metrics = new List<Metric>();
        if (main.Count > 0) metrics.Add(new Metric("main_ms", "ms", Stats.Of(main), linuxMain.Count > 0 ? Stats.Of(linuxMain) : null));
        metrics.Add(new Metric("wall_ms", "ms", Stats.Of(wall), linuxWall.Count > 0 ? Stats.Of(linuxWall) : null));
        metrics.Add(new Metric("min_memory_mb", "MiB", new Stats(minMemory, minMemory, minMemory), null));
        metrics.AddRange(phases);
        if (json) Console.WriteLine(Bench.ToJson("app", metrics));
        else
        {
            Console.WriteLine($"benchmark app {Path.GetFileName(prepared.HostElf)}: accel {accel}, microvm, {runs} Nimbus runs" + (withLinux ? $", {linuxRuns} Linux guest runs" : ""));
            Bench.PrintMetrics(metrics);
        }
        return 0;
    }

    private static (int Status, double? MainMs, double WallMs, string Output) RunNimbus(AppImage.Prepared prepared, string accel, int memoryMb)
    {
        long start = Stopwatch.GetTimestamp();
        var sink = new TimedStream(start);
        var o = new VmOptions
        {
            CommandLine = AppImage.CommandLine(prepared.GuestPath, [], [], null), Initrd = prepared.Archive, Application = true,
            Accel = accel, MemoryMb = memoryMb, Timeout = TimeSpan.FromSeconds(120),
        };
        var r = Qemu.Run(o, passthrough: false, rawOutput: sink);
        double wallMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var (ms, text) = sink.After(null);
        return (r.TimedOut ? Qemu.QemuFailedStatus : r.GuestStatus, ms, wallMs, text);
    }

    // The kernel's --bootchart from first instruction to main() (separate runs: the chart goes to the
    // program's stderr before main, which would move the first-output time): each phase's duration
    // as phase_ms.NAME, and when main() was called as main_at_ms (guest clock, from the first instruction).
    private static List<Metric> StartPhases(AppImage.Prepared prepared, string accel, int runs)
    {
        var line = new System.Text.RegularExpressions.Regex(@"^\s+(\S.*?)\s+(\d+\.\d+) ms\s+\(at (\d+\.\d+) ms\)\s*$", System.Text.RegularExpressions.RegexOptions.Multiline);
        var byPhase = new Dictionary<string, List<double>>();
        var order = new List<string>();
        var mainAt = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            var o = new VmOptions
            {
                CommandLine = AppImage.CommandLine(prepared.GuestPath, [], [], "--bootchart"), Initrd = prepared.Archive, Application = true,
                Accel = accel, MemoryMb = 256, Timeout = TimeSpan.FromSeconds(120),
            };
            var r = Qemu.Run(o, passthrough: false);
            var ms = line.Matches(r.Output);
            if (r.GuestStatus != 0 || ms.Count == 0) throw new NimbusException($"the program failed on Nimbus with --bootchart (status {r.GuestStatus}):\n{r.Output}");
            foreach (System.Text.RegularExpressions.Match m in ms)
            {
                string name = PhaseSlug(m.Groups[1].Value);
                if (!byPhase.TryGetValue(name, out var list)) { byPhase[name] = list = []; order.Add(name); }
                list.Add(double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
            mainAt.Add(double.Parse(ms[^1].Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        var metrics = new List<Metric> { new("main_at_ms", "ms", Stats.Of(mainAt), null) };
        metrics.AddRange(order.Select(n => new Metric("phase_ms." + n, "ms", Stats.Of(byPhase[n]), null)));
        return metrics;
    }

    // "program: ELF objects loaded" -> "program_elf_objects_loaded"
    private static string PhaseSlug(string name)
    {
        var sb = new System.Text.StringBuilder();
        foreach (char c in name.ToLowerInvariant())
            if (char.IsAsciiLetterOrDigit(c)) sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '_') sb.Append('_');
        return sb.ToString().TrimEnd('_');
    }

    // Binary search for the smallest memory (MiB) in which the program exits 0 with the same output.
    private static int SmallestMemory(AppImage.Prepared prepared, string accel, string reference)
    {
        bool Runs(int mb)
        {
            var (status, _, _, output) = RunNimbus(prepared, accel, mb);
            return status == 0 && output == reference;
        }
        int lo = 1, hi = 256;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (Runs(mid)) hi = mid; else lo = mid;
        }
        return Runs(lo) ? lo : hi;
    }
}
