using System.CommandLine;
using System.Diagnostics;

namespace Nimbus.Cli;

public static class Program
{
    public const int UsageError = 2;

    public const int InternalError = 70;      // a bug in nimbus itself (EX_SOFTWARE)

    private static bool s_verbose;

    public static int Main(string[] args)
    {
        s_verbose = args.Contains("--verbose") || args.Contains("-v");
        try
        {
            var root = new RootCommand("Nimbus: a unikernel in C#. Build the kernel, boot it under QEMU, test and benchmark it.");
            root.Subcommands.Add(BuildCommand());
            root.Subcommands.Add(RunCommand());
            root.Subcommands.Add(TestCommand());
            root.Subcommands.Add(BenchCommands.Create());
            root.Subcommands.Add(TraceCommand());
            root.Subcommands.Add(LibcTestSuite.Command());
            root.Subcommands.Add(AbiCoverage.Command());

            var parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                // One line: every problem, then where help for this (sub)command is.
                var messages = parse.Errors.Select(e => e.Message.TrimEnd('.')).ToList();
                if (messages.Count > 1) messages.RemoveAll(m => m.StartsWith("Required command was not provided"));   // an unknown one was
                string problems = string.Join("; ", messages);
                return Fail($"{problems} (see '{CommandPath(parse.CommandResult.Command)} --help')", UsageError);
            }
            return parse.Invoke();
        }
        catch (Exception e) { return Report(e); }
    }

    private static string CommandPath(Command c)
    {
        var names = new List<string>();
        for (Symbol? s = c; s != null; s = s.Parents.FirstOrDefault())
            names.Insert(0, s is RootCommand ? "nimbus" : s.Name);
        return string.Join(' ', names);
    }

    // A failure the user sees: one line "nimbus: ...", a non-zero status, never a stack trace (unless --verbose).
    public static int Fail(string message, int status)
    {
        Console.Error.WriteLine($"nimbus: {message}");
        return status;
    }

    private static int Report(Exception e) => Report(e, Console.Error, s_verbose);

    public static int Report(Exception e, TextWriter error, bool verbose)
    {
        if (e is NimbusException n)
        {
            // The first line is the message; what a tool printed follows it, indented.
            var lines = n.Message.Split('\n');
            error.WriteLine($"nimbus: {lines[0].TrimEnd('\r')}");
            foreach (var line in lines.Skip(1)) error.WriteLine("  " + line.TrimEnd('\r'));
            return n.ExitCode;
        }
        error.WriteLine($"nimbus: internal error: {e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}" + (verbose ? "" : " (run with --verbose for details)"));
        if (verbose) error.WriteLine(e);
        return InternalError;
    }

    // Every command's action goes through here, so each failure is reported the same way.
    public static void SetAction(Command command, Func<ParseResult, int> action) =>
        command.SetAction(p =>
        {
            try { return action(p); }
            catch (Exception e) { return Report(e); }
        });

    public static void Info(string message) => Console.Error.WriteLine(message);

    public static KernelBuilder.Result BuildKernel(bool verbose, bool quiet = false)
    {
        var sw = Stopwatch.StartNew();
        // -v lists every tool invocation: plain lines, no spinner.
        var r = verbose ? new KernelBuilder(Info, verbose).Build()
            : Ui.Step("building the kernel", quiet ? Ui.Silent : Info, log => new KernelBuilder(log, verbose).Build());
        if (r.Rebuilt && !quiet) Info($"built {Path.GetRelativePath(Environment.CurrentDirectory, r.Elf)} in {sw.Elapsed.TotalSeconds:F1} s ({r.StrippedBytes / 1024} KiB stripped; {r.AppStrippedBytes / 1024} KiB without selftests, for programs)");
        return r;
    }

    private static Command BuildCommand()
    {
        var app = new Argument<string?>("APP") { Description = "a program to pack into a bootable image (as for run); without it, just the kernel", Arity = ArgumentArity.ZeroOrOne };
        var appArgs = new Argument<string[]>("ARGS") { Description = "the program's default arguments (after --)", Arity = ArgumentArity.ZeroOrMore };
        var env = new Option<string[]>("--env") { Description = "NAME=VALUE baked into the image (repeatable)" };
        var output = new Option<string?>("--output", "-o") { Description = "with APP: the image file to write; without: copy the kernel ELF here" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "show every tool invocation and each library taken from the host" };
        var noHostLibs = NoHostLibsOption();
        var cmd = new Command("build", "Build the kernel (incremental; output under out/kernel), or a bootable image of a program") { app, appArgs, env, output, verbose, noHostLibs };
        SetAction(cmd, p =>
        {
            var r = BuildKernel(p.GetValue(verbose));
            if (!r.Rebuilt) Info($"kernel up to date: {Path.GetRelativePath(Environment.CurrentDirectory, r.Elf)} ({r.StrippedBytes / 1024} KiB stripped)");
            var o = p.GetValue(output);
            string? appPath = p.GetValue(app);
            if (appPath != null)
            {
                if (o == null) throw new NimbusException("building an image needs -o FILE", UsageError);
                var prepared = AppImage.Prepare(appPath, Info, !p.GetValue(noHostLibs), p.GetValue(verbose) ? Info : null);
                string commandLine = AppImage.CommandLine(prepared.GuestPath, p.GetValue(appArgs) ?? [], p.GetValue(env) ?? [], null);
                VmImage.Write(o, Path.Combine(Repo.KernelOut, "nimbus-app-stripped.elf"), prepared.Archive, commandLine, prepared.GuestPath);
                Info($"image {o}: {new FileInfo(o).Length / 1024} KiB (kernel + {prepared.GuestPath}); boot it with: nimbus run {o}");
                return 0;
            }
            if (o != null) File.Copy(r.Elf, o, overwrite: true);
            return 0;
        });
        return cmd;
    }

    public static int ParseMemory(string text)
    {
        string t = text.Trim().ToUpperInvariant();
        int scale = 1;
        if (t.EndsWith("G")) { scale = 1024; t = t[..^1]; }
        else if (t.EndsWith("M")) t = t[..^1];
        if (!int.TryParse(t, out int v) || v <= 0 || (long)v * scale > 1024 * 1024)
            throw new NimbusException($"bad --memory '{text}' (examples: 64M, 2G)", UsageError);
        return v * scale;
    }

    private static Command RunCommand()
    {
        var app = new Argument<string?>("APP") { Description = "a folder with C sources or a .csproj, a .csproj, or a Linux ELF executable", Arity = ArgumentArity.ZeroOrOne };
        var appArgs = new Argument<string[]>("ARGS") { Description = "the program's arguments (after --)", Arity = ArgumentArity.ZeroOrMore };
        var env = new Option<string[]>("--env") { Description = "NAME=VALUE for the program's environment (repeatable)", AllowMultipleArgumentsPerToken = false };
        var kernelOptions = new Option<string?>("--kernel-options") { Description = "kernel options before the program (or the --exec command line), e.g. \"--bootchart\" or \"--profile\"" };
        var allowMissing = new Option<bool>("--allow-missing") { Description = "start the program even if symbols are missing; calling a missing function then ends it with a message" };
        var exec = new Option<string?>("--exec", "-e") { Description = "kernel command line when no APP is given, e.g. \"echo hello\" (default: selftest)" };
        var memory = new Option<string>("--memory", "-m") { Description = "guest memory (e.g. 64M, 1G)", DefaultValueFactory = _ => "128M" };
        var cpus = new Option<int>("--cpus", "-c") { Description = "virtual CPUs", DefaultValueFactory = _ => 1 };
        var machine = new Option<string>("--machine") { Description = "microvm or q35", DefaultValueFactory = _ => "microvm" };
        machine.AcceptOnlyFromAmong(Qemu.Machines);
        var accel = new Option<string>("--accel") { Description = "auto (KVM only where a probe shows it works), tcg or kvm", DefaultValueFactory = _ => "auto" };
        accel.AcceptOnlyFromAmong("auto", "tcg", "kvm");
        var gdb = new Option<bool>("--gdb") { Description = "start halted with QEMU's gdbstub on :1234 (see README)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "print the QEMU command and each library taken from the host" };
        var noHostLibs = NoHostLibsOption();
        var time = new Option<bool>("--time") { Description = "print whole-VM wall time" };
        var traceOut = new Option<string?>("--trace-out") { Description = "convert the guest's trace dump (-e \"--trace=PATTERN --trace-dump ...\") to Chrome/Perfetto JSON in FILE", HelpName = "FILE" };
        var cmd = new Command("run", "Boot a program (built or published first when needed) or a kernel command line; return the guest's exit status")
            { app, appArgs, env, kernelOptions, allowMissing, exec, memory, cpus, machine, accel, gdb, verbose, time, traceOut, noHostLibs };
        SetAction(cmd, p =>
        {
            int mem = ParseMemory(p.GetValue(memory)!);
            int n = p.GetValue(cpus);
            if (n < 1 || n > 64) throw new NimbusException("--cpus must be 1..64", UsageError);
            string? traceFile = p.GetValue(traceOut);
            if (traceFile != null && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(traceFile))))
                throw new NimbusException($"--trace-out {traceFile}: no such folder", UsageError);
            BuildKernel(p.GetValue(verbose), quiet: true);
            string? appPath = p.GetValue(app);
            string commandLine = p.GetValue(exec) ?? "selftest";
            string? initrd = null;
            string kernel = appPath != null ? Repo.AppKernelElf : Repo.KernelElf;
            if (appPath != null && VmImage.IsImage(appPath))
            {
                if (p.GetValue(exec) != null) throw new NimbusException("give either a program (APP) or --exec, not both", UsageError);
                var (header, imageKernel, archive) = VmImage.Extract(appPath);
                kernel = imageKernel;
                initrd = archive;
                commandLine = header.CommandLine;
                // Arguments or --env given now replace the image's.
                if ((p.GetValue(appArgs)?.Length ?? 0) > 0 || (p.GetValue(env)?.Length ?? 0) > 0 || p.GetValue(allowMissing) || p.GetValue(kernelOptions) != null)
                {
                    string? options = p.GetValue(kernelOptions);
                    if (p.GetValue(allowMissing)) options = "--allow-missing " + options;
                    commandLine = AppImage.CommandLine(header.Program, p.GetValue(appArgs) ?? [], p.GetValue(env) ?? [], options);
                }
            }
            else if (appPath != null)
            {
                if (p.GetValue(exec) != null) throw new NimbusException("give either a program (APP) or --exec, not both", UsageError);
                var prepared = AppImage.Prepare(appPath, Info, !p.GetValue(noHostLibs), p.GetValue(verbose) ? Info : null);
                initrd = prepared.Archive;
                string? options = p.GetValue(kernelOptions);
                if (p.GetValue(allowMissing)) options = "--allow-missing " + options;
                commandLine = AppImage.CommandLine(prepared.GuestPath, p.GetValue(appArgs) ?? [], p.GetValue(env) ?? [], options);
            }
            else if ((p.GetValue(appArgs)?.Length ?? 0) > 0 || (p.GetValue(env)?.Length ?? 0) > 0 || p.GetValue(allowMissing))
                throw new NimbusException("program arguments, --env and --allow-missing need a program (APP)", UsageError);
            else if (p.GetValue(kernelOptions) is string options)
                commandLine = options + " " + commandLine;          // before the --exec command line
            var o = new VmOptions
            {
                CommandLine = commandLine, MemoryMb = mem, Cpus = n, Machine = p.GetValue(machine)!,
                Accel = p.GetValue(accel)!, Gdb = p.GetValue(gdb), Verbose = p.GetValue(verbose),
                Initrd = initrd, Application = appPath != null, Kernel = kernel,
            };
            if (o.Gdb)
                Info($"gdb: QEMU waits on :1234. In another shell: gdb {kernel} -ex 'target remote :1234' -ex 'hbreak KernelMain' -ex c");
            var console = new List<string>();      // the guest's console, kept only for --trace-out
            var r = Qemu.Run(o, passthrough: true, Info, traceFile == null ? null : console.Add);
            if (p.GetValue(time)) Info($"wall time: {r.Wall.TotalMilliseconds:F1} ms");
            if (r.GuestStatus == Qemu.QemuFailedStatus && r.QemuExitCode != 0 && (r.QemuExitCode & 1) == 0)
                Info($"nimbus: qemu exited with status {r.QemuExitCode}");
            if (traceFile != null)
            {
                // A guest that failed keeps its status; a missing or broken trace is then only reported.
                try { Info($"trace: {TraceConverter.Convert(console, "guest console", traceFile)}"); }
                catch (NimbusException e)
                {
                    Info($"nimbus: --trace-out: {e.Message}");
                    return r.GuestStatus != 0 ? r.GuestStatus : 1;
                }
            }
            return r.GuestStatus;
        });
        return cmd;
    }

    private static Option<bool> NoHostLibsOption() => new("--no-host-libs")
    {
        Description = "do not copy the shared libraries the program needs from the host (only what the manifest gives is in the image)",
    };

    private static Command TraceCommand()
    {
        var log = new Argument<string>("LOGFILE") { Description = "console output of a boot with -e \"--trace=PATTERN --trace-dump ...\"" };
        var output = new Option<string?>("--output", "-o") { Description = "the JSON file to write (default: LOGFILE with extension .json)", HelpName = "OUT.json" };
        var cmd = new Command("trace", "Convert the kernel's trace dump in a console log to Chrome Trace Event JSON (Perfetto UI, chrome://tracing)")
            { log, output };
        SetAction(cmd, p =>
        {
            string logFile = p.GetValue(log)!;
            string outFile = p.GetValue(output) ?? Path.ChangeExtension(logFile, ".json");
            Console.WriteLine(TraceConverter.ConvertFile(logFile, outFile));
            return 0;
        });
        return cmd;
    }

    private static Command TestCommand()
    {
        var filter = new Option<string?>("--filter") { Description = "run only tests whose name contains this" };
        var hostedOnly = new Option<bool>("--hosted-only") { Description = "only the hosted xunit tests" };
        var guestOnly = new Option<bool>("--guest-only") { Description = "only the tests that boot the kernel" };
        var cmd = new Command("test", "Run all tests; the last line is 'N passed, N failed'") { filter, hostedOnly, guestOnly };
        SetAction(cmd, p => TestRunner.RunAll(p.GetValue(filter), p.GetValue(hostedOnly), p.GetValue(guestOnly)));
        return cmd;
    }
}
