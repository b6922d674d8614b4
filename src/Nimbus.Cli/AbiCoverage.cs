using System.CommandLine;
using System.Text.RegularExpressions;

namespace Nimbus.Cli;

// How much of the host's software could load on Nimbus: the share of the PIEs in /usr/bin and
// /usr/sbin, and of the libraries in /usr/lib/x86_64-linux-gnu, whose glibc imports (undefined
// symbols versioned against libc, libm, libpthread, libdl, librt or ld-linux; weak ones may stay
// unbound) all resolve against the kernel's export table (the abi_ functions and Aliases.txt, as
// the build writes them into out/kernel/nimbus-app.kexports.S). Prints the imports missed most.
public static class AbiCoverage
{
    public sealed record Share(int Resolved, int Total)
    {
        public double Percent => Total == 0 ? 0 : 100.0 * Resolved / Total;
        public override string ToString() => $"{Resolved} of {Total} ({Percent:F1}%)";
    }

    public sealed record Report(Share Programs, Share Libraries, List<(string Name, int Programs)> MostMissed);

    private static Report? s_last;

    public static HashSet<string> KernelExports()
    {
        string table = Path.Combine(Repo.KernelOut, "nimbus-app.kexports.S");     // what programs boot
        if (!File.Exists(table)) throw new NimbusException($"{table} is missing: build the kernel first (./nimbus build)");
        return Regex.Matches(File.ReadAllText(table), "\\.asciz \"([^\"]+)\"").Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
    }

    // The glibc imports of a file the kernel would have to bind, or null when it is not a
    // dynamically linked ELF importing any.
    private static List<string>? GlibcImports(string path, bool pie)
    {
        var elf = ElfDynamic.TryRead(path);
        if (elf == null || !elf.IsDynamic || elf.Type != ElfDynamic.TypeDyn || elf.IsPie != pie) return null;
        var imports = elf.Imports.Where(i => i.VersionFile != null && HostLibs.ProvidedByKernel(i.VersionFile)).ToList();
        return imports.Count == 0 ? null : imports.Where(i => !i.Weak).Select(i => i.Name).Distinct().ToList();
    }

    // Regular files only, each once (/usr/sbin has links into /usr/bin).
    private static IEnumerable<string> Files(params string[] dirs)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dir in dirs.Where(Directory.Exists))
            foreach (var f in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
            {
                var info = new FileInfo(f);
                string real = info.LinkTarget != null ? (info.ResolveLinkTarget(true)?.FullName ?? f) : f;
                if (File.Exists(real) && seen.Add(real)) yield return real;
            }
    }

    public static Report Measure()
    {
        var exports = KernelExports();
        var missedBy = new Dictionary<string, int>(StringComparer.Ordinal);
        Share Count(IEnumerable<string> files, bool pie, bool tally)
        {
            int total = 0, resolved = 0;
            foreach (var f in files)
            {
                var imports = GlibcImports(f, pie);
                if (imports == null) continue;
                total++;
                var missing = imports.Where(n => !exports.Contains(n)).ToList();
                if (missing.Count == 0) resolved++;
                if (tally) foreach (var n in missing) missedBy[n] = missedBy.GetValueOrDefault(n) + 1;
            }
            return new Share(resolved, total);
        }
        var programs = Count(Files("/usr/bin", "/usr/sbin"), pie: true, tally: true);
        var libraries = Count(Files("/usr/lib/x86_64-linux-gnu"), pie: false, tally: false);
        var most = missedBy.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value)).ToList();
        return s_last = new Report(programs, libraries, most);
    }

    public static IEnumerable<string> Lines(Report r, int top)
    {
        yield return $"ABI coverage: /usr/bin+/usr/sbin PIEs whose glibc imports all resolve: {r.Programs}; /usr/lib/x86_64-linux-gnu libraries: {r.Libraries}";
        if (top > 0 && r.MostMissed.Count > 0)
            yield return "  most missed (programs needing it): " + string.Join(", ", r.MostMissed.Take(top).Select(m => $"{m.Name} {m.Programs}"));
    }

    public static IEnumerable<string> Summary() => s_last == null ? [] : Lines(s_last, 30);

    public static Command Command()
    {
        var top = new Option<int>("--top") { Description = "how many of the most missed imports to list", DefaultValueFactory = _ => 40 };
        var cmd = new Command("abi-coverage", "The share of the host's programs and libraries whose glibc imports Nimbus provides, and the imports missed most") { top };
        Program.SetAction(cmd, p =>
        {
            Program.BuildKernel(verbose: false, quiet: true);
            foreach (var line in Lines(Measure(), p.GetValue(top))) Console.WriteLine(line);
            return 0;
        });
        return cmd;
    }

    // The measurement must see the host's programs and count one Nimbus runs as resolved; the figure
    // is printed at the end of `nimbus test`.
    public static IEnumerable<TestCase> All()
    {
        yield return new("abi.coverage", () =>
        {
            var r = Measure();
            if (r.Programs.Total < 50) return $"only {r.Programs.Total} PIEs importing glibc found in /usr/bin and /usr/sbin";
            if (r.Libraries.Total < 20) return $"only {r.Libraries.Total} libraries importing glibc found in /usr/lib/x86_64-linux-gnu";
            var exports = KernelExports();
            var hello = AppImage.Prepare(Path.Combine(Repo.Root, "samples", "hello-c"), Ui.Silent).HostElf;
            var helloImports = GlibcImports(hello, pie: true);
            if (helloImports == null || helloImports.Count == 0 || !helloImports.All(exports.Contains))
                return $"samples/hello-c runs on Nimbus, but its glibc imports are counted as not all resolved: {string.Join(' ', helloImports ?? [])}";
            return null;
        });
    }
}
