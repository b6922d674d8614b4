using System;
using System.Runtime.InteropServices;

namespace Nimbus.Kernel.Elf
{
    [StructLayout(LayoutKind.Sequential)]
    public struct Elf64Header
    {
        public ElfIdent Ident;
        public ushort Type, Machine;
        public uint Version;
        public ulong Entry, PhOff, ShOff;
        public uint Flags;
        public ushort EhSize, PhEntSize, PhNum, ShEntSize, ShNum, ShStrNdx;
    }

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct ElfIdent { public fixed byte Bytes[16]; }

    [StructLayout(LayoutKind.Sequential)]
    public struct Elf64Phdr
    {
        public uint Type, Flags;
        public ulong Offset, VAddr, PAddr, FileSize, MemSize, Align;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Elf64Dyn { public long Tag; public ulong Value; }

    [StructLayout(LayoutKind.Sequential)]
    public struct Elf64Sym
    {
        public uint Name;
        public byte Info, Other;
        public ushort Shndx;
        public ulong Value, Size;
        public int Bind => Info >> 4;
        public int SymType => Info & 15;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Elf64Rela
    {
        public ulong Offset, Info;
        public long Addend;
        public uint SymIndex => (uint)(Info >> 32);
        public uint RelType => (uint)Info;
    }

    public enum ElfError
    {
        Ok, TooSmall, NotElf, Not64Bit, NotLittleEndian, BadVersion, NotX86_64, NotExecutable,
        BadProgramHeaders, SegmentOutsideFile, SegmentSizes, SegmentAlignment, SegmentsOverlap, NoLoadableSegment,
        BadDynamic, HugeImage,
    }

    // An ELF64 x86-64 executable or shared object in memory, validated before anything is loaded:
    // every offset and size the loader will use is checked against the file. Pure logic: tested on
    // the host with files gcc builds.
    public unsafe struct ElfFile
    {
        public const ushort TypeExec = 2, TypeDyn = 3, MachineX86_64 = 62;
        public const uint PtLoad = 1, PtDynamic = 2, PtInterp = 3, PtNote = 4, PtPhdr = 6, PtTls = 7;
        public const uint PtGnuStack = 0x6474e551, PtGnuRelro = 0x6474e552;
        public const uint PfX = 1, PfW = 2, PfR = 4;
        private const ulong MaxImageSpan = 1UL << 36;     // 64 GiB: anything larger is a corrupt header

        public byte* Data;
        public ulong Size;
        public Elf64Header* Header;
        public Elf64Phdr* ProgramHeaders;
        public int ProgramHeaderCount;
        public ulong MinVAddr, MaxVAddr;                  // page-rounded span of the PT_LOAD segments

        public bool IsPositionIndependent => Header->Type == TypeDyn;

        public static ElfError Open(byte* data, ulong size, out ElfFile file)
        {
            file = default;
            if (size < (ulong)sizeof(Elf64Header)) return ElfError.TooSmall;
            var h = (Elf64Header*)data;
            byte* id = h->Ident.Bytes;
            if (id[0] != 0x7f || id[1] != (byte)'E' || id[2] != (byte)'L' || id[3] != (byte)'F') return ElfError.NotElf;
            if (id[4] != 2) return ElfError.Not64Bit;
            if (id[5] != 1) return ElfError.NotLittleEndian;
            if (id[6] != 1 || h->Version != 1) return ElfError.BadVersion;
            if (h->Machine != MachineX86_64) return ElfError.NotX86_64;
            if (h->Type != TypeDyn && h->Type != TypeExec) return ElfError.NotExecutable;
            if (h->PhEntSize != sizeof(Elf64Phdr) || h->PhNum == 0 || h->PhOff > size
                || (ulong)h->PhNum * (ulong)sizeof(Elf64Phdr) > size - h->PhOff || (h->PhOff & 7) != 0)
                return ElfError.BadProgramHeaders;
            file.Data = data;
            file.Size = size;
            file.Header = h;
            file.ProgramHeaders = (Elf64Phdr*)(data + h->PhOff);
            file.ProgramHeaderCount = h->PhNum;
            return file.ValidateSegments();
        }

        private ElfError ValidateSegments()
        {
            ulong min = ulong.MaxValue, max = 0, lastEnd = 0;
            bool any = false;
            for (int i = 0; i < ProgramHeaderCount; i++)
            {
                Elf64Phdr* p = &ProgramHeaders[i];
                if (p->Type != PtLoad && p->Type != PtDynamic && p->Type != PtTls && p->Type != PtInterp) continue;
                if (p->Offset > Size || p->FileSize > Size - p->Offset) return ElfError.SegmentOutsideFile;
                if (p->FileSize > p->MemSize) return ElfError.SegmentSizes;
                if (p->MemSize > MaxImageSpan || p->VAddr > MaxImageSpan * 2) return ElfError.HugeImage;
                if (p->Type != PtLoad) continue;
                if (p->Align > 1 && (p->Align & (p->Align - 1)) != 0) return ElfError.SegmentAlignment;
                if ((p->VAddr & 4095) != (p->Offset & 4095)) return ElfError.SegmentAlignment;
                if (p->VAddr < lastEnd) return ElfError.SegmentsOverlap;     // the ABI requires ascending order
                lastEnd = p->VAddr + p->MemSize;
                ulong s = p->VAddr & ~4095UL, e = (p->VAddr + p->MemSize + 4095) & ~4095UL;
                if (s < min) min = s;
                if (e > max) max = e;
                any = true;
            }
            if (!any) return ElfError.NoLoadableSegment;
            if (max - min > MaxImageSpan) return ElfError.HugeImage;
            MinVAddr = min;
            MaxVAddr = max;
            return ElfError.Ok;
        }

        public Elf64Phdr* FindSegment(uint type)
        {
            for (int i = 0; i < ProgramHeaderCount; i++) if (ProgramHeaders[i].Type == type) return &ProgramHeaders[i];
            return null;
        }

        public static ReadOnlySpan<byte> Describe(ElfError e) => e switch
        {
            ElfError.TooSmall => "file too small for an ELF header"u8,
            ElfError.NotElf => "not an ELF file (bad magic)"u8,
            ElfError.Not64Bit => "not a 64-bit ELF file"u8,
            ElfError.NotLittleEndian => "not a little-endian ELF file"u8,
            ElfError.BadVersion => "unknown ELF version"u8,
            ElfError.NotX86_64 => "not an x86-64 program"u8,
            ElfError.NotExecutable => "neither an executable nor a shared object"u8,
            ElfError.BadProgramHeaders => "program header table is malformed or outside the file"u8,
            ElfError.SegmentOutsideFile => "a segment's data lies outside the file"u8,
            ElfError.SegmentSizes => "a segment's file size exceeds its memory size"u8,
            ElfError.SegmentAlignment => "a segment's address and file offset are misaligned"u8,
            ElfError.SegmentsOverlap => "loadable segments overlap or are out of order"u8,
            ElfError.NoLoadableSegment => "no loadable segment"u8,
            ElfError.BadDynamic => "the dynamic section is malformed"u8,
            ElfError.HugeImage => "the image is implausibly large (corrupt header?)"u8,
            _ => "ok"u8,
        };
    }
}
