// Writes the boot archive on the host: a newc cpio archive (the format of `cpio -o -H newc`, what
// Linux initramfs uses) that QEMU hands to the kernel with -initrd, plus the manifest that says what
// goes in it. Output is deterministic (mtime 0, owner 0, inodes numbered from 1) so the same inputs
// give the same bytes. Self-contained on purpose: the hosted tests compile this file on its own.
using System.Text;

namespace Nimbus.Cli;

public sealed class CpioWriter : IDisposable
{
    // C# has no octal literals: 0x1ED is 0755 and 0x1A4 is 0644.
    public const int DefaultDirectoryMode = 0x1ED;
    public const int DefaultFileMode = 0x1A4;
    public const int ExecutableFileMode = 0x1ED;

    private const int MaxNameBytes = 4095;  // PATH_MAX (4096) with the NUL, what Linux and our reader accept
    private const uint TypeDirectory = 0x4000, TypeRegular = 0x8000, TypeSymlink = 0xA000, TypeCharDevice = 0x2000;
    private uint _rdevMajor, _rdevMinor;     // for the character device being written

    private enum Kind { Directory, File, Symlink, CharDevice }

    private readonly Stream _output;
    private readonly bool _leaveOpen;
    // Every path written so far (as stored, without the leading '/'), to add parents once and refuse duplicates.
    private readonly Dictionary<string, (Kind Kind, int Mode)> _written = new(StringComparer.Ordinal);
    private uint _nextInode = 1;
    private long _archiveLength;            // counted here: padding is relative to the archive start, whatever the stream
    private bool _finished;

    public CpioWriter(Stream output, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!output.CanWrite) throw new ArgumentException("the archive stream is not writable", nameof(output));
        _output = output;
        _leaveOpen = leaveOpen;
    }

    public void AddDirectory(string guestPath, int mode = DefaultDirectoryMode)
    {
        string name = Prepare(guestPath, mode);
        if (_written.TryGetValue(name, out var existing))
        {
            // Already there, usually created as the parent of something added before: fine if nothing changes.
            if (existing.Kind == Kind.Directory && existing.Mode == mode) return;
            if (existing.Kind == Kind.Directory)
                throw new InvalidOperationException($"directory '{guestPath}' was already added with mode {Octal(existing.Mode)}; " +
                    $"to give it mode {Octal(mode)}, add it before anything inside it");
            throw new InvalidOperationException($"'{guestPath}' was already added as a {Describe(existing.Kind)}");
        }
        AddParents(name, guestPath);
        WriteEntry(name, Kind.Directory, mode, ReadOnlySpan<byte>.Empty);
    }

    public void AddFile(string guestPath, byte[] data, int mode = DefaultFileMode)
    {
        ArgumentNullException.ThrowIfNull(data);
        string name = PrepareNew(guestPath, mode);
        WriteEntry(name, Kind.File, mode, data);
    }

    public void AddFile(string guestPath, Stream data, int mode = DefaultFileMode)
    {
        ArgumentNullException.ThrowIfNull(data);
        string name = PrepareNew(guestPath, mode);
        if (!data.CanSeek)
        {
            // The header holds the size, so a stream of unknown length is read into memory first.
            var buffer = new MemoryStream();
            data.CopyTo(buffer);
            WriteEntry(name, Kind.File, mode, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            return;
        }
        long size = Math.Max(0, data.Length - data.Position);
        WriteHeaderAndName(name, Kind.File, mode, CheckSize(size, guestPath));
        var chunk = new byte[81920];
        for (long left = size; left > 0;)
        {
            int n = data.Read(chunk, 0, (int)Math.Min(chunk.Length, left));
            if (n == 0) throw new IOException($"'{guestPath}': the stream ended {left} bytes before its announced length");
            Write(chunk.AsSpan(0, n));
            left -= n;
        }
        Pad();
    }

    // A symlink's data is its target, stored without a NUL; permissions are always 0777 as on Linux.
    public void AddSymlink(string guestPath, string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Length == 0) throw new ArgumentException($"symlink '{guestPath}' has an empty target", nameof(target));
        if (target.Contains('\0')) throw new ArgumentException($"symlink '{guestPath}' has a target containing a NUL character", nameof(target));
        string name = PrepareNew(guestPath, 0x1FF);
        WriteEntry(name, Kind.Symlink, 0x1FF, Encoding.UTF8.GetBytes(target));
    }

    // A character device node (e.g. /dev/console 5,1, which a Linux kernel opens for its init).
    public void AddCharDevice(string guestPath, int major, int minor, int mode = 0x180)
    {
        string name = PrepareNew(guestPath, mode);
        (_rdevMajor, _rdevMinor) = ((uint)major, (uint)minor);
        WriteEntry(name, Kind.CharDevice, mode, ReadOnlySpan<byte>.Empty);
        (_rdevMajor, _rdevMinor) = (0, 0);
    }

    // Writes the trailer entry that ends the archive. Without it readers report a truncated archive,
    // which is why Dispose does not call this: an archive abandoned after an error must not look complete.
    public void Finish()
    {
        ThrowIfFinished();
        WriteHeader(ino: 0, mode: 0, nlink: 1, size: 0, nameSize: (uint)"TRAILER!!!".Length + 1);
        WriteName("TRAILER!!!"u8);
        _output.Flush();
        _finished = true;
    }

    public void Dispose()
    {
        if (!_leaveOpen) _output.Dispose();
    }

    // The name stored in the archive for an absolute guest path: without the leading '/' (as Linux
    // initramfs archives are) and without a trailing '/'. Throws ArgumentException for a bad path.
    public static string ToArchiveName(string guestPath)
    {
        string? error = GuestPathError(guestPath);
        if (error != null) throw new ArgumentException(error, nameof(guestPath));
        return guestPath.Trim('/');
    }

    // Why a guest path cannot be used, or null if it can.
    public static string? GuestPathError(string? guestPath)
    {
        if (string.IsNullOrEmpty(guestPath)) return "the guest path is empty";
        if (guestPath.Contains('\0')) return $"guest path '{guestPath.Replace("\0", "\\0")}' contains a NUL character";
        if (guestPath[0] != '/') return $"guest path '{guestPath}' is relative: it must start with '/'";
        string inner = guestPath[1..];
        if (inner.EndsWith('/')) inner = inner[..^1];     // "/app/" names the directory "/app"
        if (inner.Length == 0) return $"guest path '{guestPath}' is the root directory, which the archive does not store";
        foreach (string part in inner.Split('/'))
        {
            if (part.Length == 0) return $"guest path '{guestPath}' contains an empty component ('//')";
            if (part == "..") return $"guest path '{guestPath}' contains '..'";
            if (part == ".") return $"guest path '{guestPath}' contains '.' as a component";
        }
        if (Encoding.UTF8.GetByteCount(inner) > MaxNameBytes)
            return $"guest path '{guestPath[..40]}...' is longer than {MaxNameBytes} bytes";
        return null;
    }

    private string Prepare(string guestPath, int mode)
    {
        ThrowIfFinished();
        if (mode is < 0 or > 0xFFF)
            throw new ArgumentOutOfRangeException(nameof(mode), $"mode {Octal(mode)} of '{guestPath}' is not permission bits (0 to 7777 octal)");
        return ToArchiveName(guestPath);
    }

    private string PrepareNew(string guestPath, int mode)
    {
        string name = Prepare(guestPath, mode);
        if (_written.TryGetValue(name, out var existing))
            throw new InvalidOperationException($"'{guestPath}' was already added as a {Describe(existing.Kind)}");
        AddParents(name, guestPath);
        return name;
    }

    // Adds the directories above `name` that are not in the archive yet, outermost first, since
    // extractors create an entry only after its parent exists.
    private void AddParents(string name, string guestPath)
    {
        for (int slash = name.IndexOf('/'); slash >= 0; slash = name.IndexOf('/', slash + 1))
        {
            string parent = name[..slash];
            if (!_written.TryGetValue(parent, out var existing))
                WriteEntry(parent, Kind.Directory, DefaultDirectoryMode, ReadOnlySpan<byte>.Empty);
            else if (existing.Kind != Kind.Directory)
                throw new InvalidOperationException($"cannot add '{guestPath}': '/{parent}' is a {Describe(existing.Kind)}, not a directory");
        }
    }

    private void WriteEntry(string name, Kind kind, int mode, ReadOnlySpan<byte> data)
    {
        WriteHeaderAndName(name, kind, mode, CheckSize(data.Length, "/" + name));
        Write(data);
        Pad();
    }

    private void WriteHeaderAndName(string name, Kind kind, int permissions, uint size)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        uint type = kind switch { Kind.Directory => TypeDirectory, Kind.File => TypeRegular, Kind.CharDevice => TypeCharDevice, _ => TypeSymlink };
        // A directory's link count is 2 (itself and its "."); 1 for anything else, which also keeps
        // Linux from treating regular files as hard links of each other.
        WriteHeader(_nextInode++, type | (uint)permissions, kind == Kind.Directory ? 2u : 1u, size, (uint)nameBytes.Length + 1);
        WriteName(nameBytes);
        _written[name] = (kind, permissions);
    }

    private void WriteHeader(uint ino, uint mode, uint nlink, uint size, uint nameSize)
    {
        // 070701, then ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor
        // namesize check, each as 8 hex digits. Owner and times are 0 for reproducible output.
        var header = new StringBuilder("070701", 110);
        foreach (uint field in new[] { ino, mode, 0u, 0u, nlink, 0u, size, 0u, 0u, _rdevMajor, _rdevMinor, nameSize, 0u })
            header.Append(field.ToString("X8"));
        Write(Encoding.ASCII.GetBytes(header.ToString()));
    }

    // The name, its NUL, and zeros up to a multiple of 4 (counting the header, whose size is not one).
    private void WriteName(ReadOnlySpan<byte> name)
    {
        Write(name);
        Write([0]);
        Pad();
    }

    private void Pad()
    {
        int padding = (int)(-_archiveLength & 3);
        if (padding > 0) Write(stackalloc byte[padding]);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        _archiveLength += bytes.Length;
    }

    private static uint CheckSize(long size, string guestPath) =>
        size <= uint.MaxValue ? (uint)size
        : throw new ArgumentException($"'{guestPath}' is {size} bytes: a newc archive holds at most 4 GiB - 1 per file");

    private void ThrowIfFinished()
    {
        if (_finished) throw new InvalidOperationException("the archive is finished: nothing can be added after its trailer");
    }

    private static string Describe(Kind kind) => kind switch { Kind.Directory => "directory", Kind.File => "file", Kind.CharDevice => "device", _ => "symlink" };
    private static string Octal(int mode) => mode < 0 ? mode.ToString() : Convert.ToString(mode, 8).PadLeft(4, '0');
}

// One line of a manifest: a host file or directory to copy, or a symlink to create.
public sealed record ManifestEntry(string GuestPath, string? HostPath, string? LinkTarget, string ManifestPath, int Line)
{
    public bool IsSymlink => LinkTarget != null;
    public string Location => $"{ManifestPath}:{Line}";
}

public sealed class ManifestException(string message, Exception? inner = null) : Exception(message, inner);

// What goes in the boot archive, one entry a line:
//   /guest/path: host/path        a file, or a directory copied recursively
//   /guest/path: -> target        a symlink
// with '#' comment lines and blank lines ignored. Host paths are relative to the manifest's folder.
// The first ':' separates the two sides, so a guest path cannot contain one.
public static class Manifest
{
    public static IReadOnlyList<ManifestEntry> Load(string manifestPath)
    {
        string text;
        try { text = File.ReadAllText(manifestPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ManifestException($"{manifestPath}: cannot read the manifest: {e.Message}", e);
        }
        return Parse(text, manifestPath);
    }

    // `manifestPath` names the file in messages and anchors relative host paths; it need not exist.
    public static IReadOnlyList<ManifestEntry> Parse(string text, string manifestPath)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        var entries = new List<ManifestEntry>();
        var lineOfName = new Dictionary<string, int>(StringComparer.Ordinal);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNumber = i + 1;
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            ManifestException Error(string what) => new($"{manifestPath}:{lineNumber}: {what}");

            int colon = line.IndexOf(':');
            if (colon < 0) throw Error($"expected '/guest/path: host/path' or '/guest/path: -> target', not '{line}'");
            string guestPath = line[..colon].Trim();
            string source = line[(colon + 1)..].Trim();
            if (CpioWriter.GuestPathError(guestPath) is string pathError) throw Error(pathError);
            string name = CpioWriter.ToArchiveName(guestPath);
            if (lineOfName.TryGetValue(name, out int firstLine))
                throw Error($"duplicate guest path '{guestPath}' (already on line {firstLine})");
            lineOfName[name] = lineNumber;

            if (source.StartsWith("->"))
            {
                string target = source[2..].Trim();
                if (target.Length == 0) throw Error($"symlink '{guestPath}' has no target after '->'");
                entries.Add(new ManifestEntry(guestPath, null, target, manifestPath, lineNumber));
                continue;
            }
            if (source.Length == 0) throw Error($"'{guestPath}' has no host path after ':'");
            string hostPath = Path.GetFullPath(source, folder);
            if (!File.Exists(hostPath) && !Directory.Exists(hostPath))
                throw Error($"host path '{source}' does not exist (looked for {hostPath})");
            entries.Add(new ManifestEntry(guestPath, hostPath, null, manifestPath, lineNumber));
        }
        return entries;
    }

    // Adds the entries in manifest order; problems found while adding (a path given twice through a
    // copied directory, a host file that vanished) are reported with the manifest line they come from.
    public static void ApplyTo(IReadOnlyList<ManifestEntry> entries, CpioWriter writer)
    {
        foreach (var entry in entries)
        {
            try
            {
                if (entry.LinkTarget != null) writer.AddSymlink(entry.GuestPath, entry.LinkTarget);
                else if (Directory.Exists(entry.HostPath)) AddTree(writer, entry.GuestPath.TrimEnd('/'), new DirectoryInfo(entry.HostPath));
                else AddHostFile(writer, entry.GuestPath, entry.HostPath!);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                throw new ManifestException($"{entry.Location}: {e.Message}", e);
            }
        }
    }

    // Children in ordinal name order so the archive does not depend on the host's directory order.
    // Symlinks inside are kept as symlinks (as cpio and tar do), never followed.
    private static void AddTree(CpioWriter writer, string guestPath, DirectoryInfo directory)
    {
        writer.AddDirectory(guestPath);
        foreach (var child in directory.EnumerateFileSystemInfos().OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            string childGuestPath = guestPath + "/" + child.Name;
            if (child.LinkTarget != null) writer.AddSymlink(childGuestPath, child.LinkTarget);
            else if (child is DirectoryInfo subdirectory) AddTree(writer, childGuestPath, subdirectory);
            else AddHostFile(writer, childGuestPath, child.FullName);
        }
    }

    // Only the executable bit is taken from the host: 0755 or 0644, whatever the umask or checkout.
    private static void AddHostFile(CpioWriter writer, string guestPath, string hostPath)
    {
        bool executable = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(hostPath) & UnixFileMode.UserExecute) != 0;
        using var stream = File.OpenRead(hostPath);
        writer.AddFile(guestPath, stream, executable ? CpioWriter.ExecutableFileMode : CpioWriter.DefaultFileMode);
    }
}
