using System;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Selftest;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Console;
using Nimbus.Kernel.Diagnostics;
using Nimbus.Kernel.Profiling;

namespace Nimbus.Kernel.Shell
{
    // Runs the boot command line, OSv style: leading --options, then one or more commands separated
    // by ';'. The exit status of the VM is that of the last command (or of `exit N`).
    internal static unsafe class KernelShell
    {
        public const int UsageError = 2;
        private const int MaxTokens = 128, MaxText = 4096;

        private static bool s_traceDump;

        public static string KnownCommands => "echo, exit, selftest, crash, meminfo, cpus, threads, sleep, date, bench-sched, help, /PATH/TO/PROGRAM [ARGS...]";
        public static string KnownOptions => "--bootchart, --env=NAME=VALUE, --allow-missing, --verbose, --trace=PATTERN, --trace-dump, --perf-stat=TRACEPOINTS, --profile[=HZ]";
        private const int MaxEnv = 64;
        private struct EnvTable { public fixed ulong Entries[MaxEnv]; }
        private static EnvTable s_env;
        private static int s_envCount;

        // Parses options; returns false (after printing why) on a bad command line.
        public static bool ParseOptions(ReadOnlySpan<byte> cmdline, out int status)
        {
            status = 0;
            byte* text = stackalloc byte[MaxText];
            Token* tokens = stackalloc Token[MaxTokens];
            if (!Tokenize(cmdline, text, tokens, out int count)) { status = UsageError; return false; }
            int i = 0;
            for (; i < count; i++)
            {
                var w = Word(text, tokens[i]);
                if (tokens[i].IsSeparator || !CommandLine.StartsWith(w, "--")) break;
                if (CommandLine.Equals(w, "--bootchart")) Time.StartChart.Enabled = true;
                else if (CommandLine.Equals(w, "--verbose")) Log.Verbose = true;
                else if (CommandLine.Equals(w, "--allow-missing")) Elf.ProgramLoader.AllowMissing = true;
                else if (CommandLine.StartsWith(w, "--env="))
                {
                    var assignment = w.Slice(6);
                    int equals = 0;
                    while (equals < assignment.Length && assignment[equals] != (byte)'=') equals++;
                    if (s_envCount == MaxEnv || equals == 0 || equals == assignment.Length)
                    {
                        Log.Line($"nimbus: bad option '{w}' (expected --env=NAME=VALUE, at most {MaxEnv})");
                        status = UsageError;
                        return false;
                    }
                    fixed (EnvTable* e = &s_env) e->Entries[s_envCount++] = (ulong)CString(assignment);
                }
                else if (CommandLine.StartsWith(w, "--trace=") || CommandLine.StartsWith(w, "--perf-stat="))
                {
                    bool record = CommandLine.StartsWith(w, "--trace=");
                    var patterns = w.Slice(record ? 8 : 12);
                    if (Trace.Enable(patterns, record) == 0)
                    {
                        Log.Line($"nimbus: no tracepoint matches '{patterns}'.");
                        var names = TracepointNames();
                        Log.Line(ref names);
                        status = UsageError;
                        return false;
                    }
                    if (!record) PerfStat.Start();
                }
                else if (CommandLine.Equals(w, "--trace-dump")) s_traceDump = true;
                else if (CommandLine.Equals(w, "--profile") || CommandLine.StartsWith(w, "--profile="))
                {
                    if (!ProfileReport.TryParseRate(w.Length > 10 ? w.Slice(10) : default, out long rate))
                    {
                        Log.Line($"nimbus: bad option '{w}' (expected --profile or --profile=HZ, HZ from 1 to 20000)");
                        status = UsageError;
                        return false;
                    }
                    if (!Sched.Profiler.Start(rate)) Log.Line($"nimbus: --profile: no memory for the sample buffers; not profiling");
                }
                else
                {
                    Log.Line($"nimbus: unknown option '{w}'. Known options: {KnownOptions}");
                    status = UsageError;
                    return false;
                }
            }
            // The first command a path: the boot runs an application.
            RunsProgram = i < count && !tokens[i].IsSeparator && tokens[i].Length > 0 && text[tokens[i].Offset] == (byte)'/';
            return true;
        }

        // Set by ParseOptions: whether the command line runs an application.
        public static bool RunsProgram;

        private static KernelText TracepointNames()
        {
            var t = new KernelText(0, 0);
            t.AppendLiteral("Tracepoints: ");
            for (int i = 0; i < Trace.Count; i++)
            {
                if (i > 0) t.AppendLiteral(", ");
                t.AppendLiteral(Trace.NameOf(i));
            }
            return t;
        }

        // Runs after the last command, before power-off.
        public static void BeforeExit()
        {
            PerfStat.Stop();
            ProfileReport.Report();
            if (s_traceDump) Trace.Dump(Time.Clock.TscHz, Time.Clock.BootTsc);
        }

        public static int Run(ReadOnlySpan<byte> cmdline)
        {
            byte* text = stackalloc byte[MaxText];
            Token* tokens = stackalloc Token[MaxTokens];
            if (!Tokenize(cmdline, text, tokens, out int count)) return UsageError;
            int i = 0;
            while (i < count && !tokens[i].IsSeparator && CommandLine.StartsWith(Word(text, tokens[i]), "--")) i++;
            int status = 0;
            bool any = false;
            while (i < count)
            {
                int start = i;
                while (i < count && !tokens[i].IsSeparator) i++;
                if (i > start)
                {
                    any = true;
                    status = RunOne(text, tokens + start, i - start, out bool stop);
                    if (stop) return status;
                }
                i++;   // skip ';'
            }
            if (!any)
            {
                Log.Line($"nimbus: no command given. Known commands: {KnownCommands}");
                return UsageError;
            }
            return status;
        }

        private static bool Tokenize(ReadOnlySpan<byte> cmdline, byte* text, Token* tokens, out int count)
        {
            var st = CommandLine.Parse(cmdline, new Span<byte>(text, MaxText), new Span<Token>(tokens, MaxTokens), out count);
            if (st == ParseStatus.Ok) return true;
            string why = st == ParseStatus.UnterminatedQuote ? "unterminated quote" : st == ParseStatus.TooManyTokens ? "too many words" : "too long";
            Log.Line($"nimbus: bad command line: {why}");
            return false;
        }

        private static ReadOnlySpan<byte> Word(byte* text, Token t) => new ReadOnlySpan<byte>(text + t.Offset, t.Length);

        private static byte* CString(ReadOnlySpan<byte> s)
        {
            byte* c = (byte*)KernelHeap.Alloc((ulong)s.Length + 1);
            for (int i = 0; i < s.Length; i++) c[i] = s[i];
            c[s.Length] = 0;
            return c;
        }

        // Runs an application: the words are its argv, --env options its environment.
        private static int RunProgram(byte* text, Token* args, int argc)
        {
            var argv = (byte**)KernelHeap.Alloc((ulong)(argc + 1) * 8);
            for (int i = 0; i < argc; i++) argv[i] = CString(Word(text, args[i]));
            argv[argc] = null;
            fixed (EnvTable* e = &s_env) return Elf.ProgramLoader.Run(argc, argv, s_envCount, (byte**)e->Entries);
        }

        private static int RunOne(byte* text, Token* args, int argc, out bool stop)
        {
            stop = false;
            var name = Word(text, args[0]);
            if (name.Length > 0 && name[0] == (byte)'/')
            {
                stop = true;
                return RunProgram(text, args, argc);
            }
            if (CommandLine.Equals(name, "echo"))
            {
                var line = new KernelText(0, 0);
                for (int i = 1; i < argc; i++)
                {
                    if (i > 1) line.AppendByte((byte)' ');
                    line.AppendFormatted(Word(text, args[i]));
                }
                Log.Line(ref line);
                return 0;
            }
            if (CommandLine.Equals(name, "exit"))
            {
                stop = true;
                if (argc == 1) return 0;
                if (argc > 2 || !CommandLine.TryParseInt(Word(text, args[1]), out long code) || code < 0 || code > 255)
                {
                    Log.Line("nimbus: usage: exit [STATUS 0-255]");
                    return UsageError;
                }
                return (int)code;
            }
            // The kernel image programs boot has no selftests, deliberate crashes or kernel benchmarks:
            // there `Included` is the constant false, so the compiler drops them (keep the test this direct).
            if (CommandLine.Equals(name, "selftest"))
                return Selftest.SelftestRunner.Included ? Selftest.SelftestRunner.Run(argc > 1 ? Word(text, args[1]) : default) : NotInThisImage(name);
            if (CommandLine.Equals(name, "crash"))
                return Selftest.SelftestRunner.Included ? Crash(argc > 1 ? Word(text, args[1]) : default) : NotInThisImage(name);
            if (CommandLine.Equals(name, "meminfo"))
            {
                Log.Line($"memory: {KernelMemory.TotalRamBytes / 1024} KiB RAM, {KernelMemory.Pages.FreePages * 4} KiB free, heap {KernelMemory.KernelHeap.BytesInUse} bytes in use");
                return 0;
            }
            if (CommandLine.Equals(name, "bench-sched"))
                return Selftest.SelftestRunner.Included ? Bench.SchedBench.Run() : NotInThisImage(name);
            if (CommandLine.Equals(name, "date"))
            {
                Log.Line($"date: {Time.Clock.WallNs() / 1_000_000_000} seconds since 1970-01-01 UTC");
                return 0;
            }
            if (CommandLine.Equals(name, "cpus"))
            {
                int online = 0;
                for (int i = 0; i < Arch.X64.PerCpu.Count; i++) if (System.Threading.Volatile.Read(ref Arch.X64.PerCpu.Get(i)->Online) != 0) online++;
                Log.Line($"cpus: {online} online");
                return 0;
            }
            if (CommandLine.Equals(name, "threads"))
            {
                Sched.Scheduler.PrintThreads();
                return 0;
            }
            if (CommandLine.Equals(name, "sleep"))
            {
                if (argc != 2 || !CommandLine.TryParseInt(Word(text, args[1]), out long ms) || ms < 0)
                {
                    Log.Line("nimbus: usage: sleep MILLISECONDS");
                    stop = true;
                    return UsageError;
                }
                Sched.Scheduler.SleepNs((ulong)ms * 1_000_000);
                return 0;
            }
            if (CommandLine.Equals(name, "help"))
            {
                Log.Line($"commands: {KnownCommands}");
                Log.Line($"options: {KnownOptions}");
                Log.Line("  /PROGRAM ARGS...   run an application from the boot archive (its exit powers off)");
                Log.Line("  echo WORDS...      print the words");
                Log.Line("  exit [N]           power off with status N");
                Log.Line("  selftest [FILTER]  run the in-kernel tests (status = failures)");
                Log.Line("  crash KIND         deliberate fault: null, ud, div, gp, stack, thread-stack, panic, oom");
                Log.Line("  meminfo            memory statistics");
                Log.Line("  cpus               how many CPUs are online");
                Log.Line("  date               wall clock (CMOS RTC at boot + monotonic time)");
                Log.Line("  threads            list the kernel's threads");
                Log.Line("  sleep MS           sleep for MS milliseconds");
                Log.Line("  bench-sched        scheduling and mutex micro-benchmarks (see nimbus bench sched)");
                Log.Line("  --trace=PATTERN    record matching tracepoints ('*' wildcard, ',' list); --trace-dump prints them at exit");
                Log.Line("  --perf-stat=LIST   print per-second counts of the listed tracepoints");
                Log.Line("  --profile[=HZ]     sample where each CPU runs HZ times a second (default 1000); print the busiest functions at exit");
                return 0;
            }
            Log.Line($"nimbus: unknown command '{name}'. Known commands: {KnownCommands}");
            stop = true;
            return UsageError;
        }

        // Deliberate faults, so tests can check the panic path end to end.
        private static int NotInThisImage(ReadOnlySpan<byte> command)
        {
            Log.Line($"nimbus: {command}: not in this kernel image (the one `nimbus run -e` boots has it)");
            return UsageError;
        }

        private static int Crash(ReadOnlySpan<byte> kind)
        {
            if (CommandLine.Equals(kind, "null")) return *(int*)Crashers.NullPointer();
            if (CommandLine.Equals(kind, "ud")) { Cpu.InvalidOpcode(); return 0; }
            if (CommandLine.Equals(kind, "div")) return Crashers.Divide(1, Crashers.Zero());
            if (CommandLine.Equals(kind, "gp")) { *(ulong*)0x8000000000000000UL = 1; return 0; }
            if (CommandLine.Equals(kind, "stack")) return Crashers.Recurse(1);
            if (CommandLine.Equals(kind, "thread-stack"))
            {
                var t = Sched.Scheduler.Spawn(&Crashers.RecurseInThread, null, "overflower");
                Sched.Scheduler.Join(t);
                return 0;
            }
            if (CommandLine.Equals(kind, "panic")) { Panic.Fail("deliberate panic (crash panic)"); return 0; }
            if (CommandLine.Equals(kind, "oom")) { while (true) KernelHeap.Alloc(64 << 20); }
            Log.Line("nimbus: usage: crash null|ud|div|gp|stack|thread-stack|panic|oom");
            return UsageError;
        }
    }
}
