using System.Text.RegularExpressions;

namespace Nimbus.Cli;

// Tests that run Linux programs on Nimbus: the same binary on the host and in the VM must print
// the same, and bad programs must fail clearly.
public static class AppTests
{
    private static readonly string TestApps = Path.Combine(Repo.Root, "tests", "apps");

    private static VmResult Run(string app, string[] args, string[]? env = null, int memoryMb = 128, int cpus = 1, string? kernelOptions = null)
    {
        var prepared = AppImage.Prepare(app, Ui.Silent, withSymbols: kernelOptions?.Contains("--profile", StringComparison.Ordinal) == true);
        return Qemu.Run(new VmOptions
        {
            CommandLine = AppImage.CommandLine(prepared.GuestPath, args, env ?? [], kernelOptions),
            Initrd = prepared.Archive, Application = true, MemoryMb = memoryMb, Cpus = cpus, Timeout = TimeSpan.FromSeconds(120),
        }, passthrough: false);
    }

    private static ProcessResult RunOnHost(string elf, string[] args, string[]? env = null)
    {
        var vars = new Dictionary<string, string>();
        foreach (var e in env ?? []) vars[e[..e.IndexOf('=')]] = e[(e.IndexOf('=') + 1)..];
        return ProcessRunner.Run(elf, args, Repo.Root, TimeSpan.FromSeconds(30), environment: vars);
    }

    // stdout and stderr must match the host's byte for byte (the program prints argv[0]'s base name).
    private static string? SameAsHost(string app, string[] args, string[]? env = null, int expectedStatus = 0, int cpus = 1, int memoryMb = 128)
    {
        HostGlibc.SkipUnlessAssumed();
        var prepared = AppImage.Prepare(app, Ui.Silent);
        var host = RunOnHost(prepared.HostElf, args, env);
        var guest = Run(app, args, env, memoryMb, cpus);
        var problems = new List<string>();
        if (guest.TimedOut) problems.Add("the VM did not power off within 60 s");
        if (host.ExitCode != expectedStatus) problems.Add($"host exit status {host.ExitCode}, expected {expectedStatus}");
        if (guest.GuestStatus != expectedStatus) problems.Add($"guest exit status {guest.GuestStatus}, expected {expectedStatus}");
        if (host.Stdout != guest.Stdout) problems.Add($"stdout differs\n--- host ---\n{host.Stdout}--- guest ---\n{guest.Stdout}");
        if (host.Stderr != guest.Stderr) problems.Add($"stderr differs\n--- host ---\n{host.Stderr}--- guest ---\n{guest.Stderr}");
        return problems.Count == 0 ? null : string.Join("\n", problems);
    }

    public static IEnumerable<TestCase> All()
    {
        string helloC = Path.Combine(Repo.Root, "samples", "hello-c");
        yield return new("app.hello_c", () => SameAsHost(helloC, ["one", "two words", "quote\"d"], ["GREETING=hello there"]));
        yield return new("app.hello_c_exit_status", () => SameAsHost(helloC, ["fail"], expectedStatus: 3));
        // The NativeAOT binary exactly as `dotnet publish` made it: threads, tasks, the GC, files,
        // a NullReferenceException from a real null dereference, clocks, and the exit code.
        string helloDotnet = Path.Combine(Repo.Root, "samples", "hello-dotnet");
        yield return new("app.hello_dotnet", () => SameAsHost(helloDotnet, ["one", "two words"], ["GREETING=hello there"]));
        yield return new("app.hello_dotnet_smp_exit_status", () => SameAsHost(helloDotnet, ["fail"], expectedStatus: 3, cpus: 2));
        // Published stripped: with --profile its NAME.dbg goes along and the runtime's functions are named.
        yield return new("app.hello_dotnet_profile_symbols", () =>
        {
            var r = Run(helloDotnet, [], kernelOptions: "--profile=5000");
            return r.GuestStatus != 0 ? $"exit status {r.GuestStatus}\n{r.Output}"
                : Regex.IsMatch(r.Output, @"app +/app/hello-dotnet: (S_P_CoreLib_|_ZN|hello_dotnet_)\w+") ? null
                : "no runtime function is named in the profile:\n" + r.Output;
        });
        yield return new("app.hello_dotnet_32mb", () => SameAsHost(helloDotnet, [], memoryMb: 32));
        yield return new("app.threads_signals_time", () => SameAsHost(Path.Combine(TestApps, "threads.c"), []));
        yield return new("app.memory_strings_stdio", () => SameAsHost(Path.Combine(TestApps, "memory_strings.c"), []));
        yield return new("app.environment", () => SameAsHost(Path.Combine(TestApps, "environment.c"), ["first"], ["GIVEN=yes", "ALSO=a b c"]));
        yield return new("app.files", () => SameAsHost(Path.Combine(TestApps, "files.c"), ["one", "two words"]));
        yield return new("app.main_thread_exit", () => SameAsHost(Path.Combine(TestApps, "main_thread_exit.c"), []));
        yield return new("app.sync_types_barriers_semaphores_affinity", () => SameAsHost(Path.Combine(TestApps, "sync.c"), [], cpus: 2));
        yield return new("app.dlopen", () => SameAsHost(Path.Combine(TestApps, "dlopen"), []));
        // issue 11 part D (fenv, long double, patterns)
        yield return new("app.fenv", () => SameAsHost(Path.Combine(TestApps, "fenv.c"), []));
        yield return new("app.long_double", () => SameAsHost(Path.Combine(TestApps, "long_double.c"), []));
        yield return new("app.long_double_math", () => SameAsHost(Path.Combine(TestApps, "long_double_math.c"), []));
        yield return new("app.glob_fnmatch", () => SameAsHost(Path.Combine(TestApps, "glob.c"), []));
        // Issue 11 part B (fortified entry points, time, users and system):
        yield return new("app.fortify_fits", () => SameAsHost(Path.Combine(TestApps, "fortify.c"), []));
        foreach (var overflow in new[] { "strcpy", "strcat", "memcpy", "sprintf", "snprintf", "read", "fdset" })
            yield return new($"app.fortify_overflow_{overflow}", () => SameAsHost(Path.Combine(TestApps, "fortify.c"), [overflow], expectedStatus: 134));
        yield return new("app.rand48", () => SameAsHost(Path.Combine(TestApps, "rand48.c"), []));
        yield return new("app.users_groups_credentials", () => SameAsHost(Path.Combine(TestApps, "users"), []));
        yield return new("app.strftime", () => SameAsHost(Path.Combine(TestApps, "strftime.c"), []));
        yield return new("app.timezones", () => SameAsHost(Path.Combine(TestApps, "timezones"), []));
        yield return new("app.random", () => SameAsHost(Path.Combine(TestApps, "random.c"), []));
        yield return new("app.rlimit_nofile", () => SameAsHost(Path.Combine(TestApps, "limits.c"), []));
        yield return new("app.sigaltstack_internal_signals", () => SameAsHost(Path.Combine(TestApps, "sigaltstack.c"), []));
        yield return new("app.rand_random_sequences", () => SameAsHost(Path.Combine(TestApps, "rand_sequences.c"), []));
        yield return new("app.strtold_rawmemchr", () => SameAsHost(Path.Combine(TestApps, "strtold.c"), []));
        // issue 11, part A: locales, wide characters, messages, getopt
        yield return new("app.locale_messages_getopt", () => SameAsHost(Path.Combine(TestApps, "locale_messages_getopt.c"), []));
        yield return new("app.missing_symbols", () =>
        {
            var r = Run(Path.Combine(TestApps, "missing_symbols.c"), []);
            var problems = new List<string>();
            if (r.GuestStatus != 127) problems.Add($"exit status {r.GuestStatus}, expected 127");
            foreach (var name in new[] { "msgget", "semget" })
                if (!Regex.IsMatch(r.Output, $@"missing symbol: {name} \(needed by /app/missing_symbols\)")) problems.Add($"{name} is not reported");
            if (r.Output.Contains("main must not run")) problems.Add("main ran");
            if (!r.Output.Contains("nothing was started")) problems.Add("no summary line");
            return problems.Count == 0 ? null : string.Join("\n", problems) + "\n--- output ---\n" + r.Output;
        });
        yield return new("app.allow_missing", () =>
        {
            // Started anyway: main runs, and the first call to a missing function ends it by name.
            var r = Run(Path.Combine(TestApps, "missing_symbols.c"), [], kernelOptions: "--allow-missing");
            var problems = new List<string>();
            if (r.GuestStatus != 127) problems.Add($"exit status {r.GuestStatus}, expected 127");
            if (!r.Output.Contains("main must not run")) problems.Add("main did not run");
            if (!r.Output.Contains("the application called msgget, which Nimbus does not provide")) problems.Add("the call to msgget was not named");
            return problems.Count == 0 ? null : string.Join("\n", problems) + "\n--- output ---\n" + r.Output;
        });
        yield return new("app.bad_pointer_to_libc", () =>
        {
            var r = Run(Path.Combine(TestApps, "bad_pointer.c"), []);
            return r.GuestStatus == 139 && r.Stdout.Contains("before") && r.Output.Contains("killed by signal 11: a fault in the C library function at ") && r.Output.Contains("strlen")
                && !r.Output.Contains("PANIC") ? null : $"exit status {r.GuestStatus}, expected 139 and a report naming the string function\n{r.Output}";
        });
        yield return new("app.bad_free", () =>
        {
            foreach (var (args, message) in new[] { (Array.Empty<string>(), "free(): invalid pointer"), (["double"], "free(): double free") })
            {
                var r = Run(Path.Combine(TestApps, "bad_free.c"), args);
                if (r.GuestStatus != 134 || !r.Stdout.Contains("before") || r.Stdout.Contains("not reached") || !r.Output.Contains(message) || r.Output.Contains("PANIC"))
                    return $"{string.Join(' ', args)}: exit status {r.GuestStatus}, expected 134 and {message}\n{r.Output}";
            }
            return null;
        });
        yield return new("app.stack_overflow_in_thread", () =>
        {
            var r = Run(Path.Combine(TestApps, "stack_overflow.c"), []);
            return r.GuestStatus == 139 && r.Stdout.Contains("before") && r.Output.Contains("killed by SIGSEGV") && r.Output.Contains("a stack overflow: thread ")
                && r.Output.Contains("(depth+0x")
                && !r.Output.Contains("PANIC") ? null : $"exit status {r.GuestStatus}, expected 139 and a report of a stack overflow\n{r.Output}";
        });
        // --profile names a program's functions, static ones too (from the file's .symtab).
        yield return new("app.profile_names_functions", () =>
        {
            var r = Run(Path.Combine(TestApps, "hot_functions.c"), [], kernelOptions: "--profile=5000");
            return r.GuestStatus == 0 && r.Stdout.Contains("done") && Regex.IsMatch(r.Output, @"app +/app/hot_functions: spin_static")
                && Regex.IsMatch(r.Output, @"app +/app/hot_functions: spin_exported") ? null : $"exit status {r.GuestStatus}, expected a profile naming both functions\n{r.Output}";
        });
        yield return new("app.corrupt_elf", () =>
        {
            // A real executable with its program header table cut off.
            var prepared = AppImage.Prepare(helloC, Ui.Silent);
            string broken = Path.Combine(Repo.Out, "tests", "corrupt", "broken");
            Directory.CreateDirectory(Path.GetDirectoryName(broken)!);
            var bytes = File.ReadAllBytes(prepared.HostElf);
            File.WriteAllBytes(broken, bytes[..100]);
            var r = Run(broken, []);
            return r.GuestStatus == 126 && r.Output.Contains("/app/broken: cannot load: program header table is malformed or outside the file")
                ? null : $"exit status {r.GuestStatus}, expected 126 and a clear message\n{r.Output}";
        });
    }
}
