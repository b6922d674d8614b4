using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Nimbus.Cli;

// Builds musl's libc-test (functional, regression and math suites; ../shared/libc-test next to the
// checkout, never modified) with the host gcc as glibc-linked PIEs: the upstream Makefile's flags,
// its glibc settings from config.mak.def, plus -fPIE -pie. Each test's `.mk` file adds its own flags
// and names its `_dso` companion libraries. The build is kept under out/libc-test/HASH, HASH covering
// the sources, the flags and the compiler, so it is done once.
public static class LibcTestBuild
{
    public static readonly string[] Suites = ["functional", "regression", "math"];

    public sealed record Test(string Name, string Exe, List<string> Dsos);    // Name: "functional/argv"; Dsos: "src/functional/x_dso.so"

    public sealed record Result(string Dir, List<Test> Tests, SortedDictionary<string, string> BuildErrors);

    private static readonly string[] CFlags =
    [
        "-pipe", "-std=c99", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Wno-unused-function", "-Wno-missing-braces", "-Wno-unused", "-Wno-overflow",
        "-Wno-unknown-pragmas", "-fno-builtin", "-frounding-math",
        "-Werror=implicit-function-declaration", "-Werror=implicit-int", "-Werror=pointer-sign", "-Werror=pointer-arith",
        "-g", "-D_FILE_OFFSET_BITS=64",                       // config.mak.def, with its glibc settings
        "-fPIE",
    ];
    private static readonly string[] LdFlags = ["-g", "-pie"];
    private static readonly string[] LdLibs = ["-lpthread", "-lm", "-lrt", "-lcrypt", "-ldl", "-lresolv", "-lutil", "-lpthread"];

    // The suite's checkout: CI reads it from ../shared/libc-test relative to the repository root.
    public static string Source => Path.GetFullPath(Path.Combine(Repo.Root, "..", "shared", "libc-test"));

    private static readonly Lazy<Result> s_result = new(() => BuildAll(Program.Info), LazyThreadSafetyMode.ExecutionAndPublication);

    public static Result Get() => s_result.Value;

    private static Result BuildAll(Action<string> log)
    {
        string src = Path.Combine(Source, "src");
        if (!Directory.Exists(src))
            throw new NimbusException($"musl's libc-test is not at {Source} (expected next to the checkout, as ../shared/libc-test)");
        string gcc = ProcessRunner.Run("gcc", ["--version"]).Stdout.Split('\n')[0];
        string final = Path.Combine(Repo.Out, "libc-test", Hash(src, gcc));
        if (File.Exists(Path.Combine(final, "build.json")) && JsonSerializer.Deserialize<Result>(File.ReadAllText(Path.Combine(final, "build.json"))) is Result cached)
            return cached with { Dir = final };
        // Built in a folder of its own, then renamed: another nimbus building at the same time never
        // sees (or deletes) half a build.
        string dir = $"{final}.{Environment.ProcessId}.tmp";
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        log($"libc-test: building the tests with gcc into {Path.GetRelativePath(Repo.Root, final)} (once)");
        foreach (var d in Suites.Append("common")) Directory.CreateDirectory(Path.Combine(dir, "src", d));
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) };

        // src/common: options.h (what the Makefile's awk makes of the preprocessed options.h.in), libtest.a.
        var pre = Gcc(dir, ["-E", "-x", "c", Path.Combine(src, "common", "options.h.in")]);
        if (pre.ExitCode != 0) throw new NimbusException($"libc-test: options.h: {pre.Output.Trim()}");
        File.WriteAllText(Path.Combine(dir, "src", "common", "options.h"), OptionsHeader(pre.Stdout));
        var common = Directory.GetFiles(Path.Combine(src, "common"), "*.c").Where(f => Path.GetFileName(f) != "runtest.c").Order(StringComparer.Ordinal).ToList();
        var commonObjs = new string[common.Count];
        Parallel.For(0, common.Count, parallel, i =>
        {
            commonObjs[i] = Path.Combine(dir, "src", "common", Path.GetFileNameWithoutExtension(common[i]) + ".o");
            var r = Gcc(dir, [.. Includes(dir, src), .. CFlags, "-c", "-o", commonObjs[i], common[i]]);
            if (r.ExitCode != 0) throw new NimbusException($"libc-test: {Path.GetFileName(common[i])}: {r.Output.Trim()}");
        });
        string libtest = Path.Combine(dir, "src", "common", "libtest.a");
        var ar = ProcessRunner.Run("ar", ["rcs", libtest, .. commonObjs], dir);
        if (ar.ExitCode != 0) throw new NimbusException($"libc-test: ar: {ar.Output.Trim()}");

        // The companions first (tests link with or dlopen them), then every test.
        var errors = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var sources = Suites.SelectMany(s => Directory.GetFiles(Path.Combine(src, s), "*.c").Order(StringComparer.Ordinal)).ToList();
        string NameOf(string file) => $"{Path.GetFileName(Path.GetDirectoryName(file))}/{Path.GetFileNameWithoutExtension(file)}";
        var dsos = sources.Where(f => f.EndsWith("_dso.c", StringComparison.Ordinal)).ToList();
        Parallel.ForEach(dsos, parallel, f =>
        {
            string name = NameOf(f), outBase = Path.Combine(dir, "src", name);
            var mk = MakeVars(src, name);
            var r = Gcc(dir, [.. Includes(dir, src), .. CFlags.Where(c => c != "-fPIE"), .. mk.CFlags, "-fPIC", "-DSHARED", "-c", "-o", outBase + ".lo", f]);
            if (r.ExitCode == 0) r = Gcc(dir, ["-shared", .. LdFlags.Where(l => l != "-pie"), "-o", outBase + ".so", outBase + ".lo", libtest, .. LdLibs]);
            if (r.ExitCode != 0) lock (errors) errors[name] = FirstError(r.Output);
        });
        var tests = new List<Test>();
        Parallel.ForEach(sources.Except(dsos), parallel, f =>
        {
            string name = NameOf(f), outBase = Path.Combine(dir, "src", name);
            var mk = MakeVars(src, name);
            var r = Gcc(dir, [.. Includes(dir, src), .. CFlags, .. mk.CFlags, "-c", "-o", outBase + ".o", f]);
            if (r.ExitCode == 0) r = Gcc(dir, [.. LdFlags, .. mk.LdFlags, "-o", outBase + ".exe", outBase + ".o", libtest, .. mk.LdLibs, .. LdLibs]);
            lock (errors)
            {
                if (r.ExitCode != 0) errors[name] = FirstError(r.Output);
                else tests.Add(new Test(name, Path.Combine("src", name + ".exe"), mk.Dsos));
            }
        });
        tests.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var result = new Result(final, tests, errors);
        File.WriteAllText(Path.Combine(dir, "build.json"), JsonSerializer.Serialize(result));
        if (!File.Exists(Path.Combine(final, "build.json")))
        {
            if (Directory.Exists(final)) Directory.Delete(final, recursive: true);       // an interrupted build
            try { Directory.Move(dir, final); }
            catch (IOException) when (File.Exists(Path.Combine(final, "build.json"))) { }   // another one finished first
        }
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        log($"libc-test: {tests.Count} tests built, {errors.Count} do not build with glibc ({sw.Elapsed.TotalSeconds:F0} s)");
        return result;
    }

    private static ProcessResult Gcc(string dir, IEnumerable<string> args) => ProcessRunner.Run("gcc", args, dir, TimeSpan.FromMinutes(5));

    private static string[] Includes(string dir, string src) => ["-I" + Path.Combine(dir, "src", "common"), "-I" + Path.Combine(src, "common")];

    private static string FirstError(string output) =>
        output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("error")) ?? output.Trim().Split('\n')[0];

    // The variables a test's .mk sets for it ($(N).CFLAGS, .LDFLAGS, .LDLIBS) and the _dso
    // companions it names, with $(B) and $(D) replaced as make would.
    private sealed record Make(List<string> CFlags, List<string> LdFlags, List<string> LdLibs, List<string> Dsos);

    private static Make MakeVars(string src, string name)
    {
        var m = new Make([], [], [], []);
        string file = Path.Combine(src, name + ".mk");
        if (!File.Exists(file)) return m;
        string suite = name[..name.IndexOf('/')];
        foreach (var raw in File.ReadAllLines(file))
        {
            string line = raw.Replace("$(B)", "src").Replace("$(D)", suite).Replace("'$$ORIGIN'", "$ORIGIN").Replace("$$ORIGIN", "$ORIGIN");
            foreach (Match so in Regex.Matches(line, @"src/[\w-]+/[\w-]+_dso\.so"))
                if (!m.Dsos.Contains(so.Value)) m.Dsos.Add(so.Value);
            var v = Regex.Match(line, @"^\$\(N\)\.(CFLAGS|LDFLAGS|LDLIBS)\s*:?=\s*(.*)$");
            if (!v.Success) continue;
            // Paths stay relative to the build folder, as make gives them: a companion linked as
            // "src/functional/x_dso.so" is needed under that name, relative to the working directory.
            var words = v.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            (v.Groups[1].Value switch { "CFLAGS" => m.CFlags, "LDFLAGS" => m.LdFlags, _ => m.LdLibs }).AddRange(words);
        }
        return m;
    }

    // The Makefile's awk over the preprocessed options.h.in: after the optiongroups_unistd_end
    // marker, a name line then its value line become "#define NAME VALUE".
    private static string OptionsHeader(string preprocessed)
    {
        var sb = new StringBuilder();
        bool started = false;
        string? name = null;
        foreach (var line in preprocessed.Split('\n'))
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (line.Contains("optiongroups_unistd_end")) { started = true; continue; }
            if (!started || fields.Length == 0 || line.StartsWith('#')) continue;
            if (name == null) { name = fields[0]; if (fields.Length == 1) continue; }
            sb.Append("#define ").Append(name).Append(' ').Append(fields[^1]).Append('\n');
            name = null;
        }
        return sb.ToString();
    }

    private static string Hash(string src, string compiler)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in Directory.GetFiles(src, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(src, f) + "\0"));
            sha.AppendData(File.ReadAllBytes(f));
        }
        sha.AppendData(Encoding.UTF8.GetBytes(string.Join(' ', CFlags.Concat(LdFlags).Concat(LdLibs)) + "\0" + compiler + "\0v1"));
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }
}
