using System.Buffers.Binary;
using System.Text;

namespace Nimbus.Cli;

// What the host tool needs to know about a Linux x86-64 ELF file's dynamic linking: its DT_NEEDED
// names, RPATH/RUNPATH, whether it is a PIE, and its undefined dynamic symbols with the library their
// version comes from (GLIBC_2.2.5 from libc.so.6, ...). Read from the section headers (.dynsym,
// .dynstr, .gnu.version, .gnu.version_r) and the program headers; a file that is not a 64-bit
// little-endian ELF, or whose tables point outside it, gives null.
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

    // Only the headers and the dynamic-linking sections are read, not the whole file.
    public static ElfDynamic? TryRead(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path);
            long length = RandomAccess.GetLength(handle);
            byte[] Read(ulong offset, ulong size)
            {
                if (offset > (ulong)length || size > (ulong)length - offset || size > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(offset));
                var buffer = new byte[size];
                int done = 0;
                while (done < buffer.Length)
                {
                    int n = RandomAccess.Read(handle, buffer.AsSpan(done), (long)offset + done);
                    if (n <= 0) throw new ArgumentOutOfRangeException(nameof(offset));
                    done += n;
                }
                return buffer;
            }
            return Parse(Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException or ArgumentException
            or IndexOutOfRangeException or OverflowException) { return null; }
    }

    private static ElfDynamic? Parse(Func<ulong, ulong, byte[]> read)
    {
        byte[] h = read(0, 64);
        if (h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F' || h[4] != 2 || h[5] != 1) return null;
        ushort type = U16(h, 16);
        ulong phoff = U64(h, 32), shoff = U64(h, 40);
        int phentsize = U16(h, 54), phnum = U16(h, 56), shentsize = U16(h, 58), shnum = U16(h, 60);
        bool interp = false, dynamic = false;
        byte[] ph = read(phoff, (ulong)(phnum * phentsize));
        for (int i = 0; i < phnum; i++)
        {
            uint ptype = U32(ph, i * phentsize);
            if (ptype == 3) interp = true;          // PT_INTERP
            if (ptype == 2) dynamic = true;         // PT_DYNAMIC
        }
        // Sections: .dynamic, .dynsym, .gnu.version, .gnu.version_r, and the string tables they link to.
        byte[] sh = read(shoff, (ulong)(shnum * shentsize));
        var sections = new (uint Type, ulong Offset, ulong Size, int Link, uint Info)[shnum];
        for (int i = 0; i < shnum; i++)
        {
            int o = i * shentsize;
            sections[i] = (U32(sh, o + 4), U64(sh, o + 24), U64(sh, o + 32), (int)U32(sh, o + 40), U32(sh, o + 44));
        }
        var cache = new Dictionary<int, byte[]>();
        byte[] Section(int index) => cache.TryGetValue(index, out var b) ? b : cache[index] = read(sections[index].Offset, sections[index].Size);
        string Str(int table, uint offset)
        {
            byte[] t = Section(table);
            int end = Array.IndexOf(t, (byte)0, (int)offset);
            return Encoding.UTF8.GetString(t, (int)offset, end - (int)offset);
        }
        int Find(uint shtype) => Array.FindIndex(sections, x => x.Type == shtype);
        int dynIndex = Find(6), symIndex = Find(11), versymIndex = Find(0x6fffffff), verneedIndex = Find(0x6ffffffe);

        var needed = new List<string>();
        string? rpath = null, runpath = null;
        if (dynIndex >= 0)
        {
            byte[] dyn = Section(dynIndex);
            int strtab = sections[dynIndex].Link;
            for (int e = 0; e + 16 <= dyn.Length; e += 16)
            {
                long tag = (long)U64(dyn, e);
                uint val = (uint)U64(dyn, e + 8);
                if (tag == 0) break;
                if (tag == 1) needed.Add(Str(strtab, val));          // DT_NEEDED
                else if (tag == 15) rpath = Str(strtab, val);        // DT_RPATH
                else if (tag == 29) runpath = Str(strtab, val);      // DT_RUNPATH
            }
        }
        // Version needs: version index -> the file the version comes from.
        var versionFile = new Dictionary<int, string>();
        if (verneedIndex >= 0)
        {
            byte[] vn = Section(verneedIndex);
            int strtab = sections[verneedIndex].Link, at = 0;
            for (uint i = 0; i < sections[verneedIndex].Info; i++)
            {
                string file = Str(strtab, U32(vn, at + 4));
                int aux = at + (int)U32(vn, at + 8);
                for (int j = 0; j < U16(vn, at + 2); j++)
                {
                    versionFile[U16(vn, aux + 6) & 0x7fff] = file;
                    uint next = U32(vn, aux + 12);
                    if (next == 0) break;
                    aux += (int)next;
                }
                uint nextNeed = U32(vn, at + 12);
                if (nextNeed == 0) break;
                at += (int)nextNeed;
            }
        }
        var imports = new List<Import>();
        if (symIndex >= 0)
        {
            byte[] syms = Section(symIndex);
            byte[]? versym = versymIndex >= 0 ? Section(versymIndex) : null;
            int strtab = sections[symIndex].Link;
            for (int i = 1; i < syms.Length / 24; i++)
            {
                int s = i * 24;
                if (U16(syms, s + 6) != 0) continue;                 // defined here (st_shndx != SHN_UNDEF)
                string name = Str(strtab, U32(syms, s));
                if (name.Length == 0) continue;
                string? file = versym != null && versionFile.TryGetValue(U16(versym, i * 2) & 0x7fff, out var f) ? f : null;
                imports.Add(new Import(name, file, syms[s + 4] >> 4 == 2));   // STB_WEAK
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
