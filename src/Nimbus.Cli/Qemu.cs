using System.Diagnostics;

namespace Nimbus.Cli;

public sealed record VmOptions
{
    public string CommandLine { get; init; } = "";
    public int MemoryMb { get; init; } = 128;
    public int Cpus { get; init; } = 1;
    public string Machine { get; init; } = "microvm";
    public string Accel { get; init; } = "auto";
    public bool Gdb { get; init; }
    public bool Verbose { get; init; }
    // A program boots the kernel without selftests; a kernel command line the one with them.
    public string Kernel { get => _kernel ?? (Application ? Repo.AppKernelElf : Repo.KernelElf); init => _kernel = value; }
    private readonly string? _kernel;
    public TimeSpan? Timeout { get; init; }
    public bool DebugExit { get; init; } = true;    // without it the guest powers off through ACPI (status lost)
    public string? MachineOptions { get; init; }     // appended to -M, e.g. "acpi=off" (tests)
    public string? Initrd { get; init; }             // the boot archive (an application and its files)
    public string? StatusFile { get; init; }         // set by Run: where the guest reports its full exit status
    public bool Application { get; init; }           // the guest runs a program: its stdout is passed through
                                                      // byte for byte, its stderr goes through a second serial port
}

public sealed record VmResult(int GuestStatus, string Output, TimeSpan Wall, bool TimedOut, int QemuExitCode, string Stdout = "", string Stderr = "")
{
    // "Booted in X.XXX ms" as printed by the kernel, or null.
    public double? BootedInMs
    {
        get
        {
            var m = System.Text.RegularExpressions.Regex.Match(Output, @"Booted in (\d+\.\d+) ms");
            return m.Success ? double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
        }
    }
}

// Boots the kernel under QEMU. The guest's exit status arrives through isa-debug-exit: QEMU exits
// with (status << 1) | 1; a plain 0 means the guest powered off through ACPI (status 0).
public static class Qemu
{
    public static readonly string[] Machines = ["microvm", "q35"];
    public const int QemuFailedStatus = 125;

    public static string Binary => ProcessRunner.FindOnPath("qemu-system-x86_64")
        ?? throw new NimbusException("qemu-system-x86_64 is missing: as root run `apt-get install -y qemu-system-x86` (./nimbus does this when run as root)");

    public static List<string> Arguments(VmOptions o, string accel)
    {
        if (!Machines.Contains(o.Machine)) throw new NimbusException($"unknown machine '{o.Machine}' (use microvm or q35)", 2);
        var args = new List<string>
        {
            "-M", o.MachineOptions == null ? o.Machine : $"{o.Machine},{o.MachineOptions}", "-accel", accel, "-cpu", accel == "kvm" ? "host" : "max",
            "-m", $"{o.MemoryMb}M", "-smp", o.Cpus.ToString(),
            "-nographic", "-nodefaults", "-no-reboot", "-serial", "stdio",
            "-kernel", o.Kernel, "-append", o.CommandLine,
        };
        if (o.Initrd != null) args.AddRange(["-initrd", o.Initrd]);
        // COM2 (microvm creates only COM1 from -serial, so the device is added by hand): the program's stderr.
        if (o.Application) args.AddRange(["-chardev", "file,id=app-stderr,path=/proc/self/fd/2", "-device", "isa-serial,chardev=app-stderr,iobase=0x2f8,irq=3"]);
        if (o.DebugExit) args.AddRange(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
        if (o.StatusFile != null) args.AddRange(["-debugcon", "file:" + o.StatusFile]);   // the full exit status (Power.cs)
        if (o.Machine == "q35") args.AddRange(["-fw_cfg", "name=etc/sercon-port,string=0"]);   // keep SeaBIOS off our console
        if (o.Gdb) args.AddRange(["-s", "-S"]);
        return args;
    }

    public static int DecodeStatus(int qemuExit) => qemuExit == 0 ? 0 : (qemuExit & 1) == 1 ? qemuExit >> 1 : QemuFailedStatus;

    // onOutputLine (with passthrough): also receives each line of the guest's console as it is printed.
    public static VmResult Run(VmOptions o, bool passthrough, Action<string>? log = null, Action<string>? onOutputLine = null, Stream? rawOutput = null)
    {
        string accel = ResolveAccel(o.Accel, o.Kernel, log);
        string statusFile = Path.Combine(Path.GetTempPath(), $"nimbus-status-{Environment.ProcessId}-{Guid.NewGuid():N}");
        if (o.DebugExit) o = o with { StatusFile = statusFile };
        var args = Arguments(o, accel);
        if (o.Verbose) log?.Invoke($"$ {Binary} {string.Join(' ', args.Select(Quote))}");
        Stream? appOutput = o.Application ? rawOutput ?? (passthrough ? Console.OpenStandardOutput() : Stream.Null) : null;
        var r = ProcessRunner.Run(Binary, args, Repo.Root, o.Timeout, inheritOutput: passthrough,
            passStderrLine: line => !line.Contains("sercon-port"), onStdoutLine: onOutputLine, rawStdout: appOutput);
        int status = r.TimedOut ? QemuFailedStatus : DecodeStatus(r.ExitCode);
        // The guest's own report is exact where the 8-bit exit code is not (statuses 128-255).
        if (!r.TimedOut && (r.ExitCode & 1) == 1 && ReadReportedStatus(statusFile) is int reported) status = reported;
        try { File.Delete(statusFile); } catch (IOException) { }
        if (!r.TimedOut && status == QemuFailedStatus && r.ExitCode != 0 && !passthrough)
            log?.Invoke($"qemu failed (exit {r.ExitCode}): {r.Stderr.Trim()}");
        return new VmResult(status, r.Stdout + r.Stderr, r.Elapsed, r.TimedOut, r.ExitCode, r.Stdout, r.Stderr);
    }

    private static int? ReadReportedStatus(string file)
    {
        if (!File.Exists(file)) return null;
        var m = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(file), @"nimbus-status (\d+)");
        return m.Success && int.TryParse(m.Groups[1].Value, out int v) && v is >= 0 and <= 255 ? v : null;
    }

    private static string Quote(string a) => a.Contains(' ') || a.Length == 0 ? $"\"{a}\"" : a;

    // auto: KVM only where a probe boot proves it runs this kernel (some nested KVMs cannot run SSE),
    // else TCG. The probe's answer is cached per kernel build.
    public static string ResolveAccel(string requested, string kernel, Action<string>? log)
    {
        switch (requested)
        {
            case "tcg": return "tcg";
            case "kvm":
                if (!KvmDeviceUsable()) throw new NimbusException("--accel kvm: /dev/kvm is missing or not accessible", 2);
                return "kvm";
            case "auto": break;
            default: throw new NimbusException($"unknown accelerator '{requested}' (use auto, tcg or kvm)", 2);
        }
        if (!KvmDeviceUsable()) return "tcg";
        // The probe runs a selftest: the kernel with them stands in for its selftest-less twin.
        if (File.Exists(Repo.KernelElf)) kernel = Repo.KernelElf;
        string cache = Path.Combine(Repo.Cache, "kvm-probe");
        string key = File.Exists(kernel) ? new FileInfo(kernel).LastWriteTimeUtc.Ticks.ToString() : "";
        if (File.Exists(cache))
        {
            var parts = File.ReadAllText(cache).Split(' ');
            if (parts.Length == 2 && parts[0] == key) return parts[1];
        }
        var probe = new VmOptions { Kernel = kernel, CommandLine = "selftest cpu.features", MemoryMb = 64, Timeout = TimeSpan.FromSeconds(10) };
        var r = ProcessRunner.Run(Binary, Arguments(probe, "kvm"), Repo.Root, probe.Timeout);
        string answer = !r.TimedOut && DecodeStatus(r.ExitCode) == 0 && r.Stdout.Contains("PASS cpu.features") ? "kvm" : "tcg";
        if (answer == "tcg") log?.Invoke("note: /dev/kvm cannot run this kernel here (probe failed); using TCG");
        Directory.CreateDirectory(Repo.Cache);
        File.WriteAllText(cache, $"{key} {answer}");
        return answer;
    }

    private static bool KvmDeviceUsable()
    {
        try
        {
            using var f = File.Open("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }
}
