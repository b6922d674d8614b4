using System.Globalization;
using System.Text.Json;

namespace Nimbus.Cli;

public sealed record Stats(double Min, double Median, double Max)
{
    public static Stats Of(IReadOnlyList<double> xs)
    {
        if (xs.Count == 0) throw new NimbusException("no samples");
        var s = xs.OrderBy(x => x).ToArray();
        double median = s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
        return new Stats(s[0], median, s[^1]);
    }
}

public sealed record Metric(string Name, string Unit, Stats Nimbus, Stats? Linux);

// `nimbus bench boot`: Nimbus boots (guest-reported boot time and whole-QEMU wall time) on microvm
// and q35, a Linux guest under the same QEMU in the same invocation, and the smallest memory that boots.
public static class Bench
{
    public static int Boot(int runs, int linuxRuns, bool json, bool withLinux)
    {
        if (runs < 1) throw new NimbusException("--runs must be at least 1", Program.UsageError);
        if (linuxRuns < 1) throw new NimbusException("--linux-runs must be at least 1", Program.UsageError);
        Program.BuildKernel(verbose: false, quiet: json);
        string accel = Qemu.ResolveAccel("auto", Repo.KernelElf, Program.Info);
        var metrics = new List<Metric>();
        (string Vmlinux, string Initrd)? linux = null;
        if (withLinux) linux = LinuxGuest.Prepare(Path.Combine(Repo.Cache, "linux-guest"), json ? Ui.Silent : Program.Info);

        foreach (var machine in Qemu.Machines)
        {
            var (boot, wall) = Boots(machine, accel, 128, runs);
            Stats? linuxWall = null;
            if (linux != null)
            {
                var lw = new List<double>();
                for (int i = 0; i < linuxRuns; i++)
                {
                    var args = LinuxGuest.QemuArgs(linux.Value.Vmlinux, linux.Value.Initrd, machine, 256);
                    var r = ProcessRunner.Run(Qemu.Binary, args, Repo.Root, TimeSpan.FromSeconds(120));
                    if (r.TimedOut || !r.Stdout.Contains("hello"))
                        throw new NimbusException($"the Linux guest did not boot on {machine}:\n{r.Output}");
                    lw.Add(r.Elapsed.TotalMilliseconds);
                }
                linuxWall = Stats.Of(lw);
            }
            metrics.Add(new Metric($"guest_boot_ms.{machine}", "ms", Stats.Of(boot), null));
            // Boot must not cost more with more RAM: the same boot at 8 GiB, next to the 128 MiB row.
            if (machine == "microvm")
            {
                var (big, _) = Boots(machine, accel, 8192, runs);
                metrics.Add(new Metric($"guest_boot_ms.{machine}.8G", "ms", Stats.Of(big), null));
            }
            metrics.Add(new Metric($"wall_ms.{machine}", "ms", Stats.Of(wall), linuxWall));
            if (!json) Program.Info($"{machine}: {runs} boots done");
        }
        int minMemory = SmallestMemory(accel);
        metrics.Add(new Metric("min_memory_mb", "MiB", new Stats(minMemory, minMemory, minMemory), null));

        if (json) Console.WriteLine(ToJson("boot", metrics));
        else PrintTable("boot", metrics, accel, runs, linuxRuns, withLinux);
        return 0;
    }

    // `runs` boots running `echo hello`: the guest-reported boot times and the whole-VM wall times.
    private static (List<double> Boot, List<double> Wall) Boots(string machine, string accel, int memoryMb, int runs)
    {
        var boot = new List<double>();
        var wall = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            var r = Qemu.Run(new VmOptions { CommandLine = "echo hello", Machine = machine, Accel = accel, MemoryMb = memoryMb, Timeout = TimeSpan.FromSeconds(30) }, false);
            if (r.GuestStatus != 0 || r.BootedInMs == null || !r.Output.Contains("hello"))
                throw new NimbusException($"benchmark boot failed on {machine} with {memoryMb} MiB:\n{r.Output}");
            boot.Add(r.BootedInMs.Value);
            wall.Add(r.Wall.TotalMilliseconds);
        }
        return (boot, wall);
    }

    // Binary search for the smallest --memory (MiB) that boots and runs a command.
    private static int SmallestMemory(string accel)
    {
        bool Boots(int mb)
        {
            // Below 2 MiB the image (loaded at 1 MiB) is not even in RAM and QEMU spins: a short timeout.
            var r = Qemu.Run(new VmOptions { CommandLine = "echo ok", MemoryMb = mb, Accel = accel, Timeout = TimeSpan.FromSeconds(5) }, false);
            return r.GuestStatus == 0 && r.Output.Contains("ok");
        }
        int lo = 1, hi = 128;          // invariant: hi boots
        if (!Boots(hi)) throw new NimbusException("the kernel does not boot in 128 MiB");
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (Boots(mid)) hi = mid; else lo = mid;
        }
        return Boots(lo) ? lo : hi;
    }

    public static string ToJson(string benchmark, IEnumerable<Metric> metrics)
    {
        var list = metrics.Select(m =>
        {
            var d = new Dictionary<string, object?>
            {
                ["name"] = m.Name, ["unit"] = m.Unit,
                ["nimbus"] = new { min = Round(m.Nimbus.Min), median = Round(m.Nimbus.Median), max = Round(m.Nimbus.Max) },
            };
            if (m.Linux != null)
            {
                d["peer"] = "linux-guest";
                d["linux"] = new { min = Round(m.Linux.Min), median = Round(m.Linux.Median), max = Round(m.Linux.Max) };
                d["ratio"] = Math.Round(m.Nimbus.Median / m.Linux.Median, 5);
            }
            return d;
        }).ToList();
        return JsonSerializer.Serialize(new Dictionary<string, object> { ["benchmark"] = benchmark, ["metrics"] = list });
    }

    private static double Round(double v) => Math.Round(v, 3);

    private static void PrintTable(string benchmark, List<Metric> metrics, string accel, int runs, int linuxRuns, bool withLinux)
    {
        Console.WriteLine($"benchmark {benchmark}: accel {accel}, {runs} Nimbus boots per machine" + (withLinux ? $", {linuxRuns} Linux guest boots per machine" : ""));
        PrintMetrics(metrics);
    }

    public static void PrintMetrics(List<Metric> metrics)
    {
        var ci = CultureInfo.InvariantCulture;
        string F(double v, string format) => v.ToString(format, ci);
        bool withLinux = metrics.Any(m => m.Linux != null);      // no empty peer columns under --no-linux
        Ui.WriteTable(withLinux ? ["metric", "nimbus min", "median", "max", "linux min", "median", "max", "linux/nimbus"] : ["metric", "nimbus min", "median", "max"],
            metrics.Select(m =>
            {
                string[] nimbus = [m.Name, F(m.Nimbus.Min, "F3"), F(m.Nimbus.Median, "F3"), F(m.Nimbus.Max, "F3")];
                if (!withLinux) return nimbus;
                return m.Linux == null ? [.. nimbus, "", "", "", ""]
                    : [.. nimbus, F(m.Linux.Min, "F1"), F(m.Linux.Median, "F1"), F(m.Linux.Max, "F1"), F(m.Linux.Median / m.Nimbus.Median, "F1") + "x"];
            }));
    }
}
