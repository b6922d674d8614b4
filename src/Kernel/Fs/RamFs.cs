using System;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Fs
{
    // A node of the in-memory file system: a directory, a regular file, a symlink, a character
    // device or an anonymous FIFO (a pipe). Each node has exactly one name: no hard links.
    internal unsafe struct FsNode
    {
        public FsNode* Parent, FirstChild, NextSibling;
        public byte* Name;
        public int NameLength;
        public uint Mode;                 // st_mode: type and permissions
        public uint Device;               // for character devices: which one (Vfs.Device*)
        public ulong Rdev;                // for character devices: st_rdev as Linux numbers it
        public ulong Ino;
        public byte* Data;                // file contents or symlink target
        public ulong Size;
        public ulong Capacity;            // 0: Data points into the boot archive (copied on first write)
        public ulong MtimeNs, AtimeNs, CtimeNs;
        public int Links;                 // 0 once unlinked: freed when the last descriptor closes
        public int OpenCount;             // open descriptions, the working directory and pins
        public uint Generator, GeneratorArg; // /proc and /sys: content (or link target) computed on open;
                                             // on /proc and /sys themselves, "not filled yet" (ProcFs)
        public void* Pipe;                // FIFOs: the pipe buffer (Fs/Pipe.cs)
    }

    // The root file system: unpacked from the boot archive at start-up into a tree of nodes, then
    // writable. File data from the archive is used in place until a file is first written (then
    // copied), so booting costs no copying. One mutex guards the tree; file contents are
    // read and written under it too (simple, and the file system is memory-speed).
    internal static unsafe class RamFs
    {
        public const uint TypeMask = 0xF000, TypeDirectory = 0x4000, TypeRegular = 0x8000, TypeSymlink = 0xA000,
            TypeCharDevice = 0x2000, TypeFifo = 0x1000;
        private const int MaxSymlinkDepth = 40;           // Linux's limit on links followed in one lookup

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
            SetName(n, name);
            n->Mode = mode;
            n->Ino = s_nextIno++;
            n->Links = 1;
            n->MtimeNs = n->AtimeNs = n->CtimeNs = Time.Clock.WallNs();
            if (parent != null) Attach(parent, n);
            return n;
        }

        // A node in no directory (pipes, anonymous files): it lives while descriptors hold it.
        public static FsNode* CreateAnonymous(ReadOnlySpan<byte> name, uint mode)
        {
            FsNode* n = NewNode(null, name, mode);
            n->Links = 0;
            return n;
        }

        public static void SetName(FsNode* n, ReadOnlySpan<byte> name)
        {
            byte* old = n->Name;
            n->Name = (byte*)KernelHeap.Alloc((ulong)name.Length + 1);
            for (int i = 0; i < name.Length; i++) n->Name[i] = name[i];
            n->Name[name.Length] = 0;
            n->NameLength = name.Length;
            if (old != null) KernelHeap.Free(old);
        }

        public static FsNode* Child(FsNode* dir, ReadOnlySpan<byte> name)
        {
            Materialize(dir);
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

        // /proc and /sys are filled on first use (ProcFs.Populate). Caller holds the lock.
        public static void Materialize(FsNode* dir)
        {
            if (dir->Generator == ProcFs.Unpopulated) ProcFs.Populate(dir);
        }

        public static bool IsDirectory(FsNode* n) => (n->Mode & TypeMask) == TypeDirectory;
        public static uint TypeOf(FsNode* n) => n->Mode & TypeMask;

        // What a symlink points to: its data, or for /proc links a target computed now.
        public static ReadOnlySpan<byte> LinkTarget(FsNode* n) =>
            n->Generator != 0 ? ProcFs.LinkTarget(n) : new ReadOnlySpan<byte>(n->Data, (int)n->Size);

        // Resolves `path` (absolute, or relative to `cwd`). followLast: resolve a final symlink.
        // Caller holds the lock. Returns 0 or a negative errno.
        public static int Lookup(ReadOnlySpan<byte> path, FsNode* cwd, bool followLast, out FsNode* node)
        {
            int links = 0;
            return Walk(path, cwd, followLast, ref links, out node);
        }

        // Like Lookup, but stops at the parent directory of the last component, which may not exist.
        // "/" has no last component: EEXIST with nameLength 0. A trailing "." or ".." is returned as
        // the name (callers refuse it as Linux does).
        public static int LookupParent(ReadOnlySpan<byte> path, FsNode* cwd, out FsNode* parent, out int nameStart, out int nameLength)
        {
            parent = null;
            nameStart = nameLength = 0;
            if (path.Length == 0) return -Errno.ENOENT;
            int end = path.Length;
            while (end > 1 && path[end - 1] == (byte)'/') end--;
            int slash = end - 1;
            while (slash >= 0 && path[slash] != (byte)'/') slash--;
            nameStart = slash + 1;
            nameLength = end - nameStart;
            if (nameLength == 0) return -Errno.EEXIST;                            // "/" itself
            if (nameLength > 255) return -Errno.ENAMETOOLONG;
            if (slash < 0) parent = cwd;
            else
            {
                int r = Lookup(path.Slice(0, slash == 0 ? 1 : slash), cwd, true, out parent);
                if (r != 0) return r;
            }
            return IsDirectory(parent) ? 0 : -Errno.ENOTDIR;
        }

        public static bool IsDot(ReadOnlySpan<byte> name) => name.Length == 1 && name[0] == (byte)'.';
        public static bool IsDotDot(ReadOnlySpan<byte> name) => name.Length == 2 && name[0] == (byte)'.' && name[1] == (byte)'.';

        private static int Walk(ReadOnlySpan<byte> path, FsNode* cwd, bool followLast, ref int links, out FsNode* node)
        {
            node = null;
            if (path.Length == 0) return -Errno.ENOENT;
            FsNode* at = path[0] == (byte)'/' ? Root : cwd;
            int i = 0;
            while (NextComponent(path, ref i, out var name))
            {
                if (!IsDirectory(at)) return -Errno.ENOTDIR;
                if (IsDot(name)) continue;
                if (at->Links == 0) return -Errno.ENOENT;                  // a removed directory (its parent may be gone too)
                if (IsDotDot(name)) { at = at->Parent; continue; }
                if (name.Length > 255) return -Errno.ENAMETOOLONG;
                FsNode* next = Child(at, name);
                if (next == null) return -Errno.ENOENT;
                bool last = i >= path.Length;           // a trailing slash makes the last component followed
                if (TypeOf(next) == TypeSymlink && (!last || followLast))
                {
                    if (++links > MaxSymlinkDepth) return -Errno.ELOOP;
                    int r = Walk(LinkTarget(next), at, true, ref links, out next);
                    if (r != 0) return r;
                }
                at = next;
            }
            if (path[path.Length - 1] == (byte)'/' && !IsDirectory(at)) return -Errno.ENOTDIR;
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

        // The absolute path of a node still in the tree, into buffer (NUL-terminated). Returns the
        // length, -ENOENT for a removed node or -ERANGE when it does not fit. Caller holds the lock.
        public static int PathOf(FsNode* n, byte* buffer, int size)
        {
            if (size < 2) return -Errno.ERANGE;
            int end = size - 1, at = end;
            buffer[end] = 0;
            for (FsNode* c = n; c != Root; c = c->Parent)
            {
                if (c->Links == 0 || c->Parent == null) return -Errno.ENOENT;
                if (at - c->NameLength - 1 < 0) return -Errno.ERANGE;
                at -= c->NameLength;
                Mem.Move(buffer + at, c->Name, (nuint)c->NameLength);
                buffer[--at] = (byte)'/';
            }
            if (at == end) buffer[--at] = (byte)'/';
            int length = end - at;
            Mem.Move(buffer, buffer + at, (nuint)length + 1);
            return length;
        }

        // Whether `n` is `ancestor` or lies below it (renaming a directory into itself is refused).
        public static bool IsWithin(FsNode* n, FsNode* ancestor)
        {
            for (FsNode* c = n; ; c = c->Parent)
            {
                if (c == ancestor) return true;
                if (c == Root) return false;
            }
        }

        // Directory link count as Linux reports it: ".", the entry in the parent, and each subdirectory's "..".
        public static int LinkCount(FsNode* n)
        {
            if (!IsDirectory(n)) return n->Links;
            Materialize(n);
            int count = n->Links == 0 ? 0 : 2;
            for (FsNode* c = n->FirstChild; c != null; c = c->NextSibling) if (IsDirectory(c)) count++;
            return count;
        }

        // Creates a node named path[nameStart..] in parent (which must not have it). Caller holds the lock.
        public static FsNode* Create(FsNode* parent, ReadOnlySpan<byte> name, uint mode) => NewNode(parent, name, mode);

        // mkdir -p (the archive's directories, /proc); caller holds the lock; returns the directory or null (a file is in the way).
        public static FsNode* EnsureDirectory(ReadOnlySpan<byte> path)
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
                    n->MtimeNs = n->AtimeNs = n->CtimeNs = (ulong)e.Mtime * 1_000_000_000;
                    count++;
                }
            }
            finally { Unlock(); }
            return true;
        }

        public static FsNode* CreateDevice(ReadOnlySpan<byte> dirPath, ReadOnlySpan<byte> name, uint device, uint major, uint minor)
        {
            Lock();
            FsNode* dir = EnsureDirectory(dirPath);
            FsNode* n = Child(dir, name);
            if (n == null) n = NewNode(dir, name, TypeCharDevice | 0x1B6);
            n->Device = device;
            n->Rdev = (major << 8) | minor;
            Unlock();
            return n;
        }

        // Makes a file's data private and at least `size` bytes long (growing geometrically). Caller
        // holds the lock. False when memory ran out: the file system is full (ENOSPC), not the kernel.
        public static bool EnsureCapacity(FsNode* n, ulong size)
        {
            if (n->Capacity >= size && n->Capacity != 0) return true;
            if (size > (1UL << 40)) return false;
            ulong cap = n->Capacity == 0 ? 64 : n->Capacity;
            while (cap < size) cap *= 2;
            byte* data = TryAlloc(cap);
            if (data == null && cap > size) data = TryAlloc(cap = size);
            if (data == null) return false;
            if (n->Size > 0) Mem.Move(data, n->Data, (nuint)n->Size);
            if (n->Capacity != 0) KernelHeap.Free(n->Data);
            n->Data = data;
            n->Capacity = cap;
            return true;
        }

        private static byte* TryAlloc(ulong size)
        {
            using (new MemoryLock())
                fixed (Heap* heap = &KernelMemory.KernelHeap) return (byte*)heap->Allocate(size);
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
            if (!EnsureCapacity(n, offset + count)) return -Errno.ENOSPC;
            if (offset > n->Size) Mem.Set(n->Data + n->Size, 0, (nuint)(offset - n->Size));
            Mem.Move(n->Data + offset, buffer, (nuint)count);
            if (offset + count > n->Size) n->Size = offset + count;
            n->MtimeNs = n->CtimeNs = Time.Clock.WallNs();
            return (long)count;
        }

        public static int Truncate(FsNode* n, ulong size)
        {
            if (size > n->Size && !EnsureCapacity(n, size)) return -Errno.ENOSPC;
            if (size > n->Size) Mem.Set(n->Data + n->Size, 0, (nuint)(size - n->Size));
            else if (n->Capacity == 0 && size < n->Size && size > 0 && !EnsureCapacity(n, size)) return -Errno.ENOSPC;
            n->Size = size;
            n->MtimeNs = n->CtimeNs = Time.Clock.WallNs();
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
