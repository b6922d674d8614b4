using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Nimbus.Cli;

// Builds the kernel: C# (CoreLib + kernel, one assembly) -> csc -> ILCompiler (NativeAOT, from NuGet
// through the SDK) -> object file; asm -> GNU as; then GNU ld with src/Kernel/kernel.ld.
// The link runs twice: the first image's symbols become the .ksyms table the kernel uses to
// symbolize backtraces, linked into the second image (placed after the code, so no code moves).
// Incremental: a content hash of every input is stored; an unchanged tree rebuilds nothing.
public sealed class KernelBuilder(Action<string> log, bool verbose)
{
    public const string AssemblyName = "Nimbus.Kernel";

    public sealed record Result(string Elf, bool Rebuilt, long StrippedBytes);

    public Result Build()
    {
        Directory.CreateDirectory(Repo.KernelOut);
        var sources = KernelSources();
        var asmFiles = Directory.GetFiles(Path.Combine(Repo.Src, "Kernel", "Arch", "X64"), "*.S").OrderBy(f => f, StringComparer.Ordinal).ToList();
        var linkerScript = Path.Combine(Repo.Src, "Kernel", "kernel.ld");
        string hash = InputHash(sources.Concat(asmFiles).Append(linkerScript).Append(AliasesFile));
        string stampPath = Path.Combine(Repo.KernelOut, "inputs.sha256");
        string stripped = Path.Combine(Repo.KernelOut, "nimbus-stripped.elf");
        if (File.Exists(Repo.KernelElf) && File.Exists(stampPath) && File.ReadAllText(stampPath) == hash)
            return new Result(Repo.KernelElf, false, new FileInfo(stripped).Length);

        Toolchain.EnsureBinutils();
        string dll = Path.Combine(Repo.KernelOut, AssemblyName + ".dll");
        log("csc    kernel + CoreLib");
        Compile(sources, dll);
        log("ilc    NativeAOT compile");
        string managedObj = Path.Combine(Repo.KernelOut, "kernel.o");
        Run(Toolchain.Ilc(log), [dll, "-o:" + managedObj, "--systemmodule:" + AssemblyName, "--targetos:linux", "--targetarch:x64",
            "-O", "--nativelib", "-g", "--map:" + Path.Combine(Repo.KernelOut, "kernel.map.xml")], "ilc");

        var objects = new List<string>();
        foreach (var asm in asmFiles)
        {
            string obj = Path.Combine(Repo.KernelOut, Path.GetFileNameWithoutExtension(asm) + ".o");
            log($"as     {Path.GetFileName(asm)}");
            Run("as", ["--64", "-g", "-o", obj, asm], "as");
            objects.Add(obj);
        }
        objects.Add(managedObj);

        log("ld     pass 1");
        string pass1 = Path.Combine(Repo.KernelOut, "nimbus.pass1.elf");
        Link(linkerScript, objects, pass1);
        var symbols = TextSymbols(pass1);
        string ksymsObj = Path.Combine(Repo.KernelOut, "ksyms.o");
        WriteSymbolObject(symbols, ksymsObj);
        string exportsObj = Path.Combine(Repo.KernelOut, "kexports.o");
        int exportCount = WriteExportObject(pass1, exportsObj);
        log($"ld     pass 2 ({symbols.Count} symbols, {exportCount} ABI exports)");
        string tmpElf = Repo.KernelElf + ".tmp";
        Link(linkerScript, objects.Append(ksymsObj).Append(exportsObj), tmpElf);
        var finalSymbols = TextSymbols(tmpElf);
        if (!finalSymbols.SequenceEqual(symbols))
            throw new NimbusException("internal build error: code moved between link passes (.ksyms must follow the code)");
        Run("strip", ["-o", stripped, tmpElf], "strip");
        File.Move(tmpElf, Repo.KernelElf, overwrite: true);
        File.WriteAllText(stampPath, hash);
        return new Result(Repo.KernelElf, true, new FileInfo(stripped).Length);
    }

    public static List<string> KernelSources() =>
        new[] { Path.Combine(Repo.Src, "CoreLib"), Path.Combine(Repo.Src, "Kernel") }
            .SelectMany(d => Directory.GetFiles(d, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .OrderBy(f => f, StringComparer.Ordinal).ToList();

    private static string InputHash(IEnumerable<string> files)
    {
        using var sha = SHA256.Create();
        var sb = new StringBuilder();
        foreach (var f in files)
        {
            sb.Append(Path.GetRelativePath(Repo.Root, f)).Append(':');
            sb.Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))).Append('\n');
        }
        sb.Append("toolchain:").Append(Toolchain.SdkVersion());
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    private void Compile(List<string> sources, string dll)
    {
        var rsp = Path.Combine(Repo.KernelOut, "csc.rsp");
        var lines = new List<string>
        {
            "-noconfig", "-nostdlib", "-unsafe", "-nullable:enable", "-nowarn:169,649,8500", "-langversion:latest",
            "-runtimemetadataversion:v4.0.30319", "-target:library", "-optimize+", "-deterministic", "-nologo",
            "-debug:portable", $"-out:\"{dll}\"", $"-pdb:\"{Path.ChangeExtension(dll, ".pdb")}\"",
        };
        lines.AddRange(sources.Select(s => $"\"{s}\""));
        File.WriteAllLines(rsp, lines);
        Run("dotnet", [Toolchain.Csc(), "@" + rsp], "csc");
    }

    private void Link(string script, IEnumerable<string> objects, string output) =>
        Run("ld", ["-nostdlib", "-static", "-z", "max-page-size=4096", "-z", "noexecstack", "--no-warn-rwx-segments",
            "-T", script, "-o", output, .. objects], "ld");

    // Function symbols in the code, sorted by address: what backtraces need.
    private List<(ulong Address, string Name)> TextSymbols(string elf)
    {
        var r = Run("nm", ["-n", "--defined-only", elf], "nm");
        var list = new List<(ulong, string)>();
        foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', 3);
            if (parts.Length != 3 || (parts[1] != "T" && parts[1] != "t")) continue;
            if (parts[2].StartsWith(".L", StringComparison.Ordinal)) continue;
            list.Add((Convert.ToUInt64(parts[0], 16), parts[2]));
        }
        return list;
    }

    // .ksyms layout: "KSYM", u32 count, count x {u64 address, u32 name offset, u32 0}, names (NUL-terminated).
    private void WriteSymbolObject(List<(ulong Address, string Name)> symbols, string obj)
    {
        var names = new MemoryStream();
        var table = new MemoryStream();
        var w = new BinaryWriter(table);
        w.Write(0x4D59534Bu);
        w.Write((uint)symbols.Count);
        foreach (var (address, name) in symbols)
        {
            w.Write(address);
            w.Write((uint)names.Length);
            w.Write(0u);
            var bytes = Encoding.ASCII.GetBytes(name);
            names.Write(bytes);
            names.WriteByte(0);
        }
        names.WriteTo(table);
        string bin = Path.Combine(Repo.KernelOut, "ksyms.bin");
        File.WriteAllBytes(bin, table.ToArray());
        string asm = Path.Combine(Repo.KernelOut, "ksyms.S");
        File.WriteAllText(asm, $".section .ksyms, \"a\"\n.balign 8\n.incbin \"{bin}\"\n");
        Run("as", ["--64", "-o", obj, asm], "as");
    }

    // The application ABI: every kernel symbol named abi_NAME (C# [RuntimeExport("abi_NAME")]
    // functions, asm trampolines and data) is what an application importing NAME gets, and so is
    // every ALIAS of src/Kernel/Libc/Aliases.txt ("ALIAS TARGET" lines: ALIAS at abi_TARGET).
    // .kexports: u64 count, count x { u64 address, u64 name }, sorted by name for binary search. The
    // addresses are relocations the second link fills in, so they are right even if data moves.
    public const string AbiPrefix = "abi_";
    public static string AliasesFile => Path.Combine(Repo.Src, "Kernel", "Libc", "Aliases.txt");

    private int WriteExportObject(string pass1Elf, string obj)
    {
        var r = Run("nm", ["--defined-only", pass1Elf], "nm");
        var exports = new SortedDictionary<string, string>(StringComparer.Ordinal);   // C name -> symbol
        foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', 3);
            if (parts.Length == 3 && parts[2].StartsWith(AbiPrefix, StringComparison.Ordinal) && parts[2].Length > AbiPrefix.Length)
                exports[parts[2][AbiPrefix.Length..]] = parts[2];
        }
        var code = new HashSet<string>(exports.Keys, StringComparer.Ordinal);
        int number = 0;
        foreach (var raw in File.ReadLines(AliasesFile))
        {
            number++;
            var fields = raw.Split('#')[0].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0) continue;
            string where = $"{Path.GetRelativePath(Repo.Root, AliasesFile)}:{number}";
            if (fields.Length != 2) throw new NimbusException($"{where}: expected 'ALIAS TARGET', found '{raw.Trim()}'");
            var (alias, target) = (fields[0], fields[1]);
            if (!code.Contains(target)) throw new NimbusException($"{where}: {alias} -> {target}, but the kernel exports no {target} (no {AbiPrefix}{target} symbol)");
            if (!exports.TryAdd(alias, AbiPrefix + target))
                throw new NimbusException($"{where}: {alias} is already exported ({(code.Contains(alias) ? "by code, " + AbiPrefix + alias : "by an earlier line")})");
        }
        var asm = new StringBuilder(".section .kexports, \"a\"\n.balign 8\n");
        asm.Append($".quad {exports.Count}\n");
        int i = 0;
        foreach (var symbol in exports.Values) asm.Append($".quad {symbol}, .Lexport_name{i++}\n");
        i = 0;
        foreach (var name in exports.Keys) asm.Append($".Lexport_name{i++}: .asciz \"{name}\"\n");
        string path = Path.Combine(Repo.KernelOut, "kexports.S");
        File.WriteAllText(path, asm.ToString());
        Run("as", ["--64", "-o", obj, path], "as");
        return exports.Count;
    }

    private ProcessResult Run(string tool, IEnumerable<string> args, string what)
    {
        var argList = args.ToList();
        if (verbose) log($"$ {tool} {string.Join(' ', argList)}");
        var r = ProcessRunner.Run(tool, argList, Repo.Root);
        if (r.ExitCode != 0)
            throw new NimbusException($"{what} failed (exit {r.ExitCode}):\n{Trim(r.Output)}");
        if (verbose && r.Output.Trim().Length > 0) log(Trim(r.Output));
        return r;
    }

    private static string Trim(string s)
    {
        var lines = s.Split('\n').Where(l => !l.Contains("warning CS")).ToArray();
        return string.Join('\n', lines.Take(60)).Trim();
    }
}

// Finds the compilers: csc from the running SDK, ilc from NuGet (restored by build/ilc), binutils.
public static class Toolchain
{
    private static string? s_sdkVersion, s_ilc;

    public static string DotnetRoot
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("DOTNET_ROOT");
            if (!string.IsNullOrEmpty(env) && Directory.Exists(Path.Combine(env, "sdk"))) return env;
            var dotnet = ProcessRunner.FindOnPath("dotnet") ?? throw new NimbusException("dotnet is not on PATH");
            return Path.GetDirectoryName(Path.GetFullPath(new FileInfo(dotnet).ResolveLinkTarget(true)?.FullName ?? dotnet))!;
        }
    }

    public static string SdkVersion()
    {
        if (s_sdkVersion != null) return s_sdkVersion;
        var r = ProcessRunner.Run("dotnet", ["--version"], Repo.Root);
        if (r.ExitCode != 0) throw new NimbusException("`dotnet --version` failed: " + r.Output);
        return s_sdkVersion = r.Stdout.Trim();
    }

    public static string Csc()
    {
        var csc = Path.Combine(DotnetRoot, "sdk", SdkVersion(), "Roslyn", "bincore", "csc.dll");
        if (!File.Exists(csc)) throw new NimbusException($"the C# compiler was not found at {csc}");
        return csc;
    }

    public static string Ilc(Action<string> log)
    {
        if (s_ilc != null) return s_ilc;
        string project = Path.Combine(Repo.Root, "build", "ilc", "IlcLocator.csproj");
        string assets = Path.Combine(Repo.Root, "build", "ilc", "obj", "project.assets.json");
        string? ilc = File.Exists(assets) ? IlcFromAssets(assets) : null;
        if (ilc == null || !File.Exists(ilc))
        {
            log("restore ILCompiler from NuGet (once)");
            var r = ProcessRunner.Run("dotnet", ["restore", project], Repo.Root);
            if (r.ExitCode != 0) throw new NimbusException("restoring the ILCompiler package failed:\n" + r.Output);
            ilc = IlcFromAssets(assets);
        }
        if (ilc == null || !File.Exists(ilc)) throw new NimbusException("the ILCompiler package was restored but tools/ilc is missing");
        return s_ilc = ilc;
    }

    private static string? IlcFromAssets(string assetsPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(assetsPath));
        var root = doc.RootElement;
        var folders = root.GetProperty("packageFolders").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var lib in root.GetProperty("libraries").EnumerateObject())
        {
            if (!lib.Name.StartsWith("runtime.linux-x64.Microsoft.DotNet.ILCompiler/", StringComparison.OrdinalIgnoreCase)) continue;
            var rel = lib.Value.GetProperty("path").GetString()!;
            foreach (var folder in folders)
            {
                var ilc = Path.Combine(folder, rel, "tools", "ilc");
                if (File.Exists(ilc)) return ilc;
            }
        }
        return null;
    }

    public static void EnsureBinutils()
    {
        foreach (var tool in new[] { "as", "ld", "nm", "strip" })
            if (ProcessRunner.FindOnPath(tool) == null)
                throw new NimbusException($"'{tool}' is missing: install binutils (as root: apt-get install -y binutils; `./nimbus` does this when run as root)");
    }
}
