using System.Runtime.InteropServices;

namespace Nimbus.Kernel.Fs
{
    // x86-64 `struct stat` (bits/struct_stat.h): 144 bytes. stat64 is the same on x86-64.
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct LinuxStat
    {
        public ulong Dev, Ino, Nlink;
        public uint Mode, Uid, Gid, Pad0;
        public ulong Rdev;
        public long Size, BlockSize, Blocks;
        public long AtimeSec, AtimeNsec, MtimeSec, MtimeNsec, CtimeSec, CtimeNsec;
        public fixed long Reserved[3];
    }

    // x86-64 `struct statfs` (statfs64 is the same): 120 bytes.
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct LinuxStatfs
    {
        public long Type, BlockSize;
        public ulong Blocks, FreeBlocks, AvailableBlocks, Files, FreeFiles;
        public int FsidLow, FsidHigh;
        public long NameLength, FragmentSize, Flags;
        public fixed long Spare[4];
    }

    // What stat and statfs report for RamFs nodes: one tmpfs-like file system, device 0:1 (the root's
    // st_dev), everything owned by root, 4 KiB blocks.
    internal static unsafe class Stat
    {
        public const ulong RootDevice = 1;
        public const long TmpfsMagic = 0x01021994;

        // Caller holds the RamFs lock.
        public static void Fill(FsNode* n, LinuxStat* s)
        {
            *s = default;
            s->Dev = RootDevice;
            s->Ino = n->Ino;
            s->Nlink = (ulong)RamFs.LinkCount(n);
            s->Mode = n->Mode;
            s->Rdev = n->Rdev;
            uint type = RamFs.TypeOf(n);
            s->Size = type == RamFs.TypeDirectory ? DirectorySize(n) : type == RamFs.TypeFifo ? 0 : n->Generator != 0 && type == RamFs.TypeRegular ? 0 : (long)n->Size;
            s->BlockSize = 4096;
            s->Blocks = type == RamFs.TypeRegular ? (s->Size + 4095) / 4096 * 8 : 0;
            Split(n->AtimeNs, &s->AtimeSec, &s->AtimeNsec);
            Split(n->MtimeNs, &s->MtimeSec, &s->MtimeNsec);
            Split(n->CtimeNs, &s->CtimeSec, &s->CtimeNsec);
        }

        // tmpfs's: 20 bytes per entry, "." and ".." included.
        private static long DirectorySize(FsNode* n)
        {
            long size = 40;
            for (FsNode* c = n->FirstChild; c != null; c = c->NextSibling) size += 20;
            return size;
        }

        private static void Split(ulong ns, long* sec, long* nsec)
        {
            *sec = (long)(ns / 1_000_000_000);
            *nsec = (long)(ns % 1_000_000_000);
        }

        // The file system's size is the machine's memory; free space is the page allocator's.
        public static void FillStatfs(LinuxStatfs* s)
        {
            *s = default;
            s->Type = TmpfsMagic;
            s->BlockSize = s->FragmentSize = 4096;
            s->Blocks = SystemFiles.TotalBytes / 4096;
            s->FreeBlocks = s->AvailableBlocks = SystemFiles.FreeBytes / 4096;
            s->Files = s->Blocks / 2;
            s->FreeFiles = s->FreeBlocks / 2;
            s->NameLength = 255;
            s->Flags = 0x1020;                     // ST_VALID | ST_RELATIME, as Linux reports a rw tmpfs
        }
    }
}
