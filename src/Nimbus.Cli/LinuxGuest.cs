using System.Buffers.Binary;
using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace Nimbus.Cli;

/// <summary>
/// A minimal Linux guest (Debian cloud kernel + busybox initramfs) used as the boot-time baseline
/// that Nimbus is compared against. Both images are built from Debian packages and cached.
/// </summary>
public static class LinuxGuest
{
    const string KernelMetaPackage = "linux-image-cloud-amd64";
    const string BusyboxPackage = "busybox-static";
    const string KernelCmdline = "console=ttyS0 quiet panic=-1 no_timer_check";

    // The guest's whole userspace: print a marker, then power off without running any shutdown logic.
    const string InitScript =
        "#!/bin/busybox sh\n" +
        "/bin/busybox echo hello\n" +
        "/bin/busybox poweroff -f\n";

    /// <summary>
    /// Ensures <c>vmlinux</c> (PVH-bootable ELF) and <c>initrd.cpio.gz</c> exist under <paramref name="cacheDir"/>,
    /// downloading the Debian packages they come from on first use. Returns absolute paths.
    /// </summary>
    public static (string Vmlinux, string Initrd) Prepare(string cacheDir, Action<string> log)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheDir);
        ArgumentNullException.ThrowIfNull(log);

        Directory.CreateDirectory(cacheDir);
        string vmlinux = Path.GetFullPath(Path.Combine(cacheDir, "vmlinux"));
        string initrd = Path.GetFullPath(Path.Combine(cacheDir, "initrd.cpio.gz"));
        bool needKernel = !File.Exists(vmlinux);
        bool needInitrd = !File.Exists(initrd);
        if (!needKernel && !needInitrd)
            return (vmlinux, initrd);

        // Downloads go to a private scratch directory next to the cache, removed afterwards.
        string work = Path.Combine(Path.GetFullPath(cacheDir), $".download-{Environment.ProcessId}");
        if (Directory.Exists(work))
            Directory.Delete(work, recursive: true); // stale debs from a crashed run would confuse FindDeb
        Directory.CreateDirectory(work);
        try
        {
            Ui.Step("fetching and building the Linux guest", log, stepLog => BuildImages(work, vmlinux, initrd, needKernel, needInitrd, stepLog));
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); }
            catch (IOException) { } // best effort; must not hide the real error
        }
        return (vmlinux, initrd);
    }

    static bool BuildImages(string work, string vmlinux, string initrd, bool needKernel, bool needInitrd, Action<string> log)
    {
        DownloadPackages(work, needKernel, needInitrd, log);

        if (needKernel)
        {
            string deb = FindDeb(work, "linux-image-");
            var (name, bzImage) = ExtractFromDeb(deb, path => path.StartsWith("boot/vmlinuz-", StringComparison.Ordinal));
            byte[] elf = DecompressBzImage(bzImage, name);
            CheckPvhElf(elf, name);
            WriteAtomically(vmlinux, elf);
            log($"linux-guest: extracted {Path.GetFileName(vmlinux)} ({elf.Length / (1024 * 1024)} MiB) from {name}");
        }

        if (needInitrd)
        {
            string deb = FindDeb(work, BusyboxPackage + "_");
            var (_, busybox) = ExtractFromDeb(deb, path => path is "bin/busybox" or "usr/bin/busybox");
            byte[] image = BuildInitramfs(busybox);
            WriteAtomically(initrd, image);
            log($"linux-guest: built {Path.GetFileName(initrd)} ({image.Length / 1024} KiB)");
        }
        return true;
    }

    /// <summary>
    /// The line the /init of <see cref="PrepareProgramInitrd"/> prints after the program, before powering off:
    /// <c>nimbus-program-exit STATUS</c> (QEMU's own exit status does not carry the program's).
    /// </summary>
    public const string ProgramExitMarker = "nimbus-program-exit";
    public const string ProgramStartMarker = "nimbus-program-start";   // printed just before the program runs

    /// <summary>
    /// Builds (once; cached under <paramref name="cacheDir"/>, keyed by a hash of the program binary, its arguments
    /// and busybox) an initramfs whose /init mounts /proc and /sys, runs <paramref name="programPath"/> (a static
    /// executable, installed as /bin/NAME) with <paramref name="args"/>, prints
    /// <c>nimbus-program-exit STATUS</c> (see <see cref="ProgramExitStatus"/>) and powers off at once.
    /// busybox comes from the boot-baseline initramfs (<see cref="Prepare"/>), downloaded if that is not cached.
    /// Boot it with the <c>vmlinux</c> from <see cref="Prepare"/>. Returns the image's absolute path.
    /// </summary>
    public static string PrepareProgramInitrd(string cacheDir, string programPath, string[] args, Action<string> log)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheDir);
        ArgumentException.ThrowIfNullOrEmpty(programPath);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(log);

        byte[] program = File.ReadAllBytes(programPath);
        string name = Path.GetFileName(programPath);
        if (name.Length == 0 || name is "busybox" or "." or ".." || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
            throw new NimbusException($"program file name '{name}' must be ASCII letters, digits, '_', '-' or '.' (the Linux guest's /init runs it by name)");
        if (program.Length < 4 || !program.AsSpan(0, 4).SequenceEqual("\u007FELF"u8))
            throw new NimbusException($"{programPath} is not an ELF executable");

        Directory.CreateDirectory(cacheDir);
        byte[] busybox = CachedBusybox(cacheDir, log);
        string script =
            "#!/bin/busybox sh\n" +
            "/bin/busybox mount -t proc proc /proc\n" +
            "/bin/busybox mount -t sysfs sysfs /sys\n" +
            $"/bin/busybox echo {ProgramStartMarker}\n" +
            $"/bin/{name}{string.Concat(args.Select(a => " " + ShellQuote(a)))}\n" +
            $"/bin/busybox echo \"{ProgramExitMarker} $?\"\n" +
            "/bin/busybox poweroff -f\n";

        // The key covers everything in the image, so a rebuilt program (or other arguments) gets a new image.
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        hash.AppendData(program);
        hash.AppendData(busybox);
        hash.AppendData(Encoding.UTF8.GetBytes(script));
        hash.AppendData("layout 3: Nimbus.Cli.CpioWriter"u8);                  // bump when BuildInitramfs changes what it adds
        var libraries = SharedLibraries(programPath);
        foreach (var (path, data) in libraries) { hash.AppendData(Encoding.UTF8.GetBytes(path)); hash.AppendData(data); }
        string key = Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
        string prefix = $"program-{name}-";
        string initrd = Path.GetFullPath(Path.Combine(cacheDir, $"{prefix}{key}.cpio.gz"));
        if (File.Exists(initrd))
            return initrd;

        byte[] image = BuildInitramfs(busybox, script, (name, program), libraries);
        WriteAtomically(initrd, image);
        log($"linux-guest: built {Path.GetFileName(initrd)} ({image.Length / 1024} KiB) running /bin/{name}");
        foreach (string stale in Directory.GetFiles(cacheDir, prefix + "*.cpio.gz")) // images of older builds
            if (!string.Equals(Path.GetFullPath(stale), initrd, StringComparison.Ordinal))
                try { File.Delete(stale); }
                catch (IOException) { } // best effort
        return initrd;
    }

    // A dynamically linked program needs the host's loader and libraries in the guest: what ldd lists.
    static List<(string Path, byte[] Data)> SharedLibraries(string programPath)
    {
        var list = new List<(string, byte[])>();
        var r = ProcessRunner.Run("ldd", [programPath], Repo.Root, TimeSpan.FromSeconds(30));
        if (r.ExitCode != 0) return list;                        // "not a dynamic executable"
        foreach (var line in r.Stdout.Split('\n'))
        {
            var m = System.Text.RegularExpressions.Regex.Match(line, @"(?:=>\s*)?(/\S+)\s+\(0x");
            if (m.Success && File.Exists(m.Groups[1].Value)) list.Add((m.Groups[1].Value, File.ReadAllBytes(m.Groups[1].Value)));
        }
        return list;
    }

    /// <summary>The program's exit status from the console of a guest booted with <see cref="PrepareProgramInitrd"/>, or null if it never finished.</summary>
    public static int? ProgramExitStatus(string consoleOutput)
    {
        var m = System.Text.RegularExpressions.Regex.Match(consoleOutput ?? "", $@"^{ProgramExitMarker} (\d+)\r?$", System.Text.RegularExpressions.RegexOptions.Multiline);
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    static string ShellQuote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or '=' or ',' or ':')
            ? arg
            : "'" + arg.Replace("'", "'\\''") + "'";

    // busybox for program images: a cached copy, else the one in the boot-baseline initramfs (so an offline
    // machine that has run `bench boot` needs no download), else the Debian package.
    static byte[] CachedBusybox(string cacheDir, Action<string> log)
    {
        string path = Path.GetFullPath(Path.Combine(cacheDir, "busybox"));
        if (File.Exists(path))
            return File.ReadAllBytes(path);

        byte[]? busybox = null;
        string baseline = Path.Combine(cacheDir, "initrd.cpio.gz");
        if (File.Exists(baseline))
            busybox = ReadFromInitramfs(File.ReadAllBytes(baseline), "bin/busybox");
        if (busybox == null)
        {
            string work = Path.Combine(Path.GetFullPath(cacheDir), $".download-{Environment.ProcessId}");
            if (Directory.Exists(work))
                Directory.Delete(work, recursive: true);
            Directory.CreateDirectory(work);
            try
            {
                DownloadPackages(work, kernel: false, busybox: true, log);
                busybox = ExtractFromDeb(FindDeb(work, BusyboxPackage + "_"), p => p is "bin/busybox" or "usr/bin/busybox").Data;
            }
            finally
            {
                try { Directory.Delete(work, recursive: true); }
                catch (IOException) { }
            }
        }
        WriteAtomically(path, busybox);
        return busybox;
    }

    /// <summary>QEMU arguments (without the binary) to boot the guest under TCG with the serial console on stdio.</summary>
    public static IReadOnlyList<string> QemuArgs(string vmlinux, string initrd, string machine, int memoryMb, int cpus = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(vmlinux);
        ArgumentException.ThrowIfNullOrEmpty(initrd);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(memoryMb);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cpus);

        string machineSpec = machine switch
        {
            // Without the legacy PIT/PIC/RTC this kernel hangs calibrating the TSC under TCG.
            "microvm" => "microvm,pit=on,pic=on,rtc=on",
            "q35" => "q35",
            _ => throw new ArgumentException($"unsupported machine '{machine}' (expected microvm or q35)", nameof(machine)),
        };

        // On microvm the kernel's only TSC reference is the fast PIT calibration, which under TCG often fails
        // (slow port I/O); the slow fallback needs port 0x61, which microvm lacks. With no TSC frequency and no
        // PIT ticks (microvm's MADT has no IRQ0->pin 2 override) the kernel then spins forever waiting for
        // jiffies. Handing it the frequency makes boot deterministic; q35 calibrates reliably on its own.
        string cmdline = machine == "microvm" && HostTscKhz.Value is int khz
            ? $"{KernelCmdline} tsc_early_khz={khz}"
            : KernelCmdline;
        // With several vCPUs the boot-time TSC sync check sees small warps under TCG (every vCPU reads the host's
        // synchronized TSC, but not atomically with QEMU's monotonic guard) and marks the TSC unstable; on microvm
        // the fallback is refined-jiffies, a 4 ms clock. The TSC is what Nimbus measures with, so keep it.
        if (cpus > 1)
            cmdline += " tsc=reliable";

        return
        [
            "-M", machineSpec,
            "-accel", "tcg",
            "-cpu", "max",
            "-m", $"{memoryMb}M",
            "-smp", cpus.ToString(CultureInfo.InvariantCulture),
            "-kernel", vmlinux,
            "-initrd", initrd,
            "-append", cmdline,
            "-nographic", // no display; first serial port (ttyS0) on stdio
            "-no-reboot", // guest reboot or panic (panic=-1) ends QEMU instead of looping
        ];
    }

    // Under TCG the guest's TSC is the host's TSC. x86 Linux derives its delay-loop calibration from the TSC,
    // so /proc/cpuinfo's "bogomips" is tsc_khz / 500 (to 5 kHz). Only trusted with an invariant TSC.
    static readonly Lazy<int?> HostTscKhz = new(() =>
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
            return null;
        try
        {
            string[] lines = File.ReadAllLines("/proc/cpuinfo");
            string? Field(string name) => lines
                .Where(line => line.StartsWith(name, StringComparison.Ordinal) && line.Contains(':'))
                .Select(line => line[(line.IndexOf(':') + 1)..].Trim())
                .FirstOrDefault();

            bool invariantTsc = Field("flags")?.Split(' ').Contains("constant_tsc") == true;
            if (!invariantTsc || !double.TryParse(Field("bogomips"), CultureInfo.InvariantCulture, out double bogomips))
                return null;
            int khz = (int)Math.Round(bogomips * 500);
            return khz is >= 100_000 and <= 10_000_000 ? khz : null;
        }
        catch (IOException)
        {
            return null;
        }
    });

    // ---- Downloading -------------------------------------------------------------------------

    static void DownloadPackages(string work, bool kernel, bool busybox, Action<string> log)
    {
        void Download()
        {
            var packages = new List<string>();
            if (kernel) packages.Add(ResolveKernelPackage(log));
            if (busybox) packages.Add(BusyboxPackage);
            log($"linux-guest: apt-get download {string.Join(' ', packages)}");
            RunTool("apt-get", ["download", .. packages], work);
        }

        try
        {
            Download();
        }
        catch (NimbusException first)
        {
            // Most likely empty or stale package lists; refreshing them needs root.
            if (!Environment.IsPrivilegedProcess)
                throw new NimbusException(
                    $"Linux guest images are not cached in {Path.GetDirectoryName(work)} and downloading them failed " +
                    $"({first.Message}). Run once as root so that `apt-get update` can refresh the package lists.");
            log($"linux-guest: {first.Message}; running apt-get update and retrying");
            try
            {
                RunTool("apt-get", ["update"], work);
                Download();
            }
            catch (NimbusException again) { throw new NimbusException($"cannot fetch the Linux guest's packages: {again.Message}"); }
        }
    }

    // linux-image-cloud-amd64 is a metapackage; the image itself is its linux-image-<abi>-cloud-amd64 dependency.
    static string ResolveKernelPackage(Action<string> log)
    {
        string output = RunTool("apt-cache", ["depends", KernelMetaPackage], null);
        foreach (string line in output.Split('\n'))
        {
            string trimmed = line.Trim().TrimStart('|'); // '|' marks an alternative
            if (!trimmed.StartsWith("Depends:", StringComparison.Ordinal))
                continue;
            string target = trimmed["Depends:".Length..].Trim();
            if (target.StartsWith("linux-image-", StringComparison.Ordinal))
            {
                log($"linux-guest: {KernelMetaPackage} -> {target}");
                return target;
            }
        }
        throw new NimbusException($"apt-cache found no linux-image-* dependency of {KernelMetaPackage}");
    }

    static string FindDeb(string dir, string prefix) =>
        Directory.GetFiles(dir, prefix + "*.deb").SingleOrDefault()
        ?? throw new NimbusException($"apt-get download produced no {prefix}*.deb in {dir}");

    // Streams the package's data tarball through dpkg-deb and returns the first regular file matching `want`
    // (paths without the leading "./"); streaming avoids unpacking the kernel's modules to disk.
    static (string Name, byte[] Data) ExtractFromDeb(string deb, Func<string, bool> want)
    {
        (string, byte[])? found = null;
        var r = ProcessRunner.Run("dpkg-deb", ["--fsys-tarfile", deb], environment: UntranslatedOutput, readStdout: stdout =>
        {
            using var tar = new TarReader(stdout, leaveOpen: true);
            while (tar.GetNextEntry() is { } entry)
            {
                string path = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                bool regular = entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile;
                if (found is null && regular && entry.DataStream is not null && want(path))
                {
                    using var data = new MemoryStream();
                    entry.DataStream.CopyTo(data);
                    found = (Path.GetFileName(path), data.ToArray());
                }
            }
        });
        if (r.ExitCode != 0)
            throw new NimbusException($"dpkg-deb --fsys-tarfile {deb} failed: {FirstLine(r.Stderr)}");
        return found ?? throw new NimbusException($"{Path.GetFileName(deb)} contains no matching file");
    }

    static readonly Dictionary<string, string> UntranslatedOutput = new() { ["LC_ALL"] = "C" };   // apt-cache output is parsed

    static string RunTool(string tool, IReadOnlyList<string> args, string? workDir)
    {
        var r = ProcessRunner.Run(tool, args, workDir, environment: UntranslatedOutput);
        if (r.ExitCode != 0)
            throw new NimbusException($"`{tool} {string.Join(' ', args)}` exited with {r.ExitCode}: {FirstLine(r.Stderr)}");
        return r.Stdout;
    }

    static string FirstLine(string text) => text.Trim().Split('\n')[0].Trim();

    static void WriteAtomically(string path, byte[] contents)
    {
        // A crash mid-write must not leave a truncated file that later counts as cached.
        string temp = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllBytes(temp, contents);
        File.Move(temp, path, overwrite: true);
    }

    // ---- bzImage -> vmlinux ------------------------------------------------------------------

    // The x86 boot header (boot protocol >= 2.08) locates the compressed payload exactly, and mkpiggy appends
    // the uncompressed size as its last 4 bytes, so no scanning or guessing where the stream ends is needed.
    public static byte[] DecompressBzImage(byte[] image, string name)
    {
        if (image.Length < 0x250 || BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x202)) != 0x53726448) // "HdrS"
            throw new NimbusException($"{name} is not an x86 bzImage");
        if (BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(0x206)) < 0x208)
            throw new NimbusException($"{name} uses a boot protocol older than 2.08 (no payload fields)");

        int setupSectors = image[0x1F1] == 0 ? 4 : image[0x1F1];
        long start = (setupSectors + 1) * 512L + BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x248));
        long length = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(0x24C));
        if (length < 8 || start + length > image.Length)
            throw new NimbusException($"{name}: payload lies outside the file");

        ReadOnlySpan<byte> payload = image.AsSpan((int)start, (int)length);
        if (BinaryPrimitives.ReadUInt32LittleEndian(payload) != Lz4Legacy.Magic)
            throw new NimbusException(
                $"{name}: payload is not legacy-LZ4 (magic {BinaryPrimitives.ReadUInt32LittleEndian(payload):X8})");

        int size = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(payload[^4..]));
        try
        {
            return Lz4Legacy.Decode(payload[..^4], size);
        }
        catch (InvalidDataException e)
        {
            throw new NimbusException($"{name}: corrupt LZ4 payload: {e.Message}");
        }
    }

    // QEMU can boot an ELF kernel directly only through its Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY = 18);
    // check for it here so a kernel built without CONFIG_PVH fails now rather than as a silent QEMU hang.
    static void CheckPvhElf(byte[] elf, string name)
    {
        ReadOnlySpan<byte> span = elf;
        if (span.Length < 64 || !span[..4].SequenceEqual("\u007FELF"u8) || span[4] != 2)
            throw new NimbusException($"{name}: decompressed payload is not a 64-bit ELF");

        long phOff = (long)BinaryPrimitives.ReadUInt64LittleEndian(span[0x20..]);
        int phEntSize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x36..]);
        int phCount = BinaryPrimitives.ReadUInt16LittleEndian(span[0x38..]);
        for (int i = 0; i < phCount; i++)
        {
            ReadOnlySpan<byte> ph = span.Slice(checked((int)(phOff + (long)i * phEntSize)), 56);
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != 4) // PT_NOTE
                continue;
            var notes = span.Slice(checked((int)BinaryPrimitives.ReadUInt64LittleEndian(ph[0x08..])),
                                   checked((int)BinaryPrimitives.ReadUInt64LittleEndian(ph[0x20..])));
            while (notes.Length >= 12)
            {
                int nameSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes);
                int descSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes[4..]);
                uint type = BinaryPrimitives.ReadUInt32LittleEndian(notes[8..]);
                if (type == 18 && nameSize == 4 && notes.Length >= 16 && notes.Slice(12, 4).SequenceEqual("Xen\0"u8))
                    return;
                int next = 12 + Align4(nameSize) + Align4(descSize);
                if (nameSize < 0 || descSize < 0 || next > notes.Length)
                    break;
                notes = notes[next..];
            }
        }
        throw new NimbusException($"{name}: vmlinux has no PVH entry note; QEMU cannot boot it with -kernel");
    }

    static int Align4(int n) => (n + 3) & ~3;

    // ---- initramfs ---------------------------------------------------------------------------

    // A gzip'd "newc" cpio, the format the kernel unpacks into its initial rootfs. /dev/console is included
    // because the kernel opens it for init's stdio before running /init; without it `echo` would go nowhere.
    static byte[] BuildInitramfs(byte[] busybox, string initScript = InitScript, (string Name, byte[] Data)? program = null,
        IReadOnlyList<(string Path, byte[] Data)>? libraries = null)
    {
        using var gz = new MemoryStream();
        using (var zip = new GZipStream(gz, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            // The same writer as Nimbus's boot archives; parent directories are added as needed.
            using var cpio = new CpioWriter(zip, leaveOpen: true);
            cpio.AddDirectory("/bin");
            cpio.AddCharDevice("/dev/console", major: 5, minor: 1);
            cpio.AddDirectory("/proc");
            cpio.AddDirectory("/sys");
            cpio.AddDirectory("/tmp");              // programs expect a writable /tmp, as on Nimbus
            cpio.AddFile("/bin/busybox", busybox, CpioWriter.ExecutableFileMode);
            if (program is { } p)
                cpio.AddFile("/bin/" + p.Name, p.Data, CpioWriter.ExecutableFileMode);
            foreach (var (path, data) in libraries ?? [])
                cpio.AddFile(path, data, CpioWriter.ExecutableFileMode);
            cpio.AddFile("/init", Encoding.ASCII.GetBytes(initScript), CpioWriter.ExecutableFileMode);
            cpio.Finish();
        }
        return gz.ToArray();
    }

    // The data of one regular file in a gzip'd newc cpio (the format CpioWriter writes), or null.
    static byte[]? ReadFromInitramfs(byte[] image, string wanted)
    {
        using var input = new GZipStream(new MemoryStream(image), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        input.CopyTo(raw);
        byte[] cpio = raw.ToArray();
        int pos = 0;
        while (pos + 110 <= cpio.Length && Encoding.ASCII.GetString(cpio, pos, 6) == "070701")
        {
            int Field(int i) => int.Parse(Encoding.ASCII.GetString(cpio, pos + 6 + 8 * i, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            int mode = Field(1), size = Field(6), nameSize = Field(11);
            if (nameSize < 1 || size < 0 || pos + 110 + nameSize > cpio.Length)
                return null;
            string name = Encoding.ASCII.GetString(cpio, pos + 110, nameSize - 1);
            int data = Align4(pos + 110 + nameSize);
            if (name == "TRAILER!!!" || data + size > cpio.Length)
                return null;
            if (name == wanted && (mode & 0xF000) == 0x8000)
                return cpio.AsSpan(data, size).ToArray();
            pos = Align4(data + size);
        }
        return null;
    }
}
