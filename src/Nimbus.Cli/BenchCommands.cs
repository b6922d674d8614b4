using System.CommandLine;

namespace Nimbus.Cli;

// `nimbus bench boot|sched|app`: one subcommand per benchmark, each with its own options and help.
// Every one prints a table, or with --json exactly one JSON object on stdout (docs/benchmarks.md).
public static class BenchCommands
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks, each against a Linux guest peer measured in the same invocation (docs/benchmarks.md)")
        {
            Boot(), Sched(), App(),
        };
        return bench;
    }

    // The options every benchmark has.
    private sealed class Common
    {
        public readonly Option<int> Runs;
        public readonly Option<int> LinuxRuns = new("--linux-runs") { Description = "Linux guest runs", DefaultValueFactory = _ => 5 };
        public readonly Option<bool> NoLinux = new("--no-linux") { Description = "skip the Linux guest peer" };
        public readonly Option<bool> Json = new("--json") { Description = "print one JSON object on stdout instead of the table" };

        public Common(string runsHelp, int defaultRuns) =>
            Runs = new("--runs") { Description = runsHelp, DefaultValueFactory = _ => defaultRuns };

        public void AddTo(Command c)
        {
            c.Options.Add(Runs);
            c.Options.Add(LinuxRuns);
            c.Options.Add(NoLinux);
            c.Options.Add(Json);
        }
    }

    private static Command Boot()
    {
        var common = new Common("Nimbus boots per machine type", 10);
        var cmd = new Command("boot", "Boot time (guest-reported and whole-VM) on microvm and q35 against a Linux guest booting to the same command, and the smallest memory that boots");
        common.AddTo(cmd);
        common.LinuxRuns.Description = "Linux guest boots per machine type";
        Program.SetAction(cmd, p => Bench.Boot(p.GetValue(common.Runs), p.GetValue(common.LinuxRuns), p.GetValue(common.Json), !p.GetValue(common.NoLinux)));
        return cmd;
    }

    private static Command Sched()
    {
        var common = new Common("Nimbus runs (each: the kernel's bench-sched and the C program on Nimbus)", 5);
        var noNimbus = new Option<bool>("--no-nimbus") { Description = "measure only the Linux guest peer" };
        var cmd = new Command("sched", "Context switches, mutexes and thread creation (OSv paper, table 6), in the kernel and through libc, against the same C program in a Linux guest");
        common.AddTo(cmd);
        cmd.Options.Add(noNimbus);
        Program.SetAction(cmd, p => BenchSched.Run(p.GetValue(common.Runs), p.GetValue(common.LinuxRuns), p.GetValue(common.Json),
            !p.GetValue(common.NoLinux), !p.GetValue(noNimbus)));
        return cmd;
    }

    private static Command App()
    {
        var common = new Common("Nimbus runs", 5);
        var app = new Argument<string>("APP") { Description = "the program to measure, as for run: a folder with C sources, a .csproj or a Linux ELF executable" };
        var cmd = new Command("app", "Start-to-first-output and whole-VM time of a program on Nimbus and in a Linux guest, and the smallest memory it runs in") { app };
        common.AddTo(cmd);
        Program.SetAction(cmd, p => BenchApp.Run(p.GetValue(app)!, p.GetValue(common.Runs), p.GetValue(common.LinuxRuns), p.GetValue(common.Json), !p.GetValue(common.NoLinux)));
        return cmd;
    }
}
