using System.Buffers.Binary;
using System.Text;

namespace Nimbus.Cli;

// What the host tool needs to know about a Linux x86-64 ELF file's dynamic linking: its DT_NEEDED
// names, RPATH/RUNPATH, whether it is a PIE, and its undefined dynamic symbols with the library their
// version comes from (GLIBC_2.2.5 from libc.so.6, ...). Read from the section headers (.dynsym,
// .dynstr, .gnu.version, .gnu.version_r) and the program headers; a file that is not a 64-bit
// little-endian ELF, or whose tables point outside it, is reported by returning null.
public sealed class ElfDynamic
{
    public const ushort TypeExec = 2, TypeDyn = 3;

    public sealed record Import(string Name, string? VersionFile, bool Weak);

    public ushort Type { get; private init; }
    public bool HasInterpreter { get; private init; }
    public bool IsDynamic { get; private init; }
    public IReadOnlyList<string> Needed { get; private init; } = [];
    public IReadOnlyList<string> SearchPath { get; private init; } = [];   // RUNPATH, else RPATH, split at ':'
    public bool SearchPathIsRunpath { get; private init; }
    public IReadOnlyList<Import> Imports { get; private init; } = [];

    // A position-independent executable: ET_DYN with an interpreter (shared libraries have none).
    public bool IsPie => Type == TypeDyn && HasInterpreter;

    public static ElfDynamic? TryRead(string path)
    {
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        try { return Parse(data); }
        catch (Exception e) when (e is ArgumentOutOfRangeException or ArgumentException or IndexOutOfRangeException or OverflowException) { return null; }
    }

    private static ElfDynamic? Parse(byte[] d)
    {
        if (d.Length < 64 || d[0] != 0x7f || d[1] != 'E' || d[2] != 'L' || d[3] != 'F' || d[4] != 2 || d[5] != 1) return null;
        ushort type = U16(d, 16);
        ulong phoff = U64(d, 32), shoff = U64(d, 40);
        int phentsize = U16(d, 54), phnum = U16(d, 56), shentsize = U16(d, 58), shnum = U16(d, 60);
        bool interp = false, dynamic = false;
        for (int i = 0; i < phnum; i++)
        {
            uint ptype = U32(d, checked((int)phoff + i * phentsize));
            if (ptype == 3) interp = true;          // PT_INTERP
            if (ptype == 2) dynamic = true;         // PT_DYNAMIC
        }
        // Sections: find .dynamic, .dynsym (+ its string table), .gnu.version, .gnu.version_r.
        int dynOff = -1, dynSize = 0, dynStrLink = -1, symOff = -1, symSize = 0, symStrLink = -1, versym = -1, verneed = -1, verneedNum = 0, verneedLink = -1;
        var sections = new List<(ulong Offset, ulong Size)>();
        for (int i = 0; i < shnum; i++)
        {
            int s = checked((int)shoff + i * shentsize);
            uint shtype = U32(d, s + 4);
            ulong off = U64(d, s + 24), size = U64(d, s + 32);
            uint link = U32(d, s + 40), info = U32(d, s + 44);
            if (off + size > (ulong)d.Length && shtype != 8) return null;   // SHT_NOBITS occupies nothing
            sections.Add((off, size));
            switch (shtype)
            {
                case 6: dynOff = (int)off; dynSize = (int)size; dynStrLink = (int)link; break;              // SHT_DYNAMIC
                case 11: symOff = (int)off; symSize = (int)size; symStrLink = (int)link; break;             // SHT_DYNSYM
                case 0x6fffffff: versym = (int)off; break;                                                  // SHT_GNU_versym
                case 0x6ffffffe: verneed = (int)off; verneedNum = (int)info; verneedLink = (int)link; break; // SHT_GNU_verneed
            }
        }
        string Str(int table, uint offset)
        {
            int start = checked((int)(sections[table].Offset + offset));
            int end = Array.IndexOf(d, (byte)0, start);
            return Encoding.UTF8.GetString(d, start, end - start);
        }
        var needed = new List<string>();
        string? rpath = null, runpath = null;
        if (dynOff >= 0)
        {
            for (int e = dynOff; e + 16 <= dynOff + dynSize; e += 16)
            {
                long tag = (long)U64(d, e);
                uint val = (uint)U64(d, e + 8);
                if (tag == 0) break;
                if (tag == 1) needed.Add(Str(dynStrLink, val));          // DT_NEEDED
                else if (tag == 15) rpath = Str(dynStrLink, val);        // DT_RPATH
                else if (tag == 29) runpath = Str(dynStrLink, val);      // DT_RUNPATH
            }
        }
        // Version needs: index -> the file the version comes from.
        var versionFile = new Dictionary<int, string>();
        if (verneed >= 0)
        {
            int vn = verneed;
            for (int i = 0; i < verneedNum; i++)
            {
                string file = Str(verneedLink, U32(d, vn + 4));
                int aux = vn + (int)U32(d, vn + 8);
                for (int j = 0; j < U16(d, vn + 2); j++)
                {
                    versionFile[U16(d, aux + 6) & 0x7fff] = file;
                    uint next = U32(d, aux + 12);
                    if (next == 0) break;
                    aux += (int)next;
                }
                uint nextNeed = U32(d, vn + 12);
                if (nextNeed == 0) break;
                vn += (int)nextNeed;
            }
        }
        var imports = new List<Import>();
        if (symOff >= 0)
        {
            for (int i = 1; i < symSize / 24; i++)
            {
                int s = symOff + i * 24;
                if (U16(d, s + 6) != 0) continue;                    // defined here (st_shndx != SHN_UNDEF)
                string name = Str(symStrLink, U32(d, s));
                if (name.Length == 0) continue;
                int bind = d[s + 4] >> 4;
                string? file = versym >= 0 && versionFile.TryGetValue(U16(d, versym + i * 2) & 0x7fff, out var f) ? f : null;
                imports.Add(new Import(name, file, bind == 2));      // STB_WEAK
            }
        }
        return new ElfDynamic
        {
            Type = type, HasInterpreter = interp, IsDynamic = dynamic, Needed = needed, Imports = imports,
            SearchPath = (runpath ?? rpath)?.Split(':', StringSplitOptions.RemoveEmptyEntries) ?? [],
            SearchPathIsRunpath = runpath != null,
        };
    }

    private static ushort U16(byte[] d, int o) => BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(o, 2));
    private static uint U32(byte[] d, int o) => BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(o, 4));
    private static ulong U64(byte[] d, int o) => BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(o, 8));
}
