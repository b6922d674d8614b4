using System.Text.RegularExpressions;

namespace Nimbus.Cli;

// Libraries from the host (HostLibs): a program is given the shared libraries it needs without a
// manifest, found as ld.so would find them, and never libc's own.
public static class HostLibTests
{
    private static ProcessResult Nimbus(params string[] args) =>
        ProcessRunner.Run(Path.Combine(Repo.Root, "nimbus"), args, Repo.Root, TimeSpan.FromMinutes(5));

    // A program whose library lives in a folder only its RUNPATH names, and that library needs the
    // host's zlib: both must be found and put in the image, the program must run.
    private static string? RunpathAndTransitive()
    {
        string dir = Path.Combine(Repo.Out, "tests", "host-libs");
        string sub = Path.Combine(dir, "private");
        Directory.CreateDirectory(sub);
        File.WriteAllText(Path.Combine(dir, "hl.c"), "#include <zlib.h>\nconst char *hl_version(void) { return zlibVersion(); }\n");
        File.WriteAllText(Path.Combine(dir, "main.c"), "#include <stdio.h>\n#include <string.h>\nconst char *hl_version(void);\n" +
            "int main(void) { printf(\"zlib %s\\n\", strlen(hl_version()) > 2 ? \"found\" : \"odd\"); return 0; }\n");
        string lib = Path.Combine(sub, "libhl.so.1"), program = Path.Combine(dir, "uses_hl");
        var r = ProcessRunner.Run("gcc", ["-O2", "-fPIC", "-shared", "-Wl,-soname,libhl.so.1", "-o", lib, "hl.c", "-lz"], dir);
        if (r.ExitCode != 0) return "gcc (library): " + r.Output;
        r = ProcessRunner.Run("gcc", ["-O2", "-fPIE", "-pie", "-o", program, "main.c", lib, "-Wl,--enable-new-dtags,-rpath," + sub], dir);
        if (r.ExitCode != 0) return "gcc (program): " + r.Output;

        var closure = HostLibs.Closure(program, _ => null);
        string names = string.Join(' ', closure.Select(l => l.Name));
        if (names != "libhl.so.1 libz.so.1") return $"closure is '{names}', expected 'libhl.so.1 libz.so.1'";

        var run = Nimbus("run", "--verbose", program);
        var problems = new List<string>();
        if (run.ExitCode != 0) problems.Add($"exit status {run.ExitCode}, expected 0");
        if (run.Stdout != "zlib found\n") problems.Add($"stdout '{run.Stdout}'");
        foreach (var pattern in new[] { @"host library: /lib/x86_64-linux-gnu/libhl\.so\.1 \(from .*/private/libhl\.so\.1\)", @"host library: /(usr/)?lib/x86_64-linux-gnu/libz\.so\.1 " })
            if (!Regex.IsMatch(run.Stderr, pattern)) problems.Add($"--verbose does not show /{pattern}/");
        if (Regex.IsMatch(run.Stderr, @"host library: .*/(libc|libm|ld-linux)")) problems.Add("a library the kernel provides was copied");
        var off = Nimbus("run", "--no-host-libs", program);
        if (off.ExitCode == 0 || !off.Output.Contains("libhl.so.1")) problems.Add($"--no-host-libs: status {off.ExitCode}, expected a failure naming libhl.so.1");
        return problems.Count == 0 ? null : string.Join("\n", problems) + "\n--- output ---\n" + run.Output + off.Output;
    }

    // A library the manifest gives is not copied again from the host (nor does the copy clash).
    private static string? ManifestWins()
    {
        string dir = Path.Combine(Repo.Out, "tests", "host-libs-manifest");
        Directory.CreateDirectory(dir);
        string program = Path.Combine(dir, "uses_z");
        File.WriteAllText(Path.Combine(dir, "main.c"), "#include <stdio.h>\n#include <zlib.h>\nint main(void) { printf(\"%d\\n\", zlibVersion()[0] == ZLIB_VERSION[0]); return 0; }\n");
        var r = ProcessRunner.Run("gcc", ["-O2", "-fPIE", "-pie", "-o", program, "main.c", "-lz"], dir);
        if (r.ExitCode != 0) return "gcc: " + r.Output;
        File.WriteAllText(Path.Combine(dir, AppImage.ManifestName), "/usr/lib/libz.so.1: /usr/lib/x86_64-linux-gnu/libz.so.1\n");
        var lines = new List<string>();
        AppImage.Prepare(program, Ui.Silent, hostLibs: true, verboseLog: lines.Add);
        if (lines.Count != 0) return "copied although the manifest gives it: " + string.Join("; ", lines);
        var run = Nimbus("run", program);
        return run.ExitCode == 0 && run.Stdout == "1\n" ? null : $"exit status {run.ExitCode}\n{run.Output}";
    }

    public static IEnumerable<TestCase> All()
    {
        yield return new("cli.host_libs_runpath_and_transitive", RunpathAndTransitive);
        yield return new("cli.host_libs_manifest_wins", ManifestWins);
    }
}
