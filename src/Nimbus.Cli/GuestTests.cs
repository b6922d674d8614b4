using System.Text.RegularExpressions;

namespace Nimbus.Cli;

// Tests that boot the kernel under QEMU. Each returns null on success or what went wrong.
public static class GuestTests
{
    private const int PanicStatus = 70;

    private static VmResult Boot(string cmdline, string machine = "microvm", int memoryMb = 128) =>
        Qemu.Run(new VmOptions
        {
            CommandLine = cmdline, Machine = machine, MemoryMb = memoryMb, Accel = "auto",
            Timeout = TimeSpan.FromSeconds(60),
        }, passthrough: false);

    private static string? Expect(VmResult r, int status, params string[] patterns)
    {
        var problems = new List<string>();
        if (r.TimedOut) problems.Add("the VM did not power off within 60 s");
        if (r.GuestStatus != status) problems.Add($"exit status {r.GuestStatus}, expected {status}");
        foreach (var p in patterns)
            if (!Regex.IsMatch(r.Output, p, RegexOptions.Multiline)) problems.Add($"output does not match /{p}/");
        return problems.Count == 0 ? null : string.Join("\n", problems) + "\n--- output ---\n" + r.Output.Trim();
    }

    public sealed record ExpectedSelftest(string Name, bool NeedsTwoCpus);

    // tests/guest/selftests.txt: every selftest the kernel registers, one per line ("NAME [needs-2-cpus]").
    public static List<ExpectedSelftest> ExpectedSelftests()
    {
        string file = Path.Combine(Repo.Root, "tests", "guest", "selftests.txt");
        return File.ReadAllLines(file)
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(w => new ExpectedSelftest(w[0], w.Length > 1 && w[1] == "needs-2-cpus")).ToList();
    }

    // A full `selftest` run must report exactly the expected tests: each PASS, or SKIP with a reason
    // where it needs two CPUs and the VM has one. Returns null, or every problem by name.
    public static string? CheckSelftestRun(string output, int cpus, IReadOnlyList<ExpectedSelftest> expected)
    {
        var reported = new Dictionary<string, (string Verdict, string Detail)>();
        var problems = new List<string>();
        foreach (Match m in Regex.Matches(output, @"^(PASS|FAIL|SKIP) (\S+) ?(.*?)\r?$", RegexOptions.Multiline))
            if (!reported.TryAdd(m.Groups[2].Value, (m.Groups[1].Value, m.Groups[3].Value))) problems.Add($"reported twice: {m.Groups[2].Value}");
        var names = expected.Select(e => e.Name).ToHashSet();
        var missing = expected.Where(e => !reported.ContainsKey(e.Name)).Select(e => e.Name).ToList();
        var unexpected = reported.Keys.Where(n => !names.Contains(n)).ToList();
        var failed = reported.Where(kv => kv.Value.Verdict == "FAIL").Select(kv => kv.Key).ToList();
        var badSkips = expected.Where(e => reported.TryGetValue(e.Name, out var v) && v.Verdict == "SKIP"
            && !(e.NeedsTwoCpus && cpus < 2 && Regex.IsMatch(v.Detail, @"^\(.+\)$"))).Select(e => e.Name).ToList();
        if (missing.Count > 0) problems.Add($"expected but not run: {string.Join(", ", missing)} (no longer registered?)");
        if (unexpected.Count > 0) problems.Add($"not in tests/guest/selftests.txt: {string.Join(", ", unexpected)}");
        if (failed.Count > 0) problems.Add($"failed: {string.Join(", ", failed)}");
        if (badSkips.Count > 0) problems.Add($"skipped: {string.Join(", ", badSkips)} (only needs-2-cpus tests may skip, on one CPU)");
        return problems.Count == 0 ? null : string.Join("\n", problems) + "\n--- output ---\n" + output.Trim();
    }

    public static IEnumerable<TestCase> All()
    {
        foreach (var machine in Qemu.Machines)
        {
            yield return new($"guest.{machine}.selftest", () =>
            {
                var r = Boot("selftest", machine);
                return CheckSelftestRun(r.Output, cpus: 1, ExpectedSelftests()) ?? Expect(r, 0, @"^Booted in \d+\.\d{3} ms\r?$");
            });
            yield return new($"guest.{machine}.echo", () =>
                Expect(Boot("echo hello from nimbus", machine), 0, @"^hello from nimbus\r?$"));
            yield return new($"guest.{machine}.acpi_poweroff", () =>
            {
                // No isa-debug-exit device: the kernel must power off through ACPI S5 (QEMU exits 0).
                var r = Qemu.Run(new VmOptions { CommandLine = "echo bye; exit 5", Machine = machine, DebugExit = false, Timeout = TimeSpan.FromSeconds(60) }, false);
                if (r.TimedOut) return "the VM did not power off (ACPI S5 failed)\n" + r.Output;
                return r.QemuExitCode == 0 && r.Output.Contains("bye") ? null : $"qemu exit {r.QemuExitCode}\n{r.Output}";
            });
        }
        foreach (int cpus in new[] { 2, 4 })
            yield return new($"guest.smp{cpus}.selftest", () =>
            {
                var r = Qemu.Run(new VmOptions { CommandLine = "selftest; cpus", Cpus = cpus, Timeout = TimeSpan.FromSeconds(90) }, false);
                return CheckSelftestRun(r.Output, cpus, ExpectedSelftests()) ?? Expect(r, 0, $@"^cpus: {cpus} online\r?$");
            });
        // The checker itself, on made-up runs: it must name what is missing, unexpected or skipped.
        yield return new("guest.selftest_checker", () =>
        {
            var expected = new List<ExpectedSelftest> { new("a.one", false), new("a.two", false), new("smp.x", true) };
            string run = "PASS a.one (1.0 ms, 2 checks)\nPASS a.two (1.0 ms, 1 checks)\nSKIP smp.x (needs two CPUs)\nselftest: 2 passed, 0 failed, 1 skipped\n";
            string? Rejects(string output, int cpus, string pattern) =>
                CheckSelftestRun(output, cpus, expected) is string m ? (Regex.IsMatch(m, pattern) ? null : $"message does not match /{pattern}/:\n{m}") : $"accepted:\n{output}";
            return (CheckSelftestRun(run, 1, expected) is string unexpectedFailure ? "a complete run was rejected: " + unexpectedFailure : null)
                ?? Rejects(run.Replace("PASS a.two (1.0 ms, 1 checks)\n", ""), 1, @"not run: a\.two")
                ?? Rejects(run + "PASS a.three (1 ms, 1 checks)\n", 1, @"not in tests/guest/selftests\.txt: a\.three")
                ?? Rejects(run.Replace("PASS a.one", "FAIL a.one"), 1, @"failed: a\.one")
                ?? Rejects(run.Replace("PASS a.one", "SKIP a.one"), 1, @"skipped: a\.one")
                ?? Rejects(run, 2, @"skipped: smp\.x")
                ?? Rejects(run + "PASS a.one (1 ms, 1 checks)\n", 1, @"reported twice: a\.one");
        });
        yield return new("guest.smp_from_mp_table", () =>
        {
            // microvm without ACPI: the CPUs come from the MultiProcessor table instead of the MADT.
            var r = Qemu.Run(new VmOptions { CommandLine = "cpus; selftest smp", Cpus = 2, MachineOptions = "acpi=off", Timeout = TimeSpan.FromSeconds(60) }, false);
            return Expect(r, 0, @"^cpus: 2 online\r?$", @"^selftest: 4 passed, 0 failed\r?$");
        });
        yield return new("guest.wall_clock", () =>
        {
            var r = Boot("date");
            var fail = Expect(r, 0, @"^date: (\d+) seconds since 1970-01-01 UTC");
            if (fail != null) return fail;
            long guest = long.Parse(Regex.Match(r.Output, @"date: (\d+)").Groups[1].Value);
            long host = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            return Math.Abs(guest - host) <= 5 ? null : $"guest wall clock {guest}, host {host}";
        });
        yield return new("guest.exit_status", () => Expect(Boot("exit 42"), 42));
        // Above 127 the status does not fit QEMU's exit code; the guest reports it on the debug console.
        yield return new("guest.exit_status_above_127", () => Expect(Boot("exit 200"), 200));
        yield return new("guest.exit_zero", () => Expect(Boot("exit"), 0));
        yield return new("guest.command_sequence", () =>
        {
            var r = Boot("echo first; echo 'second word'; exit 3; echo never");
            var fail = Expect(r, 3, @"^first\r?\nsecond word\r?$");
            return fail ?? (r.Output.Contains("never") ? "commands after exit ran" : null);
        });
        yield return new("guest.selftest_filter", () =>
        {
            var r = Boot("selftest memory.heap");
            var fail = Expect(r, 0, @"^PASS memory\.heap_small", @"^selftest: 3 passed, 0 failed");
            return fail ?? (r.Output.Contains("time.monotonic") ? "filter ran a non-matching test" : null);
        });
        // --profile: samples are taken and attributed to kernel functions by name.
        yield return new("guest.profile", () =>
            Expect(Boot("--profile=4000 selftest sync"), 0, @"^profile: \d+ samples at 4000 Hz on 1 CPU", @"^ +\d+\.\d% +\d+  kernel  [A-Za-z_]\w+"));
        yield return new("guest.profile_bad_rate", () => Expect(Boot("--profile=0 echo x"), 2, @"bad option '--profile=0'"));
        yield return new("guest.selftest_no_match", () => Expect(Boot("selftest nosuchtest"), 0, @"no test matches 'nosuchtest'", @"0 passed, 0 failed"));
        yield return new("guest.unknown_command", () =>
            Expect(Boot("frobnicate now"), 2, @"unknown command 'frobnicate'", @"Known commands: echo, exit, selftest"));
        yield return new("guest.unknown_option", () => Expect(Boot("--frob echo x"), 2, @"unknown option '--frob'"));
        yield return new("guest.no_command", () => Expect(Boot(""), 2, @"no command given"));
        yield return new("guest.bad_exit_argument", () => Expect(Boot("exit banana"), 2, @"usage: exit"));
        yield return new("guest.unterminated_quote", () => Expect(Boot("echo 'oops"), 2, @"bad command line: unterminated quote"));
        yield return new("guest.bootchart", () =>
            Expect(Boot("--bootchart exit"), 0, @"^bootchart:", @"memory \(page allocator, page tables, heap\)\s+\d+\.\d{3} ms", @"clock calibration"));
        yield return new("guest.panic.null_dereference", () =>
            Expect(Boot("crash null"), PanicStatus, @"PANIC: CPU exception 14 \(page fault\): null pointer dereference",
                @"cr2 0x0000000000000000", @"rip [0-9a-f]{16}", @"rax [0-9a-f]{16}", @"r15 [0-9a-f]{16}",
                @"^Backtrace:", @"#0 0x[0-9a-f]{16} \S*Shell__Crash\+0x", @"#\d+ 0x[0-9a-f]{16} \S*Shell__Run"));
        yield return new("guest.panic.invalid_opcode", () =>
            Expect(Boot("crash ud"), PanicStatus, @"PANIC: CPU exception 6 \(invalid opcode\)", @"#0 0x[0-9a-f]{16} cpu_ud2\+0x", @"Shell__Crash"));
        yield return new("guest.panic.divide_error", () =>
            Expect(Boot("crash div"), PanicStatus, @"PANIC: CPU exception 0 \(divide error\)", @"Crashers__Divide"));
        yield return new("guest.panic.general_protection", () =>
            Expect(Boot("crash gp"), PanicStatus, @"PANIC: CPU exception 13 \(general protection\)", @"Backtrace:"));
        yield return new("guest.panic.stack_overflow", () =>
            Expect(Boot("crash stack"), PanicStatus, @"PANIC: CPU exception (8 \(double fault\)|14 \(page fault\): kernel stack overflow)", @"Crashers__Recurse"));
        yield return new("guest.panic.thread_stack_overflow", () =>
            Expect(Boot("crash thread-stack"), PanicStatus, @"PANIC in thread 'overflower' \(id \d+\)",
                @"kernel stack overflow \(guard page hit\)", @"Crashers__Recurse"));
        yield return new("guest.panic.explicit", () =>
            Expect(Boot("crash panic"), PanicStatus, @"PANIC: deliberate panic", @"Panic__Fail", @"Shell__Crash"));
        yield return new("guest.panic.out_of_memory", () =>
            Expect(Boot("crash oom", memoryMb: 64), PanicStatus, @"PANIC: out of memory: a heap request of 67108864 bytes could not be met", @"KernelHeap__Alloc"));
        yield return new("guest.meminfo", () =>
        {
            var r = Boot("meminfo", memoryMb: 64);
            var fail = Expect(r, 0, @"^memory: (\d+) KiB RAM, (\d+) KiB free");
            if (fail != null) return fail;
            var m = Regex.Match(r.Output, @"memory: (\d+) KiB RAM, (\d+) KiB free");
            long ram = long.Parse(m.Groups[1].Value), free = long.Parse(m.Groups[2].Value);
            return ram > 60 * 1024 && ram <= 64 * 1024 && free > 50 * 1024 && free < ram ? null : $"implausible: {ram} KiB RAM, {free} KiB free";
        });
        yield return new("guest.small_memory", () => Expect(Boot("selftest memory", memoryMb: 16), 0, @"selftest: \d+ passed, 0 failed"));
        yield return new("guest.large_memory", () => Expect(Boot("selftest memory", memoryMb: 3072), 0, @"selftest: \d+ passed, 0 failed"));
    }
}
