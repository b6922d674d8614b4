// Tests for the boot archive: the kernel's newc cpio reader (src/Kernel/Fs/Cpio.cs) and the host's
// writer and manifest (src/Nimbus.Cli/CpioWriter.cs), checked against GNU cpio in both directions,
// against each other, and against corrupted input. Archives are parsed from memory whose end touches
// an inaccessible page, so a read one byte too far crashes the run instead of passing unnoticed.
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using Nimbus.Cli;
using Nimbus.Kernel.Fs;
using Xunit;

namespace Nimbus.Tests;

// What the reader returned for one entry, copied out of the archive memory.
public sealed record CpioParsed(string Name, uint Mode, uint Uid, uint Gid, uint Nlink, uint Mtime, uint Ino, byte[] Data);

public sealed record CpioParse(List<CpioParsed> Entries, CpioStatus Final, ulong Offset);

// Parsing helpers shared by the test classes.
public static unsafe class CpioTestSupport
{
    public const uint Dir = 0x4000, Reg = 0x8000, Lnk = 0xA000;

    public static CpioParse Parse(ReadOnlySpan<byte> archive)
    {
        using var memory = new GuardedMemory(archive.Length);
        return Parse(memory, archive);
    }

    // Copies the archive so that it ends at the guard page, then reads every entry, checking that
    // what the reader hands out lies inside the archive.
    public static CpioParse Parse(GuardedMemory memory, ReadOnlySpan<byte> archive, int maxEntries = 100_000)
    {
        byte* start = memory.Place(archive);
        ulong length = (ulong)archive.Length;
        var reader = new CpioReader(start, length);
        var entries = new List<CpioParsed>();
        while (true)
        {
            CpioStatus status = reader.Next(out CpioEntry e);
            Assert.True(reader.Offset <= length, $"Offset {reader.Offset} is past the length {length}");
            if (status != CpioStatus.Ok) return new CpioParse(entries, status, reader.Offset);
            Assert.True(e.NameLength > 0 && e.Name >= start && e.Name + e.NameLength < start + length, "name outside the archive");
            Assert.Equal(0, e.Name[e.NameLength]);
            Assert.True(e.Data >= start && e.Size <= length && e.Data + e.Size <= start + length, "data outside the archive");
            entries.Add(new CpioParsed(Encoding.UTF8.GetString(e.Name, e.NameLength), e.Mode, e.Uid, e.Gid, e.Nlink, e.Mtime, e.Ino,
                new ReadOnlySpan<byte>(e.Data, (int)e.Size).ToArray()));
            Assert.True(entries.Count <= maxEntries, "the reader does not advance");
        }
    }

    public static (int ExitCode, byte[] Stdout, string Stderr) Run(string file, string arguments, string workingDirectory, byte[]? stdin = null)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var stdout = new MemoryStream();
        var readOut = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var readErr = process.StandardError.ReadToEndAsync();
        if (stdin != null) process.StandardInput.BaseStream.Write(stdin);
        process.StandardInput.Close();
        readOut.Wait();
        process.WaitForExit();
        return (process.ExitCode, stdout.ToArray(), readErr.Result);
    }

    public static byte[] GnuCpioOut(string directory, IEnumerable<string> names, string format = "newc")
    {
        var (exit, archive, stderr) = Run("cpio", $"-o -H {format} --quiet", directory, Encoding.UTF8.GetBytes(string.Join("\n", names) + "\n"));
        Assert.True(exit == 0, "cpio -o failed: " + stderr);
        return archive;
    }

    public static byte[] Write(Action<CpioWriter> add)
    {
        var output = new MemoryStream();
        using (var writer = new CpioWriter(output, leaveOpen: true))
        {
            add(writer);
            writer.Finish();
        }
        return output.ToArray();
    }

    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "nimbus-cpio-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

// Memory in which bytes can be placed to end exactly where an inaccessible page begins (Linux: mmap
// then mprotect). Elsewhere it falls back to plain memory and the pointer checks in Parse.
public sealed unsafe class GuardedMemory : IDisposable
{
    private const int PageSize = 4096;
    private const int ProtNone = 0, ProtReadWrite = 3, MapPrivateAnonymous = 0x22;

    [DllImport("libc", SetLastError = true)] private static extern IntPtr mmap(IntPtr address, nuint length, int protection, int flags, int fd, nint offset);
    [DllImport("libc", SetLastError = true)] private static extern int mprotect(IntPtr address, nuint length, int protection);
    [DllImport("libc", SetLastError = true)] private static extern int munmap(IntPtr address, nuint length);

    private readonly byte* _base;
    private readonly nuint _mapped;
    private readonly byte* _guard;        // first byte that must never be read
    private readonly int _capacity;

    public GuardedMemory(int capacity)
    {
        _capacity = capacity;
        nuint dataBytes = (nuint)((capacity + PageSize - 1) / PageSize * PageSize);
        if (OperatingSystem.IsLinux())
        {
            _mapped = dataBytes + PageSize;
            IntPtr p = mmap(IntPtr.Zero, _mapped, ProtReadWrite, MapPrivateAnonymous, -1, 0);
            Assert.True(p != new IntPtr(-1), "mmap failed: " + Marshal.GetLastPInvokeError());
            _base = (byte*)p;
            _guard = _base + dataBytes;
            Assert.Equal(0, mprotect((IntPtr)_guard, PageSize, ProtNone));
        }
        else
        {
            _base = (byte*)NativeMemory.Alloc(dataBytes + 1);
            _guard = _base + dataBytes;
        }
    }

    public byte* Place(ReadOnlySpan<byte> bytes)
    {
        Assert.True(bytes.Length <= _capacity);
        byte* start = _guard - bytes.Length;
        bytes.CopyTo(new Span<byte>(start, bytes.Length));
        return start;
    }

    public void Dispose()
    {
        if (_mapped != 0) munmap((IntPtr)_base, _mapped);
        else NativeMemory.Free(_base);
    }
}

[SupportedOSPlatform("linux")]   // GNU cpio and Unix file modes
public class CpioReaderTests
{
    // A tree with names of every length from 1 to 10 (so every amount of name padding) and data of
    // several lengths (every amount of data padding), an empty file, directories, a symlink and a big file.
    private static (string Root, List<string> Names) MakeTree()
    {
        string root = CpioTestSupport.TempDirectory();
        var names = new List<string>();
        for (int length = 1; length <= 10; length++)
        {
            string name = new string((char)('a' + length - 1), length);
            File.WriteAllBytes(Path.Combine(root, name), CpioTestSupport.RandomBytes(length * 7 % 9, length));
            File.SetUnixFileMode(Path.Combine(root, name), length % 2 == 0 ? (UnixFileMode)0x1A4 : (UnixFileMode)0x1ED);
            names.Add(name);
        }
        File.WriteAllBytes(Path.Combine(root, "empty"), []);
        File.SetUnixFileMode(Path.Combine(root, "empty"), (UnixFileMode)0x180);   // 0600
        Directory.CreateDirectory(Path.Combine(root, "dir"));
        File.WriteAllText(Path.Combine(root, "dir", "inner.txt"), "inside\n");
        File.SetUnixFileMode(Path.Combine(root, "dir", "inner.txt"), (UnixFileMode)0x1A4);
        File.SetUnixFileMode(Path.Combine(root, "dir"), (UnixFileMode)0x1E8);     // 0750
        File.CreateSymbolicLink(Path.Combine(root, "link"), "bb");
        File.WriteAllBytes(Path.Combine(root, "big"), CpioTestSupport.RandomBytes(1_000_003, 99));
        File.SetUnixFileMode(Path.Combine(root, "big"), (UnixFileMode)0x1A4);
        File.SetLastWriteTimeUtc(Path.Combine(root, "big"), new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        names.AddRange(["empty", "dir", "dir/inner.txt", "link", "big"]);
        return (root, names);
    }

    // Mode and data as the file system has them.
    private static (uint Mode, byte[] Data) Expected(string root, string name)
    {
        string path = Path.Combine(root, name);
        var info = new FileInfo(path);
        if (info.LinkTarget != null) return (CpioTestSupport.Lnk | 0x1FF, Encoding.UTF8.GetBytes(info.LinkTarget));
        uint permissions = (uint)File.GetUnixFileMode(path);
        if (Directory.Exists(path)) return (CpioTestSupport.Dir | permissions, []);
        return (CpioTestSupport.Reg | permissions, File.ReadAllBytes(path));
    }

    [Fact]
    public void ReadsWhatGnuCpioWrites()
    {
        var (root, names) = MakeTree();
        try
        {
            var parse = CpioTestSupport.Parse(CpioTestSupport.GnuCpioOut(root, names));
            Assert.Equal(CpioStatus.End, parse.Final);
            Assert.Equal(names, parse.Entries.Select(e => e.Name));
            foreach (var entry in parse.Entries)
            {
                var (mode, data) = Expected(root, entry.Name);
                Assert.True(mode == entry.Mode, $"{entry.Name}: mode {entry.Mode:X} instead of {mode:X}");
                Assert.True(data.AsSpan().SequenceEqual(entry.Data), $"{entry.Name}: data differs");
            }
            var big = parse.Entries.Single(e => e.Name == "big");
            Assert.Equal(1_000_003, big.Data.Length);
            Assert.Equal((uint)new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds(), big.Mtime);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void LeavesDotSlashAndSlashPrefixesAlone()
    {
        string root = CpioTestSupport.TempDirectory();
        try
        {
            File.WriteAllText(Path.Combine(root, "x"), "x");
            var parse = CpioTestSupport.Parse(CpioTestSupport.GnuCpioOut(root, [".", "x"]));
            Assert.Equal(CpioStatus.End, parse.Final);
            Assert.Equal([".", "x"], parse.Entries.Select(e => e.Name));

            // GNU cpio drops "./" and "/" prefixes; other writers keep them, and so does the reader.
            byte[] archive = CpioTestSupport.Write(w => w.AddFile("/abc", "z"u8.ToArray()));
            Assert.Equal("./a", CpioTestSupport.Parse(ReplaceName(archive, "abc", "./a")).Entries.Single().Name);
            Assert.Equal("/ab", CpioTestSupport.Parse(ReplaceName(archive, "abc", "/ab")).Entries.Single().Name);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void VerifiesChecksumsOfCrcArchives()
    {
        var (root, names) = MakeTree();
        try
        {
            byte[] archive = CpioTestSupport.GnuCpioOut(root, names, "crc");
            Assert.Equal("070702", Encoding.ASCII.GetString(archive, 0, 6));
            var parse = CpioTestSupport.Parse(archive);
            Assert.Equal(CpioStatus.End, parse.Final);
            Assert.Equal(names, parse.Entries.Select(e => e.Name));

            // Flip one byte of the data of "bb" (the second entry): its checksum no longer matches.
            int second = NthHeader(archive, 1);
            int dataStart = Align4(second + 110 + 3);
            archive[dataStart] ^= 0x40;
            parse = CpioTestSupport.Parse(archive);
            Assert.Equal(CpioStatus.BadChecksum, parse.Final);
            Assert.Single(parse.Entries);
            Assert.Equal((ulong)second, parse.Offset);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    private static byte[] SmallArchive() => CpioTestSupport.Write(w =>
    {
        w.AddDirectory("/app");
        w.AddFile("/app/hello", "hello, world\n"u8.ToArray(), CpioWriter.ExecutableFileMode);
        w.AddFile("/app/empty", []);
        w.AddSymlink("/app/hi", "hello");
    });

    [Fact]
    public void EveryTruncationIsReportedAsTruncatedUntilTheTrailerIsComplete()
    {
        byte[] archive = SmallArchive();
        var full = CpioTestSupport.Parse(archive);
        Assert.Equal(CpioStatus.End, full.Final);
        Assert.Equal(4, full.Entries.Count);
        int trailerNameEnd = NthHeader(archive, 4) + 110 + "TRAILER!!!\0".Length;

        using var memory = new GuardedMemory(archive.Length);
        for (int length = 0; length < archive.Length; length++)
        {
            var parse = CpioTestSupport.Parse(memory, archive.AsSpan(0, length));
            var expected = length >= trailerNameEnd ? CpioStatus.End : CpioStatus.Truncated;
            Assert.True(expected == parse.Final, $"length {length}: {parse.Final} instead of {expected}");
            // The entries read before the cut are exactly the first ones of the whole archive.
            Assert.Equal(full.Entries.Take(parse.Entries.Count).Select(e => e.Name), parse.Entries.Select(e => e.Name));
            for (int i = 0; i < parse.Entries.Count; i++) Assert.Equal(full.Entries[i].Data, parse.Entries[i].Data);
        }
    }

    [Theory]
    [InlineData("070707")]    // the old portable (odc) format
    [InlineData("070703")]
    [InlineData("170701")]
    [InlineData("\0\0\0\0\0\0")]
    public void BadMagicIsReported(string magic)
    {
        byte[] archive = SmallArchive();
        int second = NthHeader(archive, 1);
        Encoding.ASCII.GetBytes(magic).CopyTo(archive, second);
        var parse = CpioTestSupport.Parse(archive);
        Assert.Equal(CpioStatus.BadMagic, parse.Final);
        Assert.Single(parse.Entries);
        Assert.Equal((ulong)second, parse.Offset);
    }

    [Fact]
    public void ANonHexDigitInAnyFieldIsBadNumber()
    {
        byte[] original = SmallArchive();
        foreach (char bad in "gGxz -+\0")
            for (int field = 0; field < 13; field++)
            {
                byte[] archive = (byte[])original.Clone();
                archive[6 + field * 8 + (field % 8)] = (byte)bad;
                var parse = CpioTestSupport.Parse(archive);
                Assert.True(parse.Final == CpioStatus.BadNumber, $"field {field} with '{bad}': {parse.Final}");
                Assert.Equal(0UL, parse.Offset);
            }
    }

    [Fact]
    public void LowerCaseHexIsAccepted()
    {
        byte[] archive = SmallArchive();
        var reference = CpioTestSupport.Parse(archive);
        for (int i = 0; i < 5; i++)
        {
            int header = NthHeader(archive, i);
            for (int j = header + 6; j < header + 110; j++)
                if (archive[j] is >= (byte)'A' and <= (byte)'F') archive[j] = (byte)(archive[j] + 32);
        }
        var parse = CpioTestSupport.Parse(archive);
        Assert.Equal(CpioStatus.End, parse.Final);
        Assert.Equal(reference.Entries.Select(e => (e.Name, e.Mode)), parse.Entries.Select(e => (e.Name, e.Mode)));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]          // just the NUL: an empty name
    [InlineData(4097u)]       // longer than PATH_MAX
    [InlineData(0xFFFFFFFFu)]
    public void ImpossibleNameSizesAreBadName(uint nameSize)
    {
        byte[] archive = SmallArchive();
        SetField(archive, 0, 11, nameSize);
        Assert.Equal(CpioStatus.BadName, CpioTestSupport.Parse(archive).Final);
    }

    [Fact]
    public void NamesMustEndWithTheirNulAndHaveNoOtherNul()
    {
        byte[] archive = SmallArchive();
        int second = NthHeader(archive, 1);            // "app/hello": 9 characters
        archive[second + 110 + 9] = (byte)'x';
        Assert.Equal(CpioStatus.BadName, CpioTestSupport.Parse(archive).Final);

        archive = SmallArchive();
        archive[second + 110 + 4] = 0;
        Assert.Equal(CpioStatus.BadName, CpioTestSupport.Parse(archive).Final);
    }

    [Theory]
    [InlineData(0x7FFFFFFFu)]
    [InlineData(0xFFFFFFFFu)]
    [InlineData(1000u)]
    public void SizesPastTheEndAreTruncated(uint size)
    {
        byte[] archive = SmallArchive();
        int second = NthHeader(archive, 1);
        SetField(archive, second, 6, size);
        var parse = CpioTestSupport.Parse(archive);
        Assert.Equal(CpioStatus.Truncated, parse.Final);
        Assert.Single(parse.Entries);
    }

    [Fact]
    public void AMissingTrailerIsTruncated()
    {
        byte[] archive = SmallArchive();
        var parse = CpioTestSupport.Parse(archive.AsSpan(0, NthHeader(archive, 4)));
        Assert.Equal(CpioStatus.Truncated, parse.Final);
        Assert.Equal(4, parse.Entries.Count);
        Assert.Equal(CpioStatus.Truncated, CpioTestSupport.Parse([]).Final);
    }

    [Fact]
    public void ZerosAfterTheTrailerAreAcceptedAndAnythingElseIsNot()
    {
        byte[] archive = SmallArchive();
        foreach (int zeros in new[] { 1, 2, 3, 4, 5, 512, 4099 })
            Assert.Equal(CpioStatus.End, CpioTestSupport.Parse([.. archive, .. new byte[zeros]]).Final);
        Assert.Equal(CpioStatus.BadMagic, CpioTestSupport.Parse([.. archive, .. "junk"u8]).Final);
        Assert.Equal(CpioStatus.BadMagic, CpioTestSupport.Parse([.. archive, 0, 0, .. archive]).Final);   // misaligned
        Assert.Equal(CpioStatus.Truncated, CpioTestSupport.Parse([.. archive, .. "0707"u8]).Final);
    }

    [Fact]
    public void ConcatenatedArchivesAreReadOneAfterTheOther()
    {
        byte[] first = SmallArchive();
        byte[] second = CpioTestSupport.Write(w => w.AddFile("/etc/motd", "hi\n"u8.ToArray()));
        var parse = CpioTestSupport.Parse([.. first, .. new byte[8], .. second]);
        Assert.Equal(CpioStatus.End, parse.Final);
        Assert.Equal(["app", "app/hello", "app/empty", "app/hi", "etc", "etc/motd"], parse.Entries.Select(e => e.Name));
    }

    [Fact]
    public unsafe void ErrorsAreStickyAndEndStaysEnd()
    {
        byte[] archive = SmallArchive();
        archive[NthHeader(archive, 2)] = (byte)'X';
        fixed (byte* p = archive)
        {
            var reader = new CpioReader(p, (ulong)archive.Length);
            Assert.Equal(CpioStatus.Ok, reader.Next(out _));
            Assert.Equal(CpioStatus.Ok, reader.Next(out _));
            ulong at = reader.Offset;
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(CpioStatus.BadMagic, reader.Next(out var entry));
                Assert.True(entry.Name == null && entry.Size == 0);
                Assert.Equal(at, reader.Offset);
            }
        }
        archive = SmallArchive();
        fixed (byte* p = archive)
        {
            var reader = new CpioReader(p, (ulong)archive.Length);
            while (reader.Next(out _) == CpioStatus.Ok) { }
            Assert.Equal(CpioStatus.End, reader.Next(out _));
            Assert.Equal((ulong)archive.Length, reader.Offset);
        }
    }

    [Fact]
    public void EveryStatusHasADescription()
    {
        foreach (CpioStatus status in Enum.GetValues<CpioStatus>())
            Assert.False(CpioReader.Describe(status).IsEmpty);
        Assert.Equal("unexpected end of archive", Encoding.ASCII.GetString(CpioReader.Describe(CpioStatus.Truncated)));
        Assert.Equal("end of archive", Encoding.ASCII.GetString(CpioReader.Describe(CpioStatus.End)));
        Assert.Equal("unknown archive error", Encoding.ASCII.GetString(CpioReader.Describe((CpioStatus)99)));
    }

    // Random corruption: whatever the reader makes of it, it must stop, stay inside the archive,
    // and hand out only entries that lie inside it (Parse checks; the guard page catches the rest).
    [Fact]
    public void RandomCorruptionNeverReadsOutOfBounds()
    {
        byte[] original = SmallArchive();
        byte[] interesting = "0123456789abcdefABCDEFgG7 "u8.ToArray().Concat(new byte[] { 0, 0xFF, (byte)'!' }).ToArray();
        var rng = new Random(2024);
        using var memory = new GuardedMemory(original.Length + 64);
        var seen = new HashSet<CpioStatus>();
        for (int round = 0; round < 30_000; round++)
        {
            byte[] archive = (byte[])original.Clone();
            int mutations = rng.Next(1, 6);
            for (int m = 0; m < mutations; m++)
            {
                // Mostly hit the first headers, where the numbers that steer the reader live.
                int at = rng.Next(3) == 0 ? rng.Next(archive.Length) : rng.Next(Math.Min(archive.Length, 260));
                archive[at] = rng.Next(4) == 0 ? (byte)rng.Next(256) : interesting[rng.Next(interesting.Length)];
            }
            int length = rng.Next(4) == 0 ? rng.Next(archive.Length + 1) : archive.Length;
            if (rng.Next(8) == 0) archive = [.. archive, .. CpioTestSupport.RandomBytes(rng.Next(64), round)];
            else archive = archive[..length];
            var parse = CpioTestSupport.Parse(memory, archive, maxEntries: archive.Length);
            seen.Add(parse.Final);
        }
        // The corruption reached every kind of failure, so the bounds were exercised on each path.
        foreach (var status in new[] { CpioStatus.End, CpioStatus.Truncated, CpioStatus.BadMagic, CpioStatus.BadNumber, CpioStatus.BadName })
            Assert.Contains(status, seen);
    }

    [Fact]
    public void RandomHeadersWithValidMagicNeverReadOutOfBounds()
    {
        var rng = new Random(5);
        using var memory = new GuardedMemory(1024);
        for (int round = 0; round < 20_000; round++)
        {
            byte[] archive = new byte[rng.Next(6, 1024)];
            for (int i = 0; i < archive.Length; i++) archive[i] = (byte)"0123456789ABCDEF"[rng.Next(rng.Next(2) == 0 ? 2 : 16)];
            "070701"u8.CopyTo(archive);
            CpioTestSupport.Parse(memory, archive, maxEntries: archive.Length);
        }
    }

    internal static int Align4(int n) => (n + 3) & ~3;

    // Offset of the n-th header (0-based) of a well-formed archive.
    internal static int NthHeader(byte[] archive, int n)
    {
        int offset = 0;
        for (int i = 0; i < n; i++)
        {
            int fileSize = Convert.ToInt32(Encoding.ASCII.GetString(archive, offset + 6 + 6 * 8, 8), 16);
            int nameSize = Convert.ToInt32(Encoding.ASCII.GetString(archive, offset + 6 + 11 * 8, 8), 16);
            offset = Align4(Align4(offset + 110 + nameSize) + fileSize);
        }
        return offset;
    }

    internal static void SetField(byte[] archive, int header, int field, uint value) =>
        Encoding.ASCII.GetBytes(value.ToString("X8")).CopyTo(archive, header + 6 + field * 8);

    // The first entry's name replaced by one of the same length.
    private static byte[] ReplaceName(byte[] archive, string oldName, string newName)
    {
        Assert.Equal(oldName.Length, newName.Length);
        byte[] copy = (byte[])archive.Clone();
        Assert.Equal(oldName, Encoding.ASCII.GetString(copy, 110, oldName.Length));
        Encoding.ASCII.GetBytes(newName).CopyTo(copy, 110);
        return copy;
    }
}

[SupportedOSPlatform("linux")]   // GNU cpio and Unix file modes
public class CpioWriterTests
{
    private static void AddSampleTree(CpioWriter w)
    {
        w.AddDirectory("/app", 0x1E8);                                           // 0750
        w.AddFile("/app/bin/hello", CpioTestSupport.RandomBytes(5000, 1), CpioWriter.ExecutableFileMode);
        w.AddFile("/app/empty", []);
        w.AddSymlink("/app/current", "bin/hello");
        w.AddFile("/big", new MemoryStream(CpioTestSupport.RandomBytes(1_000_003, 2)), 0x1A4);
        for (int length = 1; length <= 10; length++)
            w.AddFile("/n/" + new string((char)('a' + length - 1), length), CpioTestSupport.RandomBytes(length % 5, length));
        w.AddDirectory("/var/empty-dir", 0x1C0);                                 // 0700
    }

    private static readonly string[] SampleNames =
    [
        "app", "app/bin", "app/bin/hello", "app/empty", "app/current", "big",
        "n", "n/a", "n/bb", "n/ccc", "n/dddd", "n/eeeee", "n/ffffff", "n/ggggggg", "n/hhhhhhhh", "n/iiiiiiiii", "n/jjjjjjjjjj",
        "var", "var/empty-dir",
    ];

    [Fact]
    public void RoundTripsThroughTheKernelReader()
    {
        var parse = CpioTestSupport.Parse(CpioTestSupport.Write(AddSampleTree));
        Assert.Equal(CpioStatus.End, parse.Final);
        Assert.Equal(SampleNames, parse.Entries.Select(e => e.Name));
        Assert.Equal(Enumerable.Range(1, SampleNames.Length).Select(i => (uint)i), parse.Entries.Select(e => e.Ino));
        Assert.All(parse.Entries, e => Assert.True(e.Uid == 0 && e.Gid == 0 && e.Mtime == 0));

        var byName = parse.Entries.ToDictionary(e => e.Name);
        Assert.Equal(CpioTestSupport.Dir | 0x1E8, byName["app"].Mode);
        Assert.Equal(CpioTestSupport.Dir | 0x1ED, byName["app/bin"].Mode);   // added as a parent
        Assert.Equal(2u, byName["app/bin"].Nlink);
        Assert.Equal(CpioTestSupport.Reg | 0x1ED, byName["app/bin/hello"].Mode);
        Assert.Equal(1u, byName["app/bin/hello"].Nlink);
        Assert.Equal(CpioTestSupport.RandomBytes(5000, 1), byName["app/bin/hello"].Data);
        Assert.Equal(CpioTestSupport.Reg | 0x1A4, byName["app/empty"].Mode);
        Assert.Empty(byName["app/empty"].Data);
        Assert.Equal(CpioTestSupport.Lnk | 0x1FF, byName["app/current"].Mode);
        Assert.Equal("bin/hello"u8.ToArray(), byName["app/current"].Data);
        Assert.Equal(CpioTestSupport.RandomBytes(1_000_003, 2), byName["big"].Data);
        Assert.Equal(CpioTestSupport.Dir | 0x1C0, byName["var/empty-dir"].Mode);
    }

    [Fact]
    public void GnuCpioListsAndExtractsIt()
    {
        string root = CpioTestSupport.TempDirectory();
        try
        {
            byte[] archive = CpioTestSupport.Write(AddSampleTree);
            var (exit, listing, stderr) = CpioTestSupport.Run("cpio", "-t --quiet", root, archive);
            Assert.True(exit == 0, "cpio -t failed: " + stderr);
            Assert.Equal(SampleNames, Encoding.UTF8.GetString(listing).Split('\n', StringSplitOptions.RemoveEmptyEntries));

            string into = Path.Combine(root, "extracted");
            Directory.CreateDirectory(into);
            (exit, _, stderr) = CpioTestSupport.Run("cpio", "-idm --quiet", into, archive);
            Assert.True(exit == 0, "cpio -idm failed: " + stderr);
            Assert.Equal("", stderr);

            string P(string name) => Path.Combine(into, name);
            Assert.Equal(CpioTestSupport.RandomBytes(5000, 1), File.ReadAllBytes(P("app/bin/hello")));
            Assert.Equal((UnixFileMode)0x1ED, File.GetUnixFileMode(P("app/bin/hello")));
            Assert.Equal((UnixFileMode)0x1E8, File.GetUnixFileMode(P("app")));
            Assert.Equal((UnixFileMode)0x1C0, File.GetUnixFileMode(P("var/empty-dir")));
            Assert.Empty(File.ReadAllBytes(P("app/empty")));
            Assert.Equal("bin/hello", new FileInfo(P("app/current")).LinkTarget);
            Assert.Equal(CpioTestSupport.RandomBytes(1_000_003, 2), File.ReadAllBytes(P("big")));
            Assert.Equal(DateTime.UnixEpoch, File.GetLastWriteTimeUtc(P("big")));   // -m keeps our mtime of 0
            for (int length = 1; length <= 10; length++)
                Assert.Equal(CpioTestSupport.RandomBytes(length % 5, length), File.ReadAllBytes(P("n/" + new string((char)('a' + length - 1), length))));
            Assert.Equal(SampleNames.Length, Directory.EnumerateFileSystemEntries(into, "*", SearchOption.AllDirectories).Count());
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void SameInputsGiveTheSameBytes()
    {
        Assert.Equal(CpioTestSupport.Write(AddSampleTree), CpioTestSupport.Write(AddSampleTree));
    }

    [Fact]
    public void ParentsAreAddedOnceAndExplicitDirectoriesKeepTheirMode()
    {
        var parse = CpioTestSupport.Parse(CpioTestSupport.Write(w =>
        {
            w.AddFile("/a/b/c", [1]);
            w.AddFile("/a/b/d", [2]);
            w.AddDirectory("/a/b");            // already there with the same mode: nothing written
            w.AddDirectory("/a/e/", 0x1C0);
            w.AddFile("/a/e/f", [3]);
        }));
        Assert.Equal(["a", "a/b", "a/b/c", "a/b/d", "a/e", "a/e/f"], parse.Entries.Select(e => e.Name));
        Assert.Equal(CpioTestSupport.Dir | 0x1C0, parse.Entries[4].Mode);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("app/hello", "relative")]
    [InlineData("/app/../etc/passwd", "'..'")]
    [InlineData("/..", "'..'")]
    [InlineData("/app/./x", "'.'")]
    [InlineData("/app//x", "empty component")]
    [InlineData("/app/\0x", "NUL")]
    [InlineData("/", "root")]
    public void BadGuestPathsAreRejectedWithTheReason(string guestPath, string reason)
    {
        using var writer = new CpioWriter(new MemoryStream());
        var e = Assert.Throws<ArgumentException>(() => writer.AddFile(guestPath, [1]));
        Assert.Contains(reason, e.Message);
        Assert.Throws<ArgumentException>(() => writer.AddDirectory(guestPath));
        Assert.Throws<ArgumentException>(() => writer.AddSymlink(guestPath, "x"));
    }

    [Fact]
    public void ConflictsAndMisuseAreRejected()
    {
        using var writer = new CpioWriter(new MemoryStream());
        writer.AddFile("/app/x", [1]);
        Assert.Contains("already added", Assert.Throws<InvalidOperationException>(() => writer.AddFile("/app/x", [2])).Message);
        Assert.Contains("already added", Assert.Throws<InvalidOperationException>(() => writer.AddSymlink("/app/x", "y")).Message);
        Assert.Contains("not a directory", Assert.Throws<InvalidOperationException>(() => writer.AddFile("/app/x/y", [2])).Message);
        Assert.Contains("before anything inside", Assert.Throws<InvalidOperationException>(() => writer.AddDirectory("/app", 0x1C0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddFile("/app/z", [1], 0x8000 | 0x1A4));
        Assert.Throws<ArgumentException>(() => writer.AddSymlink("/app/l", ""));
        writer.Finish();
        Assert.Contains("finished", Assert.Throws<InvalidOperationException>(() => writer.AddFile("/late", [1])).Message);
    }

    [Fact]
    public void UnseekableStreamsAreBufferedAndShortStreamsFail()
    {
        byte[] data = CpioTestSupport.RandomBytes(100_001, 3);
        var parse = CpioTestSupport.Parse(CpioTestSupport.Write(w => w.AddFile("/f", new ForwardOnlyStream(data))));
        Assert.Equal(data, parse.Entries.Single().Data);

        using var writer = new CpioWriter(new MemoryStream());
        Assert.Throws<IOException>(() => writer.AddFile("/g", new LyingLengthStream(10)));
    }

    [Fact]
    public void WithoutFinishThereIsNoTrailer()
    {
        var output = new MemoryStream();
        using (var writer = new CpioWriter(output, leaveOpen: true)) writer.AddFile("/x", [1]);
        Assert.Equal(CpioStatus.Truncated, CpioTestSupport.Parse(output.ToArray()).Final);
    }

    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    // Claims more bytes than it gives.
    private sealed class LyingLengthStream(int length) : MemoryStream(new byte[length])
    {
        public override long Length => length + 100;
    }
}

[SupportedOSPlatform("linux")]   // GNU cpio and Unix file modes
public class CpioManifestTests : IDisposable
{
    private readonly string _root = CpioTestSupport.TempDirectory();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string ManifestPath => Path.Combine(_root, "boot", "apps.manifest");

    private string WriteManifest(params string[] lines)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ManifestPath)!);
        File.WriteAllText(ManifestPath, string.Join("\n", lines) + "\n");
        return ManifestPath;
    }

    private void MakeHostFiles()
    {
        Directory.CreateDirectory(Path.Combine(_root, "build", "site", "css"));
        File.WriteAllText(Path.Combine(_root, "build", "hello"), "#!hello\n");
        File.SetUnixFileMode(Path.Combine(_root, "build", "hello"), (UnixFileMode)0x1C0);   // 0700: executable
        File.WriteAllText(Path.Combine(_root, "build", "site", "index.html"), "<p>hi</p>");
        File.SetUnixFileMode(Path.Combine(_root, "build", "site", "index.html"), (UnixFileMode)0x180); // 0600
        File.WriteAllText(Path.Combine(_root, "build", "site", "css", "a.css"), "p{}");
        File.CreateSymbolicLink(Path.Combine(_root, "build", "site", "home.html"), "index.html");
    }

    [Fact]
    public void ParsesAndAppliesFilesDirectoriesAndSymlinks()
    {
        MakeHostFiles();
        string manifest = WriteManifest(
            "# what the guest sees",
            "",
            "/app/hello: ../build/hello",
            "   /srv/www/ :  ../build/site  ",
            "/bin/hello: -> /app/hello\r",
            "  # indented comment");
        var entries = Manifest.Load(manifest);
        Assert.Equal([3, 4, 5], entries.Select(e => e.Line));
        Assert.Equal(Path.Combine(_root, "build", "hello"), entries[0].HostPath);
        Assert.Equal("/srv/www/", entries[1].GuestPath);
        Assert.True(entries[2].IsSymlink);
        Assert.Equal("/app/hello", entries[2].LinkTarget);

        byte[] archive = CpioTestSupport.Write(w => Manifest.ApplyTo(entries, w));
        var parse = CpioTestSupport.Parse(archive);
        Assert.Equal(CpioStatus.End, parse.Final);
        Assert.Equal(["app", "app/hello", "srv", "srv/www", "srv/www/css", "srv/www/css/a.css", "srv/www/home.html",
            "srv/www/index.html", "bin", "bin/hello"], parse.Entries.Select(e => e.Name));
        var byName = parse.Entries.ToDictionary(e => e.Name);
        Assert.Equal(CpioTestSupport.Reg | 0x1ED, byName["app/hello"].Mode);           // executable on the host
        Assert.Equal(CpioTestSupport.Reg | 0x1A4, byName["srv/www/index.html"].Mode);  // 0600 on the host: normalised
        Assert.Equal("<p>hi</p>"u8.ToArray(), byName["srv/www/index.html"].Data);
        Assert.Equal(CpioTestSupport.Lnk | 0x1FF, byName["srv/www/home.html"].Mode);   // host symlink kept as one
        Assert.Equal("index.html"u8.ToArray(), byName["srv/www/home.html"].Data);
        Assert.Equal("/app/hello"u8.ToArray(), byName["bin/hello"].Data);

        Assert.Equal(archive, CpioTestSupport.Write(w => Manifest.ApplyTo(Manifest.Load(manifest), w)));
    }

    [Theory]
    [InlineData("/app/hello ../build/hello", "expected '/guest/path: host/path'")]
    [InlineData("/app/nothing: ../build/missing", "does not exist")]
    [InlineData("/app/hello: ../build/hello\n/app/hello/: ../build/site", "duplicate guest path '/app/hello/' (already on line 2)")]
    [InlineData("app/hello: ../build/hello", "relative")]
    [InlineData("/app/../hello: ../build/hello", "'..'")]
    [InlineData("/app/link: ->", "no target")]
    [InlineData("/app/hello:", "no host path")]
    public void ErrorsNameTheFileAndTheLine(string body, string problem)
    {
        MakeHostFiles();
        string manifest = WriteManifest(["# first line is a comment", .. body.Split('\n')]);
        int line = 1 + body.Split('\n').Length;
        var e = Assert.Throws<ManifestException>(() => Manifest.Load(manifest));
        Assert.StartsWith($"{manifest}:{line}: ", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void ConflictsFoundWhileWritingNameTheLine()
    {
        MakeHostFiles();
        string manifest = WriteManifest("/www: ../build/site", "", "/www/index.html: ../build/hello");
        var entries = Manifest.Load(manifest);
        using var writer = new CpioWriter(new MemoryStream());
        var e = Assert.Throws<ManifestException>(() => Manifest.ApplyTo(entries, writer));
        Assert.StartsWith($"{manifest}:3: ", e.Message);
        Assert.Contains("already added", e.Message);
    }

    [Fact]
    public void AMissingManifestIsReported()
    {
        var e = Assert.Throws<ManifestException>(() => Manifest.Load(Path.Combine(_root, "none.manifest")));
        Assert.Contains("none.manifest", e.Message);
    }
}
