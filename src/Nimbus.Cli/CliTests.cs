using System.Text.RegularExpressions;

namespace Nimbus.Cli;

// Tests of the nimbus command itself, run as a separate process like a user would.
public static class CliTests
{
    private static ProcessResult Nimbus(params string[] args) =>
        ProcessRunner.Run(Path.Combine(Repo.Root, "nimbus"), args, Repo.Root, TimeSpan.FromMinutes(5));

    private static string? Expect(ProcessResult r, int status, params string[] patterns)
    {
        var problems = new List<string>();
        if (r.ExitCode != status) problems.Add($"exit status {r.ExitCode}, expected {status}");
        foreach (var p in patterns)
            if (!Regex.IsMatch(r.Output, p, RegexOptions.Multiline)) problems.Add($"output does not match /{p}/");
        return problems.Count == 0 ? null : string.Join("\n", problems) + "\n--- output ---\n" + r.Output.Trim();
    }

    public static IEnumerable<TestCase> All()
    {
        yield return new("cli.run_echo", () => Expect(Nimbus("run", "-e", "echo hello from nimbus"), 0, @"^hello from nimbus\r?$"));
        yield return new("cli.run_returns_guest_status", () => Expect(Nimbus("run", "-e", "exit 9", "--machine", "q35"), 9));
        yield return new("cli.run_bad_machine", () => Expect(Nimbus("run", "--machine", "pdp11"), 2, @"pdp11"));
        yield return new("cli.run_bad_memory", () => Expect(Nimbus("run", "--memory", "lots"), 2, @"bad --memory 'lots'"));
        yield return new("cli.unknown_subcommand", () => Expect(Nimbus("frobnicate"), 2, @"frobnicate"));
        yield return new("cli.verbose_shows_qemu", () => Expect(Nimbus("run", "-v", "-e", "exit"), 0, @"qemu-system-x86_64 .*-kernel .*nimbus\.elf"));
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
    }
}
