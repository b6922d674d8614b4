namespace Nimbus.Cli;

// Where things are: the checkout (found from the CLI's own location or the working directory)
// and the git-ignored build output under out/.
public static class Repo
{
    private static string? s_root;

    public static string Root => s_root ??= FindRoot();

    private static string FindRoot()
    {
        var env = Environment.GetEnvironmentVariable("NIMBUS_ROOT");
        if (!string.IsNullOrEmpty(env) && IsRoot(env)) return Path.GetFullPath(env);
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (IsRoot(dir.FullName)) return dir.FullName;
        }
        throw new NimbusException("cannot find the Nimbus checkout (a folder with src/Kernel and the nimbus script); set NIMBUS_ROOT");
    }

    private static bool IsRoot(string dir) =>
        Directory.Exists(Path.Combine(dir, "src", "Kernel")) && File.Exists(Path.Combine(dir, "nimbus"));

    public static string Src => Path.Combine(Root, "src");
    public static string Out => Path.Combine(Root, "out");
    public static string KernelOut => Path.Combine(Out, "kernel");
    public static string KernelElf => Path.Combine(KernelOut, "nimbus.elf");
    // Downloads and probes kept between runs (the Linux guest, the KVM probe); NIMBUS_CACHE moves them.
    public static string Cache => Environment.GetEnvironmentVariable("NIMBUS_CACHE") is { Length: > 0 } dir ? Path.GetFullPath(dir) : Path.Combine(Out, "cache");
}
