namespace Nimbus.Cli;

// The shared libraries a program needs, found on the host as the dynamic linker would (ldd's
// answer): DT_NEEDED breadth first, each looked up in the needing object's RPATH (when it has no
// RUNPATH), then RUNPATH, then the directories of /etc/ld.so.conf and the default ones. Names the
// kernel stands in for (libc, libm, libpthread, libdl, librt, ld-linux) are never copied.
public static class HostLibs
{
    public sealed record Library(string Name, string HostPath);

    // What the kernel provides itself (Elf/ProgramLoader does not load these).
    public static bool ProvidedByKernel(string soname) =>
        soname.StartsWith("libc.so", StringComparison.Ordinal) || soname.StartsWith("libm.so", StringComparison.Ordinal)
        || soname.StartsWith("libpthread.so", StringComparison.Ordinal) || soname.StartsWith("libdl.so", StringComparison.Ordinal)
        || soname.StartsWith("librt.so", StringComparison.Ordinal) || soname.StartsWith("ld-linux", StringComparison.Ordinal);

    // Where the kernel looks for a library by name; a library found elsewhere on the host goes to the first.
    public static readonly string[] GuestDirectories = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib", "/app"];

    private static readonly string[] DefaultDirectories = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];

    // The closure in load order. `alreadyThere(name)` says a library is in the image anyway (built
    // next to the program, or given by the manifest), as the host file it came from or "" when
    // unknown (a symlink): it is then not copied, but its own needs are.
    // A needed library found nowhere is left out (the kernel then names it when loading).
    public static List<Library> Closure(string program, Func<string, string?> alreadyThere)
    {
        var result = new List<Library>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        queue.Enqueue(program);
        var systemDirs = SystemDirectories();
        while (queue.Count > 0)
        {
            string obj = queue.Dequeue();
            var elf = ElfDynamic.TryRead(obj);
            if (elf == null) continue;
            string origin = Path.GetDirectoryName(Path.GetFullPath(obj))!;
            var dirs = elf.SearchPath.Select(p => p.Replace("${ORIGIN}", origin).Replace("$ORIGIN", origin)).ToList();
            foreach (var name in elf.Needed)
            {
                if (ProvidedByKernel(name) || name.Contains('/') || !seen.Add(name)) continue;
                if (alreadyThere(name) is string present)
                {
                    if (present.Length > 0) queue.Enqueue(present);     // "" : there, but not from a host file we can read
                    continue;
                }
                string? found = dirs.Concat(systemDirs).Select(d => Path.Combine(d, name)).FirstOrDefault(IsX64SharedObject);
                if (found == null) continue;
                result.Add(new Library(name, found));
                queue.Enqueue(found);
            }
        }
        return result;
    }

    private static bool IsX64SharedObject(string path) =>
        File.Exists(path) && ElfDynamic.TryRead(path) is { Type: ElfDynamic.TypeDyn };

    // /etc/ld.so.conf and what it includes, then the defaults (as ldconfig's cache would hold them).
    private static List<string> SystemDirectories()
    {
        var dirs = new List<string>();
        void Read(string file)
        {
            if (!File.Exists(file)) return;
            foreach (var raw in File.ReadAllLines(file))
            {
                string line = raw.Split('#')[0].Trim();
                if (line.Length == 0) continue;
                if (line.StartsWith("include ", StringComparison.Ordinal))
                {
                    string pattern = line[8..].Trim();
                    string dir = Path.GetDirectoryName(pattern)!;
                    if (Directory.Exists(dir))
                        foreach (var f in Directory.GetFiles(dir, Path.GetFileName(pattern)).Order(StringComparer.Ordinal)) Read(f);
                }
                else if (line.StartsWith('/')) dirs.Add(line);
            }
        }
        Read("/etc/ld.so.conf");
        dirs.AddRange(DefaultDirectories);
        return dirs.Distinct().Where(Directory.Exists).ToList();
    }

    // Where a host library goes in the image: the same path when the kernel searches that
    // directory, else the first directory the kernel searches, under the name programs ask for.
    public static string GuestPath(Library lib)
    {
        string dir = Path.GetDirectoryName(lib.HostPath)!;
        return GuestDirectories.Contains(dir) && dir != "/app" ? $"{dir}/{lib.Name}" : $"{GuestDirectories[0]}/{lib.Name}";
    }
}
