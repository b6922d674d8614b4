using System.Text.Json;
using System.Text.RegularExpressions;

namespace Nimbus.Cli;

// Tests of the nimbus command itself, run as a separate process like a user would.
public static class CliTests
{
    private static ProcessResult Nimbus(params string[] args) =>
        ProcessRunner.Run(Path.Combine(Repo.Root, "nimbus"), args, Repo.Root, TimeSpan.FromMinutes(5));

    // A failure as the user must see it: one line "nimbus: ..." on stderr, the status, no stack trace.
    // progress: lines that report progress may come before it.
    private static string? OneLineFailure(ProcessResult r, int status, string pattern, bool progress = false)
    {
        var problems = new List<string>();
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (r.ExitCode != status) problems.Add($"exit status {r.ExitCode}, expected {status}");
        if (lines.Length == 0) problems.Add("nothing on stderr");
        else if (!progress && lines.Length != 1) problems.Add($"{lines.Length} lines on stderr, expected 1");
        else if (!lines[^1].StartsWith("nimbus: ", StringComparison.Ordinal) || lines.Count(l => l.StartsWith("nimbus: ", StringComparison.Ordinal)) != 1)
            problems.Add("not exactly one line, the last, starting with 'nimbus: '");
        if (!Regex.IsMatch(r.Stderr, pattern)) problems.Add($"stderr does not match /{pattern}/");
        if (Regex.IsMatch(r.Stderr, @"^\s+at \S+\(", RegexOptions.Multiline)) problems.Add("a stack trace");
        return problems.Count == 0 ? null : string.Join("\n", problems) + "\n--- stderr ---\n" + r.Stderr.Trim();
    }

    // The Linux guest harness when its packages cannot be fetched: apt-get and apt-cache that fail,
    // and an empty cache so that nothing is there already.
    private static string? HarnessFailure() => InTempDir(dir =>
    {
        string bin = Path.Combine(dir, "bin");
        Directory.CreateDirectory(bin);
        foreach (var tool in new[] { "apt-get", "apt-cache" })
        {
            string path = Path.Combine(bin, tool);
            File.WriteAllText(path, "#!/bin/sh\necho 'E: no package source here (nimbus test)' >&2\nexit 100\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var env = new Dictionary<string, string>
        {
            ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["NIMBUS_CACHE"] = Path.Combine(dir, "cache"),
        };
        var r = ProcessRunner.Run(Path.Combine(Repo.Root, "nimbus"), ["bench", "boot", "--runs", "1", "--linux-runs", "1"], Repo.Root,
            TimeSpan.FromMinutes(5), environment: env);
        return OneLineFailure(r, 1, @"(Linux guest|apt-get|apt-cache).*no package source here", progress: true);
    });

    // LZ4 legacy frames as the kernel's bzImage carries them: a real file, compressed block by block
    // with K4os.Compression.LZ4, framed, wrapped in a minimal bzImage header and decoded by LinuxGuest.
    private static string? Lz4LegacyRoundTrip()
    {
        byte[] file = File.ReadAllBytes(Repo.KernelElf);
        byte[] data = [.. file, .. file];
        var blocks = data.Chunk(1 << 20).Select(chunk =>            // the kernel's blocks are 8 MiB; the frame allows any size
        {
            var target = new byte[K4os.Compression.LZ4.LZ4Codec.MaximumOutputSize(chunk.Length)];
            return target[..K4os.Compression.LZ4.LZ4Codec.Encode(chunk, target)];
        }).ToList();
        byte[] Frame(IEnumerable<byte[]> bs) =>
            [.. BitConverter.GetBytes(Lz4Legacy.Magic), .. bs.SelectMany(b => BitConverter.GetBytes(b.Length).Concat(b))];
        byte[] BzImage(byte[] frame)
        {
            var image = new byte[1024];                         // boot sector + 1 setup sector; the payload follows
            image[0x1F1] = 1;
            BitConverter.GetBytes(0x53726448u).CopyTo(image, 0x202);     // "HdrS"
            BitConverter.GetBytes((ushort)0x20F).CopyTo(image, 0x206);   // boot protocol 2.15
            BitConverter.GetBytes(0u).CopyTo(image, 0x248);              // payload_offset
            BitConverter.GetBytes(frame.Length + 4).CopyTo(image, 0x24C); // payload_length (+ the size word)
            return [.. image, .. frame, .. BitConverter.GetBytes(data.Length)];
        }
        if (blocks.Count < 2) return $"{data.Length} bytes made {blocks.Count} block";
        if (!LinuxGuest.DecompressBzImage(BzImage(Frame(blocks)), "test").AsSpan().SequenceEqual(data)) return "the decoded payload differs";
        string? Rejects(byte[] frame, string pattern)
        {
            try { LinuxGuest.DecompressBzImage(BzImage(frame), "test"); return $"a bad frame was accepted (/{pattern}/)"; }
            catch (NimbusException e) { return Regex.IsMatch(e.Message, pattern) ? null : $"message does not match /{pattern}/: {e.Message}"; }
        }
        var corrupt = blocks.Select(b => b.ToArray()).ToList();
        corrupt[0][^1] ^= 0xFF;                                 // the last sequence's literal count no longer fits
        return Rejects(Frame(blocks.Take(blocks.Count - 1)), @"corrupt LZ4 payload: decoded \d+ bytes, expected \d+")
            ?? Rejects(Frame(corrupt.Take(1)).Concat(new byte[3]).ToArray(), @"corrupt LZ4 payload")
            ?? Rejects(Frame(blocks.Select((b, i) => i == 0 ? b[..^40] : b)), @"corrupt LZ4 payload");
    }

    private static string? Expect(ProcessResult r, int status, params string[] patterns)
    {
        var problems = new List<string>();
        if (r.ExitCode != status) problems.Add($"exit status {r.ExitCode}, expected {status}");
        foreach (var p in patterns)
            if (!Regex.IsMatch(r.Output, p, RegexOptions.Multiline)) problems.Add($"output does not match /{p}/");
        return problems.Count == 0 ? null : string.Join("\n", problems) + "\n--- output ---\n" + r.Output.Trim();
    }

    // Runs test with a fresh temporary folder, removed afterwards.
    private static string? InTempDir(Func<string, string?> test)
    {
        var dir = Directory.CreateTempSubdirectory("nimbus-cli-test-");
        try { return test(dir.FullName); }
        finally { dir.Delete(recursive: true); }
    }

    // A small console log: trace lines among other output, some with "\r\n". With tsc_hz=1e9 and
    // boot_tsc=0 one TSC tick is 1 ns: main runs 1-2 us, thread 3 2-3 us, idle 3-5 us.
    private const string SampleTraceLog =
        "Booted in 1.000 ms\r\n" +
        "nimbus-trace-thread 1 main\n" +
        "nimbus-trace-begin tsc_hz=1000000000 boot_tsc=0 records=5 lost=0\r\n" +
        "nimbus-trace-point 0 sched_switch\r\n" +
        "nimbus-trace-point 1 sched_idle\n" +
        "nimbus-trace-point 2 sched_wake\n" +
        "nimbus-trace 3e8 2 0 1 3 0\n" +
        "nimbus-trace 7d0 0 0 3 1 3\r\n" +
        "output of the program, interleaved\n" +
        "nimbus-trace bb8 0 0 2 3 2\n" +
        "nimbus-trace c1c 1 0 2 0 0\n" +
        "nimbus-trace 1388 0 0 1 2 1\n" +
        "nimbus-trace-end\r\n" +
        "selftest: 1 passed, 0 failed\n";

    // `nimbus trace` on SampleTraceLog with its lines changed by edit; expects failure with a message.
    private static string? TraceRejects(Func<string, string> edit, params string[] patterns) => InTempDir(dir =>
    {
        string log = Path.Combine(dir, "boot.log");
        File.WriteAllText(log, edit(SampleTraceLog));
        var fail = Expect(Nimbus("trace", log), 1, patterns);
        if (fail != null) return fail;
        return File.Exists(Path.Combine(dir, "boot.json")) ? "a JSON file was written anyway" : null;
    });

    // Checks the structure Perfetto and chrome://tracing need; returns the events or a failure.
    private static (List<JsonElement> Events, string? Failure) ReadChromeTrace(string path)
    {
        if (!File.Exists(path)) return ([], $"{path} was not written");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("traceEvents", out var list) || list.ValueKind != JsonValueKind.Array)
            return ([], "no traceEvents array in a top-level object");
        if (!root.TryGetProperty("displayTimeUnit", out var unit) || unit.GetString() != "ns") return ([], "displayTimeUnit is not \"ns\"");
        var events = list.EnumerateArray().Select(e => e.Clone()).ToList();
        foreach (var e in events)
        {
            string ph = e.TryGetProperty("ph", out var p) ? p.GetString() ?? "" : "";
            if (!e.TryGetProperty("name", out _) || !e.TryGetProperty("pid", out _) || ph is not ("M" or "X" or "i")
                || (ph != "M" && (!e.TryGetProperty("ts", out var ts) || ts.ValueKind != JsonValueKind.Number || !e.TryGetProperty("tid", out _)))
                || (ph == "X" && (!e.TryGetProperty("dur", out var dur) || dur.GetDouble() < 0))
                || (ph == "i" && (e.GetProperty("s").GetString() != "t" || !e.GetProperty("args").TryGetProperty("a", out _))))
                return ([], $"malformed event {e.GetRawText()}");
        }
        if (!events.Any(e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("name").GetString() == "thread_name"))
            return ([], "no thread_name metadata");
        return (events, null);
    }

    private static string Describe(JsonElement e) =>
        $"{e.GetProperty("name").GetString()}@{e.GetProperty("ts").GetDouble()}+{e.GetProperty("dur").GetDouble()}";

    // A well-formed bench-sched console: every metric once, with \r\n as on a serial console.
    private const string SampleSchedOutput =
        "Booted in 1.000 ms\r\n" +
        "sched-bench: ctxsw_colocated_ns 120\r\n" +
        "sched-bench: ctxsw_apart_ns 450.5\r\n" +
        "sched-bench: mutex_uncontended_ns 9.25\r\n" +
        "sched-bench: mutex_contended_2_ops_per_s 3000000\r\n" +
        "sched-bench: mutex_contended_4_ops_per_s 2500000.5\r\n" +
        "sched-bench: thread_create_join_us 12.3\r\n";

    // BenchSched.ParseMetrics must reject the output; returns null if it does with a message matching pattern.
    private static string? SchedParseRejects(string output, string pattern)
    {
        try { BenchSched.ParseMetrics(output, "sample"); }
        catch (NimbusException e) { return Regex.IsMatch(e.Message, pattern) ? null : $"message does not match /{pattern}/:\n{e.Message}"; }
        return "accepted";
    }

    public static IEnumerable<TestCase> All()
    {
        // The Linux peer of `bench sched`, natively with tiny loops: compiles, all six metrics positive, exit 0.
        yield return new("cli.bench_sched_peer_quick", () =>
        {
            string binary = BenchSched.CompilePeer(_ => { });
            var r = ProcessRunner.Run(binary, ["--quick"], Repo.Root, TimeSpan.FromSeconds(60));
            if (Environment.ProcessorCount < 2)
                return Expect(r, 1, @"needs 2");
            var fail = Expect(r, 0);
            if (fail != null) return fail;
            try { BenchSched.ParseMetrics(r.Stdout, "sched_bench --quick"); }
            catch (NimbusException e) { return e.Message; }
            int lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            return lines == BenchSched.Metrics.Length ? null : $"{lines} lines on stdout, expected {BenchSched.Metrics.Length}:\n{r.Output}";
        });
        yield return new("cli.bench_sched_parse", () =>
        {
            var values = BenchSched.ParseMetrics(SampleSchedOutput, "sample");
            if (values.Count != 6 || values["ctxsw_apart_ns"] != 450.5 || values["mutex_contended_4_ops_per_s"] != 2500000.5)
                return "parsed: " + string.Join(", ", values.Select(kv => $"{kv.Key}={kv.Value}"));
            return SchedParseRejects(SampleSchedOutput.Replace("sched-bench: ctxsw_apart_ns 450.5\r\n", ""), @"no line 'sched-bench: ctxsw_apart_ns VALUE'")
                ?? SchedParseRejects(SampleSchedOutput.Replace("ctxsw_apart_ns 450.5", "ctxsw_apart_ns skipped (one CPU)"), @"ctxsw_apart_ns has the value 'skipped \(one CPU\)'")
                ?? SchedParseRejects(SampleSchedOutput.Replace("9.25", "-1"), @"mutex_uncontended_ns has the value '-1'")
                ?? SchedParseRejects(SampleSchedOutput + "sched-bench: thread_create_join_us 1\n", @"thread_create_join_us is reported twice");
        });
        yield return new("cli.bench_sched_bad_options", () =>
            Expect(Nimbus("bench", "sched", "--no-nimbus", "--json"), 2, @"--json needs the Nimbus side")
            ?? Expect(Nimbus("bench", "boot", "--no-nimbus"), 2, @"Unrecognized command or argument '--no-nimbus' \(see 'nimbus bench boot --help'\)")
            ?? Expect(Nimbus("bench", "sched", "--runs", "0"), 2, @"--runs must be at least 1"));
        yield return new("cli.image_build_and_run", () => InTempDir(dir =>
        {
            string image = Path.Combine(dir, "hello.img");
            var built = Nimbus("build", "samples/hello-c", "-o", image, "--", "baked");
            if (built.ExitCode != 0) return $"build failed:\n{built.Output}";
            return Expect(Nimbus("run", image), 0, @"got 1 argument", @"argv\[1\] = ""baked""")
                ?? Expect(Nimbus("run", image, "--", "fail"), 3, @"argv\[1\] = ""fail""");
        }));
        yield return new("cli.image_corrupt", () => InTempDir(dir =>
        {
            string image = Path.Combine(dir, "broken.img");
            File.WriteAllText(image, "NIMBUS-IMAGE 1\n{\"Kernel\": 999999, \"Archive\": 5, \"CommandLine\": \"/app/x\", \"Program\": \"/app/x\"}\nshort");
            return Expect(Nimbus("run", image), 1, @"corrupt image");
        }));
        yield return new("cli.run_missing_app", () => Expect(Nimbus("run", "no/such/app"), 2, @"no/such/app: no such file or folder"));
        // Each kind of failure a user meets: one line, a non-zero status, no stack trace.
        yield return new("cli.fail_bad_command_line", () => OneLineFailure(Nimbus("test", "--frob"), 2, @"Unrecognized command or argument '--frob' \(see 'nimbus test --help'\)")
            ?? OneLineFailure(Nimbus("run", "--cpus", "many"), 2, @"'many'.*\(see 'nimbus run --help'\)")
            ?? OneLineFailure(Nimbus("frobnicate"), 2, @"'frobnicate'"));
        yield return new("cli.fail_missing_app", () => OneLineFailure(Nimbus("run", "no/such/app"), 2, @"no/such/app: no such file or folder")
            ?? OneLineFailure(Nimbus("bench", "app", "no/such/app", "--no-linux"), 2, @"no/such/app: no such file or folder")
            ?? OneLineFailure(Nimbus("trace", "no/such.log"), 1, @"cannot read no/such\.log"));
        yield return new("cli.fail_corrupt_image", () => InTempDir(dir =>
        {
            string image = Path.Combine(dir, "broken.img");
            File.WriteAllText(image, "NIMBUS-IMAGE 1\n{\"Kernel\": 999999, \"Archive\": 5, \"CommandLine\": \"/app/x\", \"Program\": \"/app/x\"}\nshort");
            var sizes = OneLineFailure(Nimbus("run", image), 1, @"broken\.img: corrupt image");
            File.WriteAllText(image, "NIMBUS-IMAGE 1\n{not json\n");
            return sizes ?? OneLineFailure(Nimbus("run", image), 1, @"broken\.img: corrupt image header");
        }));
        yield return new("cli.fail_bad_memory", () => OneLineFailure(Nimbus("run", "--memory", "lots"), 2, @"bad --memory 'lots'")
            ?? OneLineFailure(Nimbus("run", "--memory", "0"), 2, @"bad --memory '0'"));
        yield return new("cli.fail_unknown_bench", () => OneLineFailure(Nimbus("bench", "frob"), 2, @"Unrecognized command or argument 'frob' \(see 'nimbus bench --help'\)")
            ?? OneLineFailure(Nimbus("bench"), 2, @"Required command was not provided"));
        yield return new("cli.fail_linux_guest_harness", HarnessFailure);
        // An exception nimbus does not expect: one line naming it and pointing at --verbose, which adds the trace.
        yield return new("cli.fail_unexpected_exception", () =>
        {
            Exception boom;
            try { throw new InvalidOperationException("boom\nsecond line"); }
            catch (InvalidOperationException e) { boom = e; }
            var quiet = new StringWriter();
            var verbose = new StringWriter();
            int status = Program.Report(boom, quiet, verbose: false), verboseStatus = Program.Report(boom, verbose, verbose: true);
            if (status != Program.InternalError || verboseStatus != Program.InternalError) return $"status {status}, {verboseStatus}";
            if (quiet.ToString() != "nimbus: internal error: InvalidOperationException: boom (run with --verbose for details)\n") return $"reported: {quiet}";
            return verbose.ToString().StartsWith("nimbus: internal error: InvalidOperationException: boom\n") && verbose.ToString().Contains("   at ")
                ? null : $"with --verbose: {verbose}";
        });
        yield return new("cli.bench_has_subcommands", () =>
            Expect(Nimbus("bench", "--help"), 0, @"^\s+boot\s", @"^\s+sched\s", @"^\s+app <APP>\s")
            ?? Expect(Nimbus("bench", "sched", "--help"), 0, @"--no-nimbus", @"--linux-runs")
            ?? Expect(Nimbus("bench", "app", "--help"), 0, @"Usage:\s+nimbus bench app <APP> \[options\]"));
        yield return new("cli.lz4_legacy_frame", Lz4LegacyRoundTrip);
        yield return new("cli.glibc_version_check", () =>
            HostGlibc.Describe("2.36", "2.36") is string same ? $"equal versions reported: {same}"
            : HostGlibc.Describe("2.39", "2.36") is not string m || !m.Contains("glibc 2.39") || !m.Contains("glibc 2.36") ? "the message must name both versions"
            : null);
        yield return new("cli.run_echo", () => Expect(Nimbus("run", "-e", "echo hello from nimbus"), 0, @"^hello from nimbus\r?$"));
        // --kernel-options also applies to an --exec command line; program-only options need a program.
        yield return new("cli.run_kernel_options_with_exec", () =>
            Expect(Nimbus("run", "--kernel-options", "--bootchart", "-e", "echo with options"), 0, @"^with options\r?$", @"Booted in")
            ?? Expect(Nimbus("run", "--allow-missing", "-e", "echo x"), 2, @"need a program \(APP\)"));
        // A program's --bootchart goes on past boot to main(), on its stderr, before its output.
        yield return new("cli.run_bootchart_through_main", () =>
            Expect(Nimbus("run", "samples/hello-c", "--kernel-options", "--bootchart"), 0, @"^bootchart:", @"boot archive, devices\s+\d+\.\d{3} ms",
                @"program: relocated, symbols bound\s+\d+\.\d{3} ms", @"program: initialisers \(main\(\) next\)\s+\d+\.\d{3} ms  \(at \d+\.\d{3} ms\)", @"^Hello from Nimbus!"));
        yield return new("cli.run_returns_guest_status", () => Expect(Nimbus("run", "-e", "exit 9", "--machine", "q35"), 9));
        yield return new("cli.run_bad_machine", () => Expect(Nimbus("run", "--machine", "pdp11"), 2, @"pdp11"));
        yield return new("cli.run_bad_memory", () => Expect(Nimbus("run", "--memory", "lots"), 2, @"bad --memory 'lots'"));
        yield return new("cli.unknown_subcommand", () => Expect(Nimbus("frobnicate"), 2, @"frobnicate"));
        yield return new("cli.verbose_shows_qemu", () => Expect(Nimbus("run", "-v", "-e", "exit"), 0, @"qemu-system-x86_64 .*-kernel .*nimbus\.elf"));
        yield return new("cli.run_trace_out", () => InTempDir(dir =>
        {
            string json = Path.Combine(dir, "sched.json");
            var r = Nimbus("run", "-e", "--trace=sched* --trace-dump selftest sched.sleep_accuracy", "--trace-out", json);
            var fail = Expect(r, 0, @"^PASS sched\.sleep_accuracy", @"^nimbus-trace-end\r?$", @"^trace: \d+ records .* -> .*sched\.json$");
            if (fail != null) return fail;
            var (events, failure) = ReadChromeTrace(json);
            if (failure != null) return failure;
            if (!events.Any(e => e.GetProperty("ph").GetString() == "i" && e.GetProperty("name").GetString() == "sched_switch"))
                return "no sched_switch instant events";
            if (!events.Any(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("dur").GetDouble() > 0))
                return "no complete slice with a duration";
            return null;
        }));
        yield return new("cli.run_trace_out_without_trace_dump", () => InTempDir(dir =>
        {
            string json = Path.Combine(dir, "none.json");
            var fail = Expect(Nimbus("run", "-e", "echo no tracing here", "--trace-out", json), 1,
                @"^no tracing here\r?$", @"--trace-out: .*no trace block.*--trace=PATTERN --trace-dump");
            return fail ?? (File.Exists(json) ? "a JSON file was written anyway" : null);
        }));
        yield return new("cli.trace_converts_log", () => InTempDir(dir =>
        {
            string log = Path.Combine(dir, "boot.log");
            File.WriteAllText(log, SampleTraceLog);
            var fail = Expect(Nimbus("trace", log), 0, @"^5 records of 3 tracepoints \(3 registered\), spanning 0\.004 ms, 3 thread slices -> .*boot\.json$");
            if (fail != null) return fail;
            var (events, failure) = ReadChromeTrace(Path.Combine(dir, "boot.json"));
            if (failure != null) return failure;
            string slices = string.Join(", ", events.Where(e => e.GetProperty("ph").GetString() == "X").Select(Describe));
            if (slices != "main@1+1, thread 3@2+1, idle@3+2") return $"slices: {slices}";
            var instants = events.Where(e => e.GetProperty("ph").GetString() == "i").ToList();
            if (instants.Count != 5) return $"{instants.Count} instant events, expected 5";
            var sw = instants[1];
            if (sw.GetProperty("name").GetString() != "sched_switch" || sw.GetProperty("ts").GetDouble() != 2
                || sw.GetProperty("args").GetProperty("a").GetString() != "0x1" || sw.GetProperty("args").GetProperty("b").GetString() != "0x3")
                return $"second instant: {sw.GetRawText()}";
            return null;
        }));
        yield return new("cli.trace_truncated_log", () => TraceRejects(log => log[..log.IndexOf("nimbus-trace 1388")],
            @"boot\.log:3: the trace block begun here has no nimbus-trace-end"));
        yield return new("cli.trace_missing_begin", () => TraceRejects(log => log.Replace("nimbus-trace-begin", "nimbus-trace-begun"),
            @"boot\.log:4: tracepoint declaration outside a nimbus-trace-begin/-end block \(missing begin\?\)"));
        yield return new("cli.trace_malformed_record", () => TraceRejects(log => log.Replace("nimbus-trace bb8 0 0 2 3 2", "nimbus-trace bb8 0 0 2 3zz 2"),
            @"boot\.log:10: malformed trace record .*'nimbus-trace bb8 0 0 2 3zz 2'"));
        yield return new("cli.trace_lost_record", () => TraceRejects(log => log.Replace("nimbus-trace c1c 1 0 2 0 0\n", ""),
            @"boot\.log:12: the trace header \(line 3\) announces 5 records but the block holds 4"));
        yield return new("cli.trace_unknown_tracepoint", () => TraceRejects(log => log.Replace("nimbus-trace c1c 1 0", "nimbus-trace c1c 9 0"),
            @"boot\.log:11: record of tracepoint 9, which no nimbus-trace-point line declares"));
        yield return new("cli.trace_no_trace_block", () => TraceRejects(_ => "Booted in 1.000 ms\nhello\n",
            @"boot\.log: no trace block \(no nimbus-trace-begin line in 2 lines\); boot with -e ""--trace=PATTERN --trace-dump"));
        yield return new("cli.build_is_incremental", () =>
        {
            var before = File.GetLastWriteTimeUtc(Repo.KernelElf);
            var r = Nimbus("build");
            var fail = Expect(r, 0, @"kernel up to date");
            if (fail != null) return fail;
            return File.GetLastWriteTimeUtc(Repo.KernelElf) == before ? null : "an unchanged build relinked the kernel";
        });
        yield return new("cli.kernel_has_dwarf_and_pvh_note", () =>
        {
            var r = ProcessRunner.Run("readelf", ["-S", "-n", Repo.KernelElf]);
            var fail = Expect(r, 0, @"\.debug_info", @"\.debug_line", @"Xen\s+0x00000004\s+.*(0x12|Unknown note type: \(0x00000012\)|PHYS32_ENTRY)");
            return fail;
        });
        yield return new("cli.abi_doc_matches_exports", () =>
            AbiDoc.Problems(Path.Combine(Repo.Root, "docs", "abi.md"), Path.Combine(Repo.KernelOut, "nimbus-app.kexports.S")));
        // Programs boot the kernel without selftests and kernel benchmarks: none of their code is in
        // it, all of it in the other.
        yield return new("cli.app_kernel_has_no_selftests", () =>
        {
            string Tests(string elf) => string.Join('\n', ProcessRunner.Run("nm", [elf]).Stdout.Split('\n')
                .Where(l => l.Contains("Nimbus_Kernel_Selftest_") || l.Contains("Nimbus_Kernel_Bench_")));
            string full = Tests(Repo.KernelElf), app = Tests(Repo.AppKernelElf);
            if (!full.Contains("SyncTests__MutexExclusion") || !full.Contains("SelftestRunner__Run") || !full.Contains("SchedBench__Run"))
                return "nimbus.elf lacks the selftests or bench-sched";
            return app.Length == 0 ? null : "nimbus-app.elf holds selftest code:\n" + string.Join('\n', app.Split('\n').Take(5));
        });
    }
}
