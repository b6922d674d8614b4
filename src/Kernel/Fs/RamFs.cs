using System;
using Nimbus.Kernel.Memory;

namespace Nimbus.Kernel.Fs
{
    // A node of the in-memory file system: a directory, a regular file, a symlink or a device.
    internal unsafe struct FsNode
    {
        public FsNode* Parent, FirstChild, NextSibling;
        public byte* Name;
        public int NameLength;
        public uint Mode;                 // st_mode: type and permissions
        public uint Device;               // for character devices: which one (Vfs.Device*)
        public ulong Ino;
        public byte* Data;                // file contents or symlink target
        public ulong Size;
        public ulong Capacity;            // 0: Data points into the boot archive (copied on first write)
        public ulong MtimeNs;
        public int Links;                 // 0 once unlinked: freed when the last descriptor closes
        public int OpenCount;
    }

    // The root file system: unpacked from the boot archive at start-up into a tree of nodes, then
    // writable. File data from the archive is used in place until a file is first written (then
    // copied), so booting costs no copying. One mutex guards the tree; file contents are
    // read and written under it too (simple, and the file system is memory-speed).
    internal static unsafe class RamFs
    {
        public const uint TypeMask = 0xF000, TypeDirectory = 0x4000, TypeRegular = 0x8000, TypeSymlink = 0xA000, TypeCharDevice = 0x2000;
        public const int ENOENT = 2, EIO = 5, ENOMEM = 12, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EINVAL = 22,
            ENAMETOOLONG = 36, ENOTEMPTY = 39, ELOOP = 40;
        private const int MaxSymlinkDepth = 8;

        public static FsNode* Root;
        private static Sync.Mutex s_lock;
        private static ulong s_nextIno = 1;

        public static void Lock() { fixed (Sync.Mutex* m = &s_lock) m->Lock(); }
        public static void Unlock() { fixed (Sync.Mutex* m = &s_lock) m->Unlock(); }

        public static void Initialize()
        {
            Root = NewNode(null, "/"u8, TypeDirectory | 0x1ED);
            Root->Parent = Root;
        }

        private static FsNode* NewNode(FsNode* parent, ReadOnlySpan<byte> name, uint mode)
        {
            var n = (FsNode*)KernelHeap.AllocZeroed((ulong)sizeof(FsNode));
            n->Name = (byte*)KernelHeap.Alloc((ulong)name.Length + 1);
            for (int i = 0; i < name.Length; i++) n->Name[i] = name[i];
            n->Name[name.Length] = 0;
            n->NameLength = name.Length;
            n->Mode = mode;
            n->Ino = s_nextIno++;
            n->Links = 1;
            n->MtimeNs = Time.Clock.WallNs();
            if (parent != null)
            {
                n->Parent = parent;
                n->NextSibling = parent->FirstChild;
                parent->FirstChild = n;
            }
            return n;
        }

        public static FsNode* Child(FsNode* dir, ReadOnlySpan<byte> name)
        {
            for (FsNode* c = dir->FirstChild; c != null; c = c->NextSibling)
                if (NameIs(c, name)) return c;
            return null;
        }

        private static bool NameIs(FsNode* n, ReadOnlySpan<byte> name)
        {
            if (n->NameLength != name.Length) return false;
            for (int i = 0; i < name.Length; i++) if (n->Name[i] != name[i]) return false;
            return true;
        }

        public static bool IsDirectory(FsNode* n) => (n->Mode & TypeMask) == TypeDirectory;

        // Resolves `path` (absolute, or relative to `cwd`). followLast: resolve a final symlink.
        // Caller holds the lock. Returns 0 or an errno.
        public static int Lookup(ReadOnlySpan<byte> path, FsNode* cwd, bool followLast, out FsNode* node) =>
            Walk(path, cwd, followLast, 0, out node, out _, out _);

        // Like Lookup, but stops at the parent directory of the last component, which may not exist.
        public static int LookupParent(ReadOnlySpan<byte> path, FsNode* cwd, out FsNode* parent, out int nameStart, out int nameLength)
        {
            parent = null;
            int end = path.Length;
            while (end > 1 && path[end - 1] == (byte)'/') end--;
            int slash = end - 1;
            while (slash >= 0 && path[slash] != (byte)'/') slash--;
            nameStart = slash + 1;
            nameLength = end - nameStart;
            if (nameLength == 0) return EEXIST;                            // "/" itself
            if (nameLength > 255) return ENAMETOOLONG;
            if (slash < 0) { parent = cwd; return 0; }
            int r = Walk(path.Slice(0, slash == 0 ? 1 : slash), cwd, true, 0, out parent, out _, out _);
            if (r != 0) return r;
            return IsDirectory(parent) ? 0 : ENOTDIR;
        }

        private static int Walk(ReadOnlySpan<byte> path, FsNode* cwd, bool followLast, int depth, out FsNode* node, out int unused1, out int unused2)
        {
            unused1 = unused2 = 0;
            node = null;
            if (path.Length == 0) return ENOENT;
            FsNode* at = path[0] == (byte)'/' ? Root : cwd;
            int i = 0;
            while (NextComponent(path, ref i, out var name))
            {
                if (!IsDirectory(at)) return ENOTDIR;
                if (name.Length == 1 && name[0] == (byte)'.') continue;
                if (name.Length == 2 && name[0] == (byte)'.' && name[1] == (byte)'.') { at = at->Parent; continue; }
                if (name.Length > 255) return ENAMETOOLONG;
                FsNode* next = Child(at, name);
                if (next == null) return ENOENT;
                bool last = i >= path.Length;
                if ((next->Mode & TypeMask) == TypeSymlink && (!last || followLast))
                {
                    if (depth >= MaxSymlinkDepth) return ELOOP;
                    int r = Walk(new ReadOnlySpan<byte>(next->Data, (int)next->Size), at, true, depth + 1, out next, out _, out _);
                    if (r != 0) return r;
                }
                at = next;
            }
            node = at;
            return 0;
        }

        // The next name between slashes at or after i; false at the end of the path.
        private static bool NextComponent(ReadOnlySpan<byte> path, ref int i, out ReadOnlySpan<byte> name)
        {
            while (i < path.Length && path[i] == (byte)'/') i++;
            int start = i;
            while (i < path.Length && path[i] != (byte)'/') i++;
            name = path.Slice(start, i - start);
            return i > start;
        }

        // Creates a node named path[nameStart..] in parent (which must not have it). Caller holds the lock.
        public static FsNode* Create(FsNode* parent, ReadOnlySpan<byte> name, uint mode) => NewNode(parent, name, mode);

        // mkdir -p for the archive's directories; returns the directory or null (a file is in the way).
        private static FsNode* EnsureDirectory(ReadOnlySpan<byte> path)
        {
            FsNode* at = Root;
            int i = 0;
            while (NextComponent(path, ref i, out var name))
            {
                if (name.Length == 1 && name[0] == (byte)'.') continue;
                FsNode* next = Child(at, name);
                if (next == null) next = NewNode(at, name, TypeDirectory | 0x1ED);
                else if (!IsDirectory(next)) return null;
                at = next;
            }
            return at;
        }

        // Unpacks the boot archive. Returns false (after printing why) on a corrupt archive.
        public static bool LoadArchive(byte* archive, ulong length)
        {
            var reader = new CpioReader(archive, length);
            int count = 0;
            Lock();
            try
            {
                while (true)
                {
                    var st = reader.Next(out CpioEntry e);
                    if (st == CpioStatus.End) break;
                    if (st != CpioStatus.Ok)
                    {
                        Log.Line($"nimbus: the boot archive is corrupt at byte {reader.Offset}: {CpioReader.Describe(st)}");
                        return false;
                    }
                    var name = e.NameBytes;
                    if (name.Length == 1 && name[0] == (byte)'.') continue;
                    int slash = name.Length - 1;
                    while (slash >= 0 && name[slash] != (byte)'/') slash--;
                    FsNode* parent = slash <= 0 ? Root : EnsureDirectory(name.Slice(0, slash));
                    var leaf = name.Slice(slash + 1);
                    if (parent == null || leaf.Length == 0 || leaf.Length > 255)
                    {
                        Log.Line($"nimbus: the boot archive has a bad path '{name}'");
                        return false;
                    }
                    FsNode* existing = Child(parent, leaf);
                    if (e.IsDirectory)
                    {
                        if (existing == null) NewNode(parent, leaf, e.Mode);
                        else existing->Mode = e.Mode;
                        continue;
                    }
                    if (existing != null)
                    {
                        Log.Line($"nimbus: the boot archive has '{name}' twice");
                        return false;
                    }
                    FsNode* n = NewNode(parent, leaf, e.Mode);
                    n->Data = e.Data;
                    n->Size = e.Size;
                    n->MtimeNs = (ulong)e.Mtime * 1_000_000_000;
                    count++;
                }
            }
            finally { Unlock(); }
            return true;
        }

        public static FsNode* CreateDevice(ReadOnlySpan<byte> dirPath, ReadOnlySpan<byte> name, uint device)
        {
            Lock();
            FsNode* dir = EnsureDirectory(dirPath);
            FsNode* n = Child(dir, name);
            if (n == null) n = NewNode(dir, name, TypeCharDevice | 0x1B6);
            n->Device = device;
            Unlock();
            return n;
        }

        // Makes a file's data private and at least `size` bytes long (growing geometrically). Caller holds the lock.
        public static bool EnsureCapacity(FsNode* n, ulong size)
        {
            if (n->Capacity >= size && n->Capacity != 0) return true;
            ulong cap = n->Capacity == 0 ? 64 : n->Capacity;
            while (cap < size) cap *= 2;
            byte* data = (byte*)KernelHeap.Alloc(cap);
            if (n->Size > 0) Mem.Move(data, n->Data, (nuint)n->Size);
            if (n->Capacity != 0) KernelHeap.Free(n->Data);
            n->Data = data;
            n->Capacity = cap;
            return true;
        }

        public static long Read(FsNode* n, ulong offset, byte* buffer, ulong count)
        {
            if (offset >= n->Size) return 0;
            ulong available = n->Size - offset;
            if (count > available) count = available;
            Mem.Move(buffer, n->Data + offset, (nuint)count);
            return (long)count;
        }

        public static long Write(FsNode* n, ulong offset, byte* buffer, ulong count)
        {
            if (!EnsureCapacity(n, offset + count)) return -ENOMEM;
            if (offset > n->Size) Mem.Set(n->Data + n->Size, 0, (nuint)(offset - n->Size));
            Mem.Move(n->Data + offset, buffer, (nuint)count);
            if (offset + count > n->Size) n->Size = offset + count;
            n->MtimeNs = Time.Clock.WallNs();
            return (long)count;
        }

        public static int Truncate(FsNode* n, ulong size)
        {
            if (size > n->Size && !EnsureCapacity(n, size)) return ENOMEM;
            if (size > n->Size) Mem.Set(n->Data + n->Size, 0, (nuint)(size - n->Size));
            else if (n->Capacity == 0 && size < n->Size && !EnsureCapacity(n, size)) return ENOMEM;
            n->Size = size;
            return 0;
        }

        // Takes a node out of its directory (the node lives on while descriptors hold it).
        public static void Detach(FsNode* n)
        {
            FsNode* p = n->Parent;
            if (p->FirstChild == n) p->FirstChild = n->NextSibling;
            else
                for (FsNode* c = p->FirstChild; c != null; c = c->NextSibling)
                    if (c->NextSibling == n) { c->NextSibling = n->NextSibling; break; }
            n->NextSibling = null;
        }

        public static void Attach(FsNode* dir, FsNode* n)
        {
            n->Parent = dir;
            n->NextSibling = dir->FirstChild;
            dir->FirstChild = n;
        }

        // Frees an unlinked node once nothing refers to it. Caller holds the lock.
        public static void ReleaseIfUnused(FsNode* n)
        {
            if (n->Links > 0 || n->OpenCount > 0) return;
            if (n->Capacity != 0) KernelHeap.Free(n->Data);
            KernelHeap.Free(n->Name);
            KernelHeap.Free(n);
        }
    }
}
