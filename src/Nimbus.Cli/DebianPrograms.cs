using System.Text;

namespace Nimbus.Cli;

// Real Debian programs, unmodified: each runs on the host and in Nimbus with the same arguments and
// input files, and stdout, stderr and the exit status must be the same, byte for byte. Programs
// that cannot run yet are listed in tests/debian-programs/expected-failures.txt with the symbols
// they miss; the list may only shrink (a listed program that now runs fails the run).
public static class DebianPrograms
{
    // The package that provides a program, installed by the set-up when missing (as root, as
    // ./nimbus installs its own tools; otherwise the test fails with the apt-get command).
    private sealed record Case(string Name, string Program, string Package, string[] Args, int Status = 0, string[]? Extra = null);

    private static readonly Case[] Cases =
    [
        new("gzip_decompress", "gzip", "gzip", ["-dc", "data/words.txt.gz"]),
        new("gzip_list", "gzip", "gzip", ["-l", "data/words.txt.gz"]),
        new("gzip_compress", "gzip", "gzip", ["-n", "-6", "-c", "data/words.txt"]),
        new("xz_decompress", "xz", "xz-utils", ["-dc", "data/words.txt.xz"]),
        new("bzip2_decompress", "bzip2", "bzip2", ["-dc", "data/words.txt.bz2"]),
        new("sha256sum", "sha256sum", "coreutils", ["data/words.txt", "data/order.json"]),
        new("md5sum_check", "md5sum", "coreutils", ["-c", "data/sums.md5"]),
        new("base64", "base64", "coreutils", ["data/order.json"]),
        new("sort_unique", "sort", "coreutils", ["-u", "-k2", "data/words.txt"]),
        new("wc", "wc", "coreutils", ["-lwc", "data/words.txt", "data/order.json"]),
        new("od", "od", "coreutils", ["-A", "x", "-t", "x1z", "-N", "48", "data/words.txt"]),
        new("cut", "cut", "coreutils", ["-d", " ", "-f2", "data/words.txt"]),
        new("seq", "seq", "coreutils", ["-w", "1", "7", "50"]),
        new("expr", "expr", "coreutils", ["12345", "*", "6789"]),
        new("sed_extended", "sed", "sed", ["-E", "s/([a-z]+) ([a-z]+)/\\2 \\1/;5q", "data/words.txt"]),
        new("grep_extended", "grep", "grep", ["-E", "-n", "^(a|qu|z)[a-m]", "data/words.txt"]),
        new("grep_no_match", "grep", "grep", ["-c", "xyzzy", "data/words.txt"], Status: 1),
        new("mawk", "mawk", "mawk", ["{ n[length($1)]++ } END { for (k = 1; k < 12; k++) if (n[k]) print k, n[k] }", "data/words.txt"]),
        new("jq", "jq", "jq", [".items | map(.price * .qty) | add", "data/order.json"]),
        new("bc", "bc", "bc", ["-lq", "data/calc.bc"]),
        new("sqlite3", "sqlite3", "sqlite3", ["-readonly", "data/shop.db", "select name, sum(qty) from sales group by name order by name;"]),
        new("lua", "lua5.4", "lua5.4", ["data/fib.lua"]),
        new("file", "file", "file", ["-b", "data/words.txt", "data/order.json", "data/words.txt.gz"],
            Extra: ["/usr/share/misc/magic.mgc", "/usr/lib/file/magic.mgc", "/etc/magic"]),
        new("diff", "diff", "diffutils", ["data/a.txt", "data/b.txt"], Status: 1),
        new("cmp", "cmp", "diffutils", ["data/a.txt", "data/b.txt"], Status: 1),
        new("tar_list", "tar", "tar", ["-tf", "data/files.tar"]),
        new("tar_extract_to_stdout", "tar", "tar", ["-xOf", "data/files.tar", "a.txt"]),
        new("patch_dry_run", "patch", "patch", ["--dry-run", "-p0", "-i", "data/fix.patch"]),
        new("funzip", "funzip", "unzip", ["data/words.txt.gz"]),
        new("hmac256", "hmac256", "libgcrypt20-dev", ["secret key", "data/words.txt", "data/order.json"]),
        new("lessecho", "lessecho", "less", ["one", "two words", "a\"quote", "-x"]),
        new("tclsh", "tclsh8.6", "tcl8.6", ["data/script.tcl"]),
        // The standard library in the image: /usr/lib/python3.11 without tests, tools and caches.
        new("python3", "python3.11", "python3-minimal", ["-I", "-S", "-B", "-c",
            "import json, re; print(json.dumps({'b': [1, 2.5, None], 'a': 'x'}, sort_keys=True)); print(re.sub(r'(\\w+)@(\\w+)', r'\\2 at \\1', 'me@host'))"],
            Extra: ["/usr/lib/python3.11"]),
    ];

    public static string ExpectedFile => Path.Combine(Repo.Root, "tests", "debian-programs", "expected-failures.txt");

    private static string DataRoot => Path.Combine(Repo.Out, "tests", "debian-programs");

    private static readonly Lazy<string?> s_setUp = new(SetUp, LazyThreadSafetyMode.ExecutionAndPublication);

    // Installs what is missing and writes the input files (data/), made with the host's tools.
    private static string? SetUp()
    {
        var missing = Cases.Where(c => !File.Exists("/usr/bin/" + c.Program)).Select(c => c.Package).Distinct().ToList();
        if (missing.Count > 0)
        {
            string command = $"apt-get install -y {string.Join(' ', missing)}";
            if (Environment.UserName != "root" || ProcessRunner.FindOnPath("apt-get") == null)
                return $"programs are missing; install them with: sudo {command}";
            var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
            var r = ProcessRunner.Run("apt-get", ["install", "-y", "-qq", .. missing], Repo.Root, TimeSpan.FromMinutes(10), environment: env);
            if (r.ExitCode != 0)
            {
                ProcessRunner.Run("apt-get", ["update", "-qq"], Repo.Root, TimeSpan.FromMinutes(10), environment: env);
                r = ProcessRunner.Run("apt-get", ["install", "-y", "-qq", .. missing], Repo.Root, TimeSpan.FromMinutes(10), environment: env);
                if (r.ExitCode != 0) return $"{command} failed:\n{r.Output.Trim()}";
            }
        }
        string data = Path.Combine(DataRoot, "data");
        if (Directory.Exists(DataRoot)) Directory.Delete(DataRoot, recursive: true);
        Directory.CreateDirectory(data);
        // 300 made-up word pairs, the same every time.
        var words = new StringBuilder();
        uint x = 12345;
        string Word(int length) { var w = new char[length]; for (int i = 0; i < length; i++) { x = x * 1103515245 + 12345; w[i] = (char)('a' + (x >> 16) % 26); } return new string(w); }
        for (int i = 0; i < 300; i++) { x = x * 1103515245 + 12345; words.Append(Word(2 + (int)(x >> 16) % 9)).Append(' ').Append(Word(3 + i % 5)).Append('\n'); }
        File.WriteAllText(Path.Combine(data, "words.txt"), words.ToString());
        File.WriteAllText(Path.Combine(data, "order.json"), "{\"id\": 7, \"items\": [{\"name\": \"tea\", \"price\": 3.5, \"qty\": 4}, {\"name\": \"cake\", \"price\": 2.25, \"qty\": 2}]}\n");
        File.WriteAllText(Path.Combine(data, "calc.bc"), "scale = 30\n4 * a(1)\ne(1)\nsqrt(2)\n2 ^ 100\nquit\n");
        File.WriteAllText(Path.Combine(data, "fib.lua"), "local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end\n" +
            "for i = 1, 20 do io.write(fib(i), i < 20 and ' ' or '\\n') end\nprint(string.format('%.6f %d %s', math.pi, #'hello', ('abc'):upper()))\n");
        File.WriteAllText(Path.Combine(data, "script.tcl"), "proc fib {n} { expr {$n < 2 ? $n : [fib [expr {$n-1}]] + [fib [expr {$n-2}]]} }\n" +
            "puts [fib 15]\nputs [format \"%.5f %s\" [expr {acos(-1)}] [string toupper abc]]\nputs [lsort {pear apple fig}]\n");
        File.WriteAllText(Path.Combine(data, "a.txt"), "one\ntwo\nthree\nfour\n");
        File.WriteAllText(Path.Combine(data, "b.txt"), "one\n2\nthree\nfour\nfive\n");
        var steps = new (string Tool, string[] Args)[]
        {
            ("sh", ["-c", "gzip -n -9 -c data/words.txt > data/words.txt.gz"]),
            ("sh", ["-c", "xz -c data/words.txt > data/words.txt.xz"]),
            ("sh", ["-c", "bzip2 -c data/words.txt > data/words.txt.bz2"]),
            ("sh", ["-c", "md5sum data/words.txt data/a.txt > data/sums.md5"]),
            ("sh", ["-c", "diff -u data/a.txt data/b.txt > data/fix.patch; test $? = 1"]),
            ("tar", ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "-C", "data", "-cf", "data/files.tar", "a.txt", "b.txt"]),
            ("sqlite3", ["data/shop.db", "create table sales(name text, qty int); insert into sales values ('tea', 3), ('cake', 1), ('tea', 4), ('bread', 2);"]),
        };
        foreach (var (tool, args) in steps)
        {
            var r = ProcessRunner.Run(tool, args, DataRoot, TimeSpan.FromMinutes(1));
            if (r.ExitCode != 0) return $"set-up: {tool} {string.Join(' ', args)} failed:\n{r.Output.Trim()}";
        }
        return null;
    }

    public static Dictionary<string, string> ExpectedFailures() => Nimbus.Cli.ExpectedFailures.Load(ExpectedFile);

    // The image: the program at /app/NAME, the libraries it needs from the host, data/ at /data.
    private static string Archive(Case c)
    {
        string archive = Path.Combine(DataRoot, "images", c.Name + ".cpio");
        Directory.CreateDirectory(Path.GetDirectoryName(archive)!);
        string program = "/usr/bin/" + c.Program;
        using var stream = File.Create(archive);
        using var writer = new CpioWriter(stream);
        writer.AddDirectory("/app");
        writer.AddFile("/app/" + c.Program, File.ReadAllBytes(program), CpioWriter.ExecutableFileMode);
        foreach (var lib in HostLibs.Closure(program, _ => null))
            writer.AddFile(HostLibs.GuestPath(lib), File.ReadAllBytes(lib.HostPath), CpioWriter.ExecutableFileMode);
        foreach (var f in Directory.GetFiles(Path.Combine(DataRoot, "data")).Order(StringComparer.Ordinal))
            writer.AddFile("/data/" + Path.GetFileName(f), File.ReadAllBytes(f));
        foreach (var extra in c.Extra ?? []) AddHostPath(writer, extra);
        writer.AddDirectory("/tmp");
        writer.Finish();
        return archive;
    }

    private static readonly HashSet<string> s_skippedFolders = ["__pycache__", "test", "tests", "idlelib", "tkinter", "lib2to3", "ensurepip",
        "site-packages", "dist-packages", "pydoc_data", "turtledemo"];

    // A data file at its host path (a symlink stays one; a folder is copied without tests and caches).
    private static void AddHostPath(CpioWriter writer, string path)
    {
        if (new FileInfo(path).LinkTarget is string target) writer.AddSymlink(path, target);
        else if (File.Exists(path)) writer.AddFile(path, File.ReadAllBytes(path));
        else if (Directory.Exists(path))
            foreach (var entry in Directory.EnumerateFileSystemEntries(path).Order(StringComparer.Ordinal))
                if (!s_skippedFolders.Contains(Path.GetFileName(entry)) && !Path.GetFileName(entry).StartsWith("config-", StringComparison.Ordinal))
                    AddHostPath(writer, entry);
    }

    private static string? Run(Case c, string? expectedReason)
    {
        HostGlibc.SkipUnlessAssumed();       // the programs' messages come from the host's glibc
        if (s_setUp.Value is string setUpFailure) return setUpFailure;
        // On the host the program is started with argv[0] = /app/NAME, as in Nimbus, in a clean
        // environment, from the folder holding data/ (in Nimbus: /).
        var host = ProcessRunner.Run("env", ["-i", "/bin/bash", "-c", "exec -a \"$0\" \"$@\"", "/app/" + c.Program, "/usr/bin/" + c.Program, .. c.Args],
            DataRoot, TimeSpan.FromSeconds(30));
        if (host.ExitCode != c.Status) return $"on the host: exit status {host.ExitCode}, expected {c.Status}\n{host.Output}";
        var guest = Qemu.Run(new VmOptions
        {
            CommandLine = AppImage.CommandLine("/app/" + c.Program, c.Args, [], null),
            Initrd = Archive(c), Application = true, MemoryMb = 256, Timeout = TimeSpan.FromSeconds(60),
        }, passthrough: false);
        var problems = new List<string>();
        s_runs[c.Name] = guest.GuestStatus == host.ExitCode && guest.Stdout == host.Stdout && guest.Stderr == host.Stderr && !guest.TimedOut;
        if (guest.TimedOut) problems.Add("the VM did not power off within 60 s");
        if (guest.GuestStatus != host.ExitCode) problems.Add($"exit status {guest.GuestStatus}, on the host {host.ExitCode}");
        if (guest.Stdout != host.Stdout) problems.Add($"stdout differs\n--- host ---\n{Show(host.Stdout)}--- Nimbus ---\n{Show(guest.Stdout)}");
        if (guest.Stderr != host.Stderr) problems.Add($"stderr differs\n--- host ---\n{Show(host.Stderr)}--- Nimbus ---\n{Show(guest.Stderr)}");
        if (expectedReason != null)
            return problems.Count == 0 ? $"runs now: remove it from tests/debian-programs/expected-failures.txt (listed as: {expectedReason})" : null;
        if (problems.Count == 0) return null;
        var missing = Nimbus.Cli.ExpectedFailures.MissingSymbols(guest.Output);
        return (missing.Count > 0 ? $"missing {string.Join(' ', missing)}\n" : "") + string.Join("\n", problems);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> s_runs = new(StringComparer.Ordinal);

    // The figure, once the programs ran.
    public static IEnumerable<string> Summary()
    {
        if (s_runs.IsEmpty) yield break;
        var ran = s_runs.Where(kv => kv.Value).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
        yield return $"Debian programs: {ran.Count} of {s_runs.Count} runs as on the host ({string.Join(", ", ran)})";
    }

    // Output as a report can show it: control characters (binary output) as '.', at most 2000 characters.
    private static string Show(string output)
    {
        string text = new(output.Take(2000).Select(ch => char.IsControl(ch) && ch != '\n' && ch != '\t' ? '.' : ch).ToArray());
        return output.Length > 2000 ? text + $"\n... ({output.Length} characters)\n" : text;
    }

    public static IEnumerable<TestCase> All()
    {
        Dictionary<string, string> expected;
        try { expected = ExpectedFailures(); }
        catch (NimbusException e) { return [new TestCase("debian", () => e.Message)]; }
        var cases = Cases.Select(c => new TestCase($"debian.{c.Name}", () => Run(c, expected.GetValueOrDefault(c.Name)))).ToList();
        foreach (var stale in expected.Keys.Where(k => !Cases.Any(c => c.Name == k)))
            cases.Add(new TestCase($"debian.{stale}", () => $"{ExpectedFile} lists {stale}, which is not a test: remove it"));
        return cases;
    }
}
