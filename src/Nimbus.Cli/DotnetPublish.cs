using System.Xml.Linq;

namespace Nimbus.Cli;

// `dotnet publish -r linux-x64 -p:PublishAot=true` for a user's project: the native executable it
// produces is what the VM runs, exactly as published.
public static class DotnetPublish
{
    public static string Publish(string csproj, Action<string> log)
    {
        string name = AssemblyName(csproj);
        string outDir = Path.Combine(AppImage.OutputFolder(csproj, name), "publish");
        string title = $"dotnet publish {Path.GetRelativePath(Environment.CurrentDirectory, csproj)} (NativeAOT, linux-x64)";
        var args = new List<string> { "publish", csproj, "-r", "linux-x64", "-c", "Release", "-p:PublishAot=true", "-o", outDir, "--nologo" };
        var r = Ui.Step(title, log, stepLog =>
        {
            stepLog(title);
            var result = ProcessRunner.Run("dotnet", args, Path.GetDirectoryName(csproj), TimeSpan.FromMinutes(20));
            foreach (var line in result.Stdout.Split('\n').Where(l => l.Contains(" -> ")).Take(4)) stepLog("  " + line.Trim());
            return result;
        });
        if (r.ExitCode != 0) throw new NimbusException($"dotnet publish failed:\n{Tail(r.Output, 40)}");
        string elf = Path.Combine(outDir, name);
        if (!File.Exists(elf) || !AppImage.IsElf(elf))
            throw new NimbusException($"dotnet publish did not produce the native executable {elf} (is PublishAot supported by the project?)");
        return elf;
    }

    private static string AssemblyName(string csproj)
    {
        try
        {
            var doc = XDocument.Load(csproj);
            var explicitName = doc.Descendants("AssemblyName").Select(e => e.Value.Trim()).FirstOrDefault(v => v.Length > 0);
            if (explicitName != null) return explicitName;
        }
        catch (System.Xml.XmlException e) { throw new NimbusException($"{csproj}: not a valid project file: {e.Message}"); }
        return Path.GetFileNameWithoutExtension(csproj);
    }

    private static string Tail(string s, int n) => string.Join('\n', s.Split('\n').TakeLast(n)).Trim();
}
