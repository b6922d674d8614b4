using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Fs
{
    // One directory entry as readdir and getdents64 report it.
    internal unsafe struct DirEntry
    {
        public ulong Ino;
        public long NextOffset;           // d_off: the position after this entry (seekdir/lseek take it back)
        public byte Type;                 // DT_*
        public int NameLength;
        public fixed byte Name[256];      // NUL-terminated
    }

    // Reading a directory through an open file: ".", "..", then the entries. The position is an
    // index; the next entry is also pinned (an OpenCount reference) so that removing the entry just
    // returned, the usual "delete everything" loop, neither skips nor repeats anything. When the
    // pinned entry itself went away, the index is walked again (POSIX leaves entries added or removed
    // during the listing unspecified).
    internal static unsafe class Directories
    {
        public const byte DtFifo = 1, DtChr = 2, DtDir = 4, DtReg = 8, DtLnk = 10;

        public static byte TypeOf(FsNode* n) => RamFs.TypeOf(n) switch
        {
            RamFs.TypeDirectory => DtDir, RamFs.TypeRegular => DtReg, RamFs.TypeSymlink => DtLnk,
            RamFs.TypeCharDevice => DtChr, RamFs.TypeFifo => DtFifo, _ => 0,
        };

        // 1 with *e filled, 0 at the end, or a negative errno.
        public static int Next(OpenFile* f, DirEntry* e)
        {
            FsNode* d = f->Node;
            if (!RamFs.IsDirectory(d)) return -Errno.ENOTDIR;
            RamFs.Lock();
            int r = NextLocked(f, d, e);
            RamFs.Unlock();
            return r;
        }

        private static int NextLocked(OpenFile* f, FsNode* d, DirEntry* e)
        {
            if (d->Links == 0) return 0;                        // removed: Linux lists nothing, not even "."
            RamFs.Materialize(d);
            long index = f->DirIndex;
            if (index < 2)
            {
                Fill(e, index == 0 ? d : d->Parent, index == 0 ? "."u8 : ".."u8, index + 1);
                f->DirIndex = index + 1;
                return 1;
            }
            FsNode* c = f->DirCursor;
            if (c == null || c->Parent != d || c->Links == 0)
            {
                c = d->FirstChild;
                for (long i = 2; i < index && c != null; i++) c = c->NextSibling;
            }
            if (c == null) { Unpin(f); return 0; }
            Fill(e, c, new System.ReadOnlySpan<byte>(c->Name, c->NameLength), index + 1);
            f->DirIndex = index + 1;
            Pin(f, c->NextSibling);
            return 1;
        }

        private static void Fill(DirEntry* e, FsNode* n, System.ReadOnlySpan<byte> name, long next)
        {
            e->Ino = n->Ino;
            e->NextOffset = next;
            e->Type = TypeOf(n);
            e->NameLength = name.Length;
            for (int i = 0; i < name.Length; i++) e->Name[i] = name[i];
            e->Name[name.Length] = 0;
        }

        private static void Pin(OpenFile* f, FsNode* next)
        {
            if (next != null) next->OpenCount++;
            Unpin(f);
            f->DirCursor = next;
        }

        // Drops the pinned entry. Caller holds the RamFs lock.
        public static void Unpin(OpenFile* f)
        {
            FsNode* c = f->DirCursor;
            f->DirCursor = null;
            if (c == null) return;
            c->OpenCount--;
            RamFs.ReleaseIfUnused(c);
        }

        // lseek on a directory / seekdir / rewinddir. Caller holds the RamFs lock.
        public static void Seek(OpenFile* f, long index)
        {
            Unpin(f);
            f->DirIndex = index;
        }
    }
}
