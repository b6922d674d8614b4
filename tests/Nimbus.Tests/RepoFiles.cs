// Files of the repository the tests read (the alias table, generated sources): found by walking up
// from the test binary to the directory that holds src/Kernel.
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (Directory.Exists(System.IO.Path.Combine(dir.FullName, "src", "Kernel"))) return dir.FullName;
        throw new InvalidOperationException("the repository (a directory with src/Kernel) is not above " + AppContext.BaseDirectory);
    }

    // src/Kernel/Libc/Aliases.txt as (alias, target) pairs.
    public static List<(string Alias, string Target)> Aliases()
    {
        var list = new List<(string, string)>();
        foreach (var raw in File.ReadLines(Path("src/Kernel/Libc/Aliases.txt")))
        {
            string line = raw.Split('#')[0].Trim();
            if (line.Length == 0) continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2) throw new InvalidDataException("Aliases.txt: expected \"ALIAS TARGET\": " + raw);
            list.Add((parts[0], parts[1]));
        }
        return list;
    }
}
