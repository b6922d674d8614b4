using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Nimbus.Cli;

// Builds the kernel: C# (CoreLib + kernel, one assembly: src/Kernel/Nimbus.Kernel.csproj) -> dotnet build
// -> ILCompiler (NativeAOT, from NuGet through the SDK) -> object file; the struct offsets asm uses
// (asm-offsets.inc, from the assembly's metadata); asm -> GNU as; then GNU ld with src/Kernel/kernel.ld.
// The link runs twice: the first image's symbols become the .ksyms table the kernel uses to
// symbolize backtraces, linked into the second image (placed after the code, so no code moves).
// Incremental: a content hash of every input is stored; an unchanged tree rebuilds nothing.
public sealed class KernelBuilder(Action<string> log, bool verbose)
{
    public const string AssemblyName = "Nimbus.Kernel";

    // Elf: the kernel with the selftests (kernel command lines, tests, gdb). AppElf: the same kernel
    // without them, which programs boot (`run APP`, `build APP -o`).
    public sealed record Result(string Elf, bool Rebuilt, long StrippedBytes, string AppElf, long AppStrippedBytes);

    // One assembly, two native images: ilc with and without the selftests (a feature switch), then
    // each linked. ilc and ld are the cheap steps (about a second each); the C# compile runs once.
    private sealed record Variant(string Name, string Elf, string[] IlcOptions)
    {
        public string Stripped => Path.Combine(Repo.KernelOut, Name + "-stripped.elf");
    }

    private static Variant[] Variants =>
    [
        new("nimbus", Repo.KernelElf, []),
        new("nimbus-app", Repo.AppKernelElf, ["--feature:Nimbus.Kernel.Selftests=false"]),
    ];

    public Result Build()
    {
        Directory.CreateDirectory(Repo.KernelOut);
        var sources = KernelSources();
        var asmFiles = Directory.GetFiles(Path.Combine(Repo.Src, "Kernel", "Arch", "X64"), "*.S").OrderBy(f => f, StringComparer.Ordinal).ToList();
        var linkerScript = Path.Combine(Repo.Src, "Kernel", "kernel.ld");
        string hash = InputHash(sources.Concat(asmFiles).Concat(BuildDefinition()).Append(linkerScript).Append(AliasesFile));
        string stampPath = Path.Combine(Repo.KernelOut, "inputs.sha256");
        if (Variants.All(v => File.Exists(v.Elf) && File.Exists(v.Stripped)) && File.Exists(stampPath) && File.ReadAllText(stampPath) == hash)
            return Outcome(rebuilt: false);

        Toolchain.EnsureBinutils();
        string dll = Path.Combine(Repo.KernelOut, "il", AssemblyName + ".dll");
        log("csc    kernel + CoreLib (dotnet build src/Kernel/Nimbus.Kernel.csproj)");
        Compile(dll);
        File.WriteAllText(Path.Combine(Repo.KernelOut, "asm-offsets.inc"), GenerateAsmOffsets(dll));

        var asmObjects = new List<string>();
        foreach (var asm in asmFiles)
        {
            string obj = Path.Combine(Repo.KernelOut, Path.GetFileNameWithoutExtension(asm) + ".o");
            log($"as     {Path.GetFileName(asm)}");
            Run("as", ["--64", "-g", "-I", Repo.KernelOut, "-o", obj, asm], "as");
            asmObjects.Add(obj);
        }
        foreach (var v in Variants) BuildVariant(v, dll, asmObjects, linkerScript);
        File.WriteAllText(stampPath, hash);
        return Outcome(rebuilt: true);
    }

    private static Result Outcome(bool rebuilt) =>
        new(Variants[0].Elf, rebuilt, new FileInfo(Variants[0].Stripped).Length, Variants[1].Elf, new FileInfo(Variants[1].Stripped).Length);

    private void BuildVariant(Variant v, string dll, List<string> asmObjects, string linkerScript)
    {
        log($"ilc    NativeAOT compile ({v.Name})");
        string managedObj = Path.Combine(Repo.KernelOut, v.Name + ".o");
        Run(Toolchain.Ilc(log), [dll, "-o:" + managedObj, "--systemmodule:" + AssemblyName, "--targetos:linux", "--targetarch:x64",
            "-O", "--nativelib", "-g", "--map:" + Path.Combine(Repo.KernelOut, v.Name + ".map.xml"), .. v.IlcOptions], "ilc");
        var objects = asmObjects.Append(managedObj).ToList();

        log($"ld     pass 1 ({v.Name})");
        string pass1 = Path.Combine(Repo.KernelOut, v.Name + ".pass1.elf");
        Link(linkerScript, objects, pass1);
        var symbols = TextSymbols(pass1);
        string ksymsObj = Path.Combine(Repo.KernelOut, v.Name + ".ksyms.o");
        WriteSymbolObject(symbols, ksymsObj);
        string exportsObj = Path.Combine(Repo.KernelOut, v.Name + ".kexports.o");
        int exportCount = WriteExportObject(pass1, exportsObj);
        log($"ld     pass 2 ({v.Name}: {symbols.Count} symbols, {exportCount} ABI exports)");
        string tmpElf = v.Elf + ".tmp";
        Link(linkerScript, objects.Append(ksymsObj).Append(exportsObj), tmpElf);
        var finalSymbols = TextSymbols(tmpElf);
        if (!finalSymbols.SequenceEqual(symbols))
            throw new NimbusException("internal build error: code moved between link passes (.ksyms must follow the code)");
        Run("strip", ["-o", v.Stripped, tmpElf], "strip");
        File.Move(tmpElf, v.Elf, overwrite: true);
    }

    public static string Project => Path.Combine(Repo.Src, "Kernel", "Nimbus.Kernel.csproj");

    // What else decides the kernel: the project, this build recipe and the offsets generator (when the
    // tree holds their sources), the analyzer configuration, MSBuild's directory-wide files.
    private static IEnumerable<string> BuildDefinition() =>
        new[] { Project, Path.Combine(Repo.Src, "Nimbus.Cli", "KernelBuilder.cs"), Path.Combine(Repo.Src, "Nimbus.Cli", "AsmOffsets.cs"),
                Path.Combine(Repo.Src, ".editorconfig"), Path.Combine(Repo.Root, ".editorconfig"),
                Path.Combine(Repo.Src, "Directory.Build.props"), Path.Combine(Repo.Root, "Directory.Build.props") }
            .Where(File.Exists);

    // The same files the project's globs take (src/CoreLib/**, src/Kernel/**), for the input hash.
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

    // dotnet build of the kernel project: one definition of sources, options and analyzers for the
    // build and the IDEs. Restores only the first time (the project has no packages).
    private void Compile(string dll)
    {
        bool restored = File.Exists(Path.Combine(Repo.KernelOut, "obj", "project.assets.json"));
        var r = Run("dotnet", ["build", Project, "-c", "Release", "-o", Path.GetDirectoryName(dll)!, "--nologo", "-v", "q",
            "-clp:NoSummary", .. restored ? new[] { "--no-restore" } : []], "dotnet build (kernel)");
        int warnings = r.Output.Split('\n').Where(l => l.Contains(": warning ", StringComparison.Ordinal)).Distinct().Count();
        if (warnings > 0 && !verbose) log($"       {warnings} compiler/analyzer warnings (see them: ./nimbus build -v, or dotnet build {Path.GetRelativePath(Repo.Root, Project)})");
    }

    private static string GenerateAsmOffsets(string dll)
    {
        try { return AsmOffsets.Generate(dll); }
        catch (InvalidDataException e) { throw new NimbusException(e.Message); }
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
        string bin = Path.ChangeExtension(obj, ".bin");
        File.WriteAllBytes(bin, table.ToArray());
        string asm = Path.ChangeExtension(obj, ".S");
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
        string path = Path.ChangeExtension(obj, ".S");
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
