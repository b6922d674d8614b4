using System.Text;

namespace Nimbus.Cli;

// Turns what a user points `nimbus run` at into a boot archive: a folder of C sources (built with
// gcc as a PIE; files named lib*.c become shared objects libNAME.so beside it, for the program to
// link or dlopen), a .csproj or a folder with one (published with NativeAOT), or an ELF executable
// used as it is. The program goes to /app/NAME; a `nimbus.manifest` next to it adds files.
public static class AppImage
{
    public const string ManifestName = "nimbus.manifest";

    public sealed record Prepared(string Archive, string GuestPath, string HostElf);

    private static readonly object s_prepareLock = new();

    // One at a time in this process (tests prepare the same app in parallel); the archive is
    // written to a temporary file and renamed, so another process never reads half of one.
    // hostLibs: the libraries the program needs that are not in the image already are copied
    // from the host (HostLibs), each named through `verboseLog`.
    public static Prepared Prepare(string app, Action<string> log, bool hostLibs = true, Action<string>? verboseLog = null)
    {
        lock (s_prepareLock) return PrepareUnlocked(app, log, hostLibs, verboseLog ?? Ui.Silent);
    }

    private static Prepared PrepareUnlocked(string app, Action<string> log, bool hostLibs, Action<string> verboseLog)
    {
        string full = Path.GetFullPath(app);
        string elf;
        string? manifestDir;
        var sharedObjects = new List<string>();
        if (Directory.Exists(full))
        {
            var projects = Directory.GetFiles(full, "*.csproj");
            var libSources = Directory.GetFiles(full, "lib*.c");
            var cSources = Directory.GetFiles(full, "*.c").Except(libSources).ToArray();
            foreach (var lib in libSources.OrderBy(s => s, StringComparer.Ordinal)) sharedObjects.Add(BuildSharedObject(full, lib, log));
            if (projects.Length > 1) throw new NimbusException($"{app}: more than one .csproj; name the one to run");
            if (projects.Length == 1) elf = DotnetPublish.Publish(projects[0], log);
            else if (cSources.Length > 0) elf = BuildC(full, cSources, log);
            else throw new NimbusException($"{app}: no .csproj and no .c files in this folder");
            manifestDir = full;
        }
        else if (File.Exists(full))
        {
            if (full.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)) elf = DotnetPublish.Publish(full, log);
            else if (full.EndsWith(".c", StringComparison.Ordinal)) elf = BuildC(full, [full], log);
            else if (IsElf(full)) elf = full;
            else throw new NimbusException($"{app}: not an ELF executable, a .csproj or a folder with C sources");
            manifestDir = Path.GetDirectoryName(full);
        }
        else throw new NimbusException($"{app}: no such file or folder", Program.UsageError);

        string name = Path.GetFileName(elf);
        string guestPath = "/app/" + name;
        // The archive goes next to a program we built, else to the output folder of the one given.
        string appsOut = Path.Combine(Repo.Out, "apps") + Path.DirectorySeparatorChar;
        string outDir = elf.StartsWith(appsOut, StringComparison.Ordinal) ? Path.GetDirectoryName(elf)! : OutputFolder(full, name);
        Directory.CreateDirectory(outDir);
        string archive = Path.Combine(outDir, name + ".cpio");
        string temporary = $"{archive}.{Environment.ProcessId}.tmp";
        using (var stream = File.Create(temporary))
        using (var writer = new CpioWriter(stream))
        {
            writer.AddDirectory("/app");
            writer.AddFile(guestPath, File.ReadAllBytes(elf), CpioWriter.ExecutableFileMode);
            foreach (var so in sharedObjects) writer.AddFile("/app/" + Path.GetFileName(so), File.ReadAllBytes(so), CpioWriter.ExecutableFileMode);
            writer.AddDirectory("/tmp");
            string? manifest = manifestDir == null ? null : Path.Combine(manifestDir, ManifestName);
            IReadOnlyList<ManifestEntry> entries = [];
            if (manifest != null && File.Exists(manifest))
            {
                try { entries = Manifest.Load(manifest); Manifest.ApplyTo(entries, writer); }
                catch (ManifestException e) { throw new NimbusException(e.Message); }
            }
            if (hostLibs)
            {
                var built = sharedObjects.ToDictionary(so => "/app/" + Path.GetFileName(so), so => so, StringComparer.Ordinal);
                foreach (var lib in HostLibs.Closure(elf, name => InImage(name, built, entries)))
                {
                    string guest = HostLibs.GuestPath(lib);
                    writer.AddFile(guest, File.ReadAllBytes(lib.HostPath), CpioWriter.ExecutableFileMode);
                    verboseLog($"host library: {guest} (from {lib.HostPath})");
                }
            }
            writer.Finish();
        }
        File.Move(temporary, archive, overwrite: true);
        return new Prepared(archive, guestPath, elf);
    }

    // Where a library the program needs is in the image already, in a folder the kernel searches:
    // the host file it comes from, "" when that is not a plain file (a symlink), null when absent.
    private static string? InImage(string name, Dictionary<string, string> built, IReadOnlyList<ManifestEntry> entries)
    {
        foreach (var dir in HostLibs.GuestDirectories)
        {
            string guest = $"{dir}/{name}";
            if (built.TryGetValue(guest, out var so)) return so;
            foreach (var e in entries)
            {
                string entryPath = "/" + CpioWriter.ToArchiveName(e.GuestPath);
                if (entryPath == guest) return e.HostPath != null && File.Exists(e.HostPath) ? e.HostPath : "";
                if (e.HostPath != null && guest.StartsWith(entryPath + "/", StringComparison.Ordinal) && Directory.Exists(e.HostPath))
                {
                    string inside = Path.Combine(e.HostPath, guest[(entryPath.Length + 1)..]);
                    if (File.Exists(inside) || Directory.Exists(inside)) return File.Exists(inside) ? inside : "";
                }
            }
        }
        return null;
    }

    // Build output for a program: out/apps/NAME-HASH, the hash of where its sources are, so two
    // programs with the same name never share (or overwrite) each other's output.
    public static string OutputFolder(string source, string name)
    {
        string key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(source).TrimEnd(Path.DirectorySeparatorChar))))[..8];
        return Path.Combine(Repo.Out, "apps", $"{name}-{key}");
    }

    public static bool IsElf(string path)
    {
        using var f = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        return f.Read(magic) == 4 && magic[0] == 0x7f && magic[1] == (byte)'E' && magic[2] == (byte)'L' && magic[3] == (byte)'F';
    }

    // gcc builds a PIE (Debian's default) with debug info; rebuilt only when a source is newer.
    private static string BuildC(string dirOrFile, string[] sources, Action<string> log)
    {
        bool single = File.Exists(dirOrFile);
        string dir = single ? Path.GetDirectoryName(dirOrFile)! : dirOrFile;
        string name = single ? Path.GetFileNameWithoutExtension(dirOrFile) : Path.GetFileName(dir.TrimEnd(Path.DirectorySeparatorChar));
        string outDir = OutputFolder(dir, name);
        Directory.CreateDirectory(outDir);
        string output = Path.Combine(outDir, name);
        var inputs = sources.Concat(Directory.GetFiles(dir, "*.h")).Append(typeof(AppImage).Assembly.Location).ToList();
        if (File.Exists(output) && inputs.All(s => File.GetLastWriteTimeUtc(s) <= File.GetLastWriteTimeUtc(output))) return output;
        if (ProcessRunner.FindOnPath("gcc") == null)
            throw new NimbusException("gcc is missing: as root run `apt-get install -y gcc` (./nimbus does this when run as root)");
        log($"gcc    {Path.GetRelativePath(Environment.CurrentDirectory, dirOrFile)} -> {Path.GetRelativePath(Environment.CurrentDirectory, output)}");
        var args = new List<string> { "-O2", "-g", "-Wall", "-fPIE", "-pie", "-pthread", "-Wl,-rpath,$ORIGIN", "-o", output };
        args.AddRange(sources.OrderBy(s => s, StringComparer.Ordinal));
        args.Add("-lm");
        args.Add("-ldl");
        var r = ProcessRunner.Run("gcc", args, dir);
        if (r.ExitCode != 0) throw new NimbusException($"gcc failed:\n{r.Output.Trim()}");
        return output;
    }

    // lib*.c in a program's folder: a shared object in the program's output folder.
    private static string BuildSharedObject(string dir, string source, Action<string> log)
    {
        string outDir = OutputFolder(dir, Path.GetFileName(dir.TrimEnd(Path.DirectorySeparatorChar)));
        Directory.CreateDirectory(outDir);
        string output = Path.Combine(outDir, Path.GetFileNameWithoutExtension(source) + ".so");
        if (File.Exists(output) && File.GetLastWriteTimeUtc(source) <= File.GetLastWriteTimeUtc(output)) return output;
        log($"gcc    {Path.GetRelativePath(Environment.CurrentDirectory, source)} -> {Path.GetRelativePath(Environment.CurrentDirectory, output)}");
        var r = ProcessRunner.Run("gcc", ["-O2", "-g", "-Wall", "-fPIC", "-shared", "-o", output, source], dir);
        if (r.ExitCode != 0) throw new NimbusException($"gcc failed:\n{r.Output.Trim()}");
        return output;
    }

    // The kernel command line that runs the program: options, then the path and arguments, each
    // quoted for the kernel's tokenizer (Shell/CommandLine.cs).
    public static string CommandLine(string guestPath, IEnumerable<string> args, IEnumerable<string> env, string? kernelOptions)
    {
        var sb = new StringBuilder();
        if (!string.IsNullOrWhiteSpace(kernelOptions)) sb.Append(kernelOptions.Trim()).Append(' ');
        foreach (var e in env)
        {
            if (!e.Contains('=') || e.StartsWith('=')) throw new NimbusException($"--env {e}: expected NAME=VALUE", Program.UsageError);
            sb.Append(Quote("--env=" + e)).Append(' ');
        }
        sb.Append(Quote(guestPath));
        foreach (var a in args) sb.Append(' ').Append(Quote(a));
        if (sb.Length > 4000) throw new NimbusException("the arguments are too long for the kernel command line (4000 bytes)", Program.UsageError);
        return sb.ToString();
    }

    private static string Quote(string s)
    {
        if (s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "/._-=,:+@%".Contains(c))) return s;
        return "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }
}
