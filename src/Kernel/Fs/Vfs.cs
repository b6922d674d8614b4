using System;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Fs
{
    // An open file: what a file descriptor refers to (dup'ed descriptors share one).
    internal unsafe struct OpenFile
    {
        public FsNode* Node;
        public ulong Offset;
        public int Flags;                 // access mode and status flags (O_APPEND, O_NONBLOCK...), as F_GETFL reports them
        public int References;            // descriptors plus calls in progress (Vfs.Acquire)
        public long DirIndex;             // readdir position: 0 ".", 1 "..", then the entries
        public FsNode* DirCursor;         // the entry at DirIndex, pinned (Directories.cs)
        public byte* Snapshot;            // /proc and /sys files: the content, made when opened
        public ulong SnapshotSize;
    }

    // File descriptors over RamFs, with the devices applications expect: /dev/null, /dev/zero,
    // /dev/urandom (and /dev/random), /dev/console, /dev/tty, plus pipes and the generated files of
    // /proc and /sys. Descriptors 0-2 are the console. Every function returns a result >= 0 or a
    // negative errno, as system calls do. Path operations that create or remove names are Names.cs.
    internal static unsafe class Vfs
    {
        public const int MaxFiles = 1024;
        // RLIMIT_NOFILE's soft limit (setrlimit sets it): descriptors at or above it are refused.
        public static int OpenLimit = MaxFiles;
        public const int AtFdCwd = -100;
        public const int ORdOnly = 0, OWrOnly = 1, ORdWr = 2, OAccMode = 3, OCreat = 0x40, OExcl = 0x80, ONoCtty = 0x100,
            OTrunc = 0x200, OAppend = 0x400, ONonBlock = 0x800, OLargeFile = 0x8000, ODirectory = 0x10000,
            ONoFollow = 0x20000, OCloExec = 0x80000, OPath = 0x200000, OTmpFile = 0x400000;
        // What F_SETFL may change (the rest of the status flags are fixed at open, as on Linux).
        public const int SettableFlags = OAppend | ONonBlock | 0x2000 | 0x4000 | 0x40000;
        public const uint DeviceNull = 1, DeviceZero = 2, DeviceRandom = 3, DeviceConsole = 4, DeviceStderr = 5;

        private struct Table { public fixed ulong Files[MaxFiles]; public fixed byte CloseOnExec[MaxFiles]; }
        private static Table s_table;
        private static Sync.Mutex s_tableLock;
        public static FsNode* Cwd;
        public static uint Umask = 0x12;                   // 022
        private static ulong s_random = 0x9E3779B97F4A7C15UL;

        public static void Initialize()
        {
            RamFs.Initialize();
            Cwd = RamFs.Root;
            Cwd->OpenCount++;
        }

        // After the boot archive is unpacked: devices, /tmp, /proc and /sys, then stdin/stdout/stderr
        // on the console.
        public static void CreateDevices()
        {
            RamFs.CreateDevice("/dev"u8, "null"u8, DeviceNull, 1, 3);
            RamFs.CreateDevice("/dev"u8, "zero"u8, DeviceZero, 1, 5);
            RamFs.CreateDevice("/dev"u8, "random"u8, DeviceRandom, 1, 8);
            RamFs.CreateDevice("/dev"u8, "urandom"u8, DeviceRandom, 1, 9);
            FsNode* console = RamFs.CreateDevice("/dev"u8, "console"u8, DeviceConsole, 5, 1);
            RamFs.CreateDevice("/dev"u8, "tty"u8, DeviceConsole, 5, 0);
            FsNode* stderr = RamFs.CreateDevice("/dev"u8, "stderr"u8, DeviceStderr, 4, 65);
            RamFs.Lock();
            FsNode* tmp = RamFs.EnsureDirectory("/tmp"u8);
            if (tmp != null) tmp->Mode = RamFs.TypeDirectory | 0x3FF;      // 01777, as every Linux /tmp
            RamFs.Unlock();
            ProcFs.Create();
            Install(0, NewOpenFile(console, ORdOnly), false);
            Install(1, NewOpenFile(console, OWrOnly), false);
            Install(2, NewOpenFile(stderr, OWrOnly), false);
            s_random ^= Arch.X64.Cpu.ReadTsc();
        }

        // A new open file description on node (the caller holds the RamFs lock or the node is not shared yet).
        public static OpenFile* NewOpenFile(FsNode* node, int flags)
        {
            var f = (OpenFile*)KernelHeap.AllocZeroed((ulong)sizeof(OpenFile));
            f->Node = node;
            f->Flags = (flags & ~(OCreat | OExcl | ONoCtty | OTrunc | OCloExec)) | OLargeFile;
            f->References = 1;
            node->OpenCount++;
            return f;
        }

        private static void Install(int fd, OpenFile* f, bool closeOnExec)
        {
            fixed (Table* t = &s_table)
            {
                t->Files[fd] = (ulong)f;
                t->CloseOnExec[fd] = (byte)(closeOnExec ? 1 : 0);
            }
        }

        // A quick look without a reference: only for callers that cannot race with close (start-up,
        // single-threaded paths). Everything else uses Acquire/Put.
        public static OpenFile* Get(int fd)
        {
            if ((uint)fd >= MaxFiles) return null;
            fixed (Table* t = &s_table) return (OpenFile*)t->Files[fd];
        }

        // The open file behind fd with a reference held, so a concurrent close cannot free it; null for a bad fd.
        public static OpenFile* Acquire(int fd)
        {
            if ((uint)fd >= MaxFiles) return null;
            OpenFile* f;
            fixed (Sync.Mutex* m = &s_tableLock)
            {
                m->Lock();
                fixed (Table* t = &s_table) f = (OpenFile*)t->Files[fd];
                if (f != null) System.Threading.Interlocked.Increment(ref f->References);
                m->Unlock();
            }
            return f;
        }

        public static void Put(OpenFile* f) => Release(f);

        // Puts f at the lowest free descriptor >= from. Takes over the caller's reference.
        public static int Allocate(OpenFile* f, int from, bool closeOnExec)
        {
            int fd = -Errno.EMFILE;
            fixed (Sync.Mutex* m = &s_tableLock)
            {
                m->Lock();
                fixed (Table* t = &s_table)
                    for (int i = from; i < OpenLimit; i++)
                        if (t->Files[i] == 0) { fd = i; break; }
                if (fd >= 0) Install(fd, f, closeOnExec);
                m->Unlock();
            }
            if (fd < 0) Release(f);
            return fd;
        }

        public static int GetCloseOnExec(int fd)
        {
            if (Get(fd) == null) return -Errno.EBADF;
            fixed (Table* t = &s_table) return t->CloseOnExec[fd];
        }

        public static int SetCloseOnExec(int fd, bool on)
        {
            if (Get(fd) == null) return -Errno.EBADF;
            fixed (Table* t = &s_table) t->CloseOnExec[fd] = (byte)(on ? 1 : 0);
            return 0;
        }

        public static int Open(byte* path, int flags, uint mode) => OpenAt(AtFdCwd, path, flags, mode);

        public static int OpenAt(int dirFd, byte* path, int flags, uint mode)
        {
            var p = Span(path);
            if (p.Length == 0) return -Errno.ENOENT;
            if ((flags & OTmpFile) == OTmpFile) return -Errno.EOPNOTSUPP;                 // O_TMPFILE is not here
            RamFs.Lock();
            OpenFile* dir = null;
            int r = StartDirectory(dirFd, p, ref dir, out FsNode* start);
            OpenFile* f = null;
            if (r == 0) r = OpenLocked(p, start, flags, mode, out f);
            RamFs.Unlock();
            if (dir != null) Put(dir);
            if (r != 0) return r;
            if (f->Node->Generator != 0 && RamFs.TypeOf(f->Node) == RamFs.TypeRegular && (flags & OPath) == 0) ProcFs.Generate(f->Node, &f->Snapshot, &f->SnapshotSize);
            return Allocate(f, 0, (flags & OCloExec) != 0);
        }

        // Where a relative path starts: the working directory, or the directory open as dirFd (which
        // stays referenced in `dir` until the caller puts it). Caller holds the RamFs lock.
        public static int StartDirectory(int dirFd, ReadOnlySpan<byte> path, ref OpenFile* dir, out FsNode* start)
        {
            start = Cwd;
            if (dirFd == AtFdCwd || (path.Length > 0 && path[0] == (byte)'/')) return 0;
            dir = Acquire(dirFd);
            if (dir == null) return -Errno.EBADF;
            start = dir->Node;
            return RamFs.IsDirectory(start) ? 0 : -Errno.ENOTDIR;
        }

        private static int OpenLocked(ReadOnlySpan<byte> p, FsNode* start, int flags, uint mode, out OpenFile* f)
        {
            f = null;
            FsNode* node;
            int r;
            if ((flags & OCreat) != 0)
            {
                r = OpenOrCreate(p, start, flags, mode, out node);
                if (r != 0) return r;
            }
            else
            {
                r = RamFs.Lookup(p, start, (flags & ONoFollow) == 0, out node);
                if (r != 0) return r;
            }
            uint type = RamFs.TypeOf(node);
            int access = flags & OAccMode;
            if ((flags & OPath) != 0) { f = NewOpenFile(node, flags & (OPath | ODirectory | ONoFollow | OAccMode)); return 0; }
            if (type == RamFs.TypeSymlink) return -Errno.ELOOP;               // O_NOFOLLOW on a link
            if ((flags & ODirectory) != 0 && type != RamFs.TypeDirectory) return -Errno.ENOTDIR;
            if (type == RamFs.TypeDirectory && (access != ORdOnly || (flags & OCreat) != 0)) return -Errno.EISDIR;
            if (type == RamFs.TypeFifo) return -Errno.ENXIO;                              // no named pipes
            if ((flags & OTrunc) != 0 && access != ORdOnly && type == RamFs.TypeRegular && node->Generator == 0)
            {
                r = RamFs.Truncate(node, 0);
                if (r != 0) return r;
            }
            f = NewOpenFile(node, flags);
            return 0;
        }

        private static int OpenOrCreate(ReadOnlySpan<byte> p, FsNode* start, int flags, uint mode, out FsNode* node)
        {
            node = null;
            int r = RamFs.LookupParent(p, start, out FsNode* parent, out int nameStart, out int nameLength);
            if (r == -Errno.EEXIST) return -Errno.EISDIR;                      // "/"
            if (r != 0) return r;
            var name = p.Slice(nameStart, nameLength);
            if (RamFs.IsDot(name) || RamFs.IsDotDot(name) || p[p.Length - 1] == (byte)'/') return -Errno.EISDIR;
            FsNode* existing = RamFs.Child(parent, name);
            if (existing == null)
            {
                if (parent->Generator != 0 || parent->Links == 0) return parent->Links == 0 ? -Errno.ENOENT : -Errno.EACCES;
                node = RamFs.Create(parent, name, RamFs.TypeRegular | (mode & 0xFFF & ~Umask));
                return 0;
            }
            if ((flags & OExcl) != 0) return -Errno.EEXIST;
            if (RamFs.TypeOf(existing) == RamFs.TypeSymlink && (flags & ONoFollow) == 0)
                return RamFs.Lookup(p, start, true, out node);
            node = existing;
            return 0;
        }

        public static int Close(int fd)
        {
            if ((uint)fd >= MaxFiles) return -Errno.EBADF;
            OpenFile* f;
            fixed (Sync.Mutex* m = &s_tableLock)
            {
                m->Lock();
                fixed (Table* t = &s_table)
                {
                    f = (OpenFile*)t->Files[fd];
                    t->Files[fd] = 0;
                    t->CloseOnExec[fd] = 0;
                }
                m->Unlock();
            }
            if (f == null) return -Errno.EBADF;
            Release(f);
            return 0;
        }

        private static void Release(OpenFile* f)
        {
            if (System.Threading.Interlocked.Decrement(ref f->References) != 0) return;
            FsNode* n = f->Node;
            if (RamFs.TypeOf(n) == RamFs.TypeFifo) Pipes.CloseEnd(n, (f->Flags & OAccMode) != ORdOnly);
            RamFs.Lock();
            Directories.Unpin(f);
            n->OpenCount--;
            RamFs.ReleaseIfUnused(n);
            RamFs.Unlock();
            if (f->Snapshot != null) KernelHeap.Free(f->Snapshot);
            KernelHeap.Free(f);
        }

        // dup (lowest free >= target), dup2/dup3 (exactly target, closing what was there atomically).
        public static int Dup(int fd, int target, bool exactTarget, bool closeOnExec = false)
        {
            OpenFile* f = Acquire(fd);
            if (f == null) return -Errno.EBADF;
            if (!exactTarget)
            {
                if ((uint)target >= OpenLimit) { Put(f); return -Errno.EINVAL; }
                return Allocate(f, target, closeOnExec);
            }
            if ((uint)target >= OpenLimit) { Put(f); return -Errno.EBADF; }
            if (target == fd) { Put(f); return target; }
            OpenFile* old;
            fixed (Sync.Mutex* m = &s_tableLock)
            {
                m->Lock();
                fixed (Table* t = &s_table) old = (OpenFile*)t->Files[target];
                Install(target, f, closeOnExec);
                m->Unlock();
            }
            if (old != null) Release(old);
            return target;
        }

        public static long Read(int fd, byte* buffer, ulong count) => ReadAt(fd, buffer, count, 0, false);
        public static long Write(int fd, byte* buffer, ulong count) => WriteAt(fd, buffer, count, 0, false);

        public static long ReadAt(int fd, byte* buffer, ulong count, ulong position, bool positioned)
        {
            OpenFile* f = Acquire(fd);
            if (f == null) return -Errno.EBADF;
            long r = ReadFile(f, buffer, count, position, positioned);
            Put(f);
            return r;
        }

        public static long ReadFile(OpenFile* f, byte* buffer, ulong count, ulong position, bool positioned)
        {
            if ((f->Flags & OAccMode) == OWrOnly || (f->Flags & OPath) != 0) return -Errno.EBADF;
            if (positioned && (long)position < 0) return -Errno.EINVAL;
            FsNode* n = f->Node;
            switch (RamFs.TypeOf(n))
            {
                case RamFs.TypeCharDevice:
                    if (n->Device == DeviceZero) { Mem.Set(buffer, 0, (nuint)count); return (long)count; }
                    if (n->Device == DeviceRandom) { FillRandom(buffer, count); return (long)count; }
                    return 0;                                  // null, and the console has no input
                case RamFs.TypeDirectory: return -Errno.EISDIR;
                case RamFs.TypeFifo: return positioned ? -Errno.ESPIPE : Pipes.Read(n, buffer, count, (f->Flags & ONonBlock) != 0);
            }
            RamFs.Lock();
            ulong at = positioned ? position : f->Offset;
            long r;
            if (f->Snapshot != null || n->Generator != 0) r = ReadSnapshot(f, at, buffer, count);
            else r = RamFs.Read(n, at, buffer, count);
            if (!positioned && r > 0) f->Offset = at + (ulong)r;
            RamFs.Unlock();
            return r;
        }

        private static long ReadSnapshot(OpenFile* f, ulong at, byte* buffer, ulong count)
        {
            if (at >= f->SnapshotSize) return 0;
            if (count > f->SnapshotSize - at) count = f->SnapshotSize - at;
            Mem.Move(buffer, f->Snapshot + at, (nuint)count);
            return (long)count;
        }

        public static long WriteAt(int fd, byte* buffer, ulong count, ulong position, bool positioned)
        {
            OpenFile* f = Acquire(fd);
            if (f == null) return -Errno.EBADF;
            long r = WriteFile(f, buffer, count, position, positioned);
            Put(f);
            return r;
        }

        public static long WriteFile(OpenFile* f, byte* buffer, ulong count, ulong position, bool positioned)
        {
            if ((f->Flags & OAccMode) == ORdOnly || (f->Flags & OPath) != 0) return -Errno.EBADF;
            if (positioned && (long)position < 0) return -Errno.EINVAL;
            FsNode* n = f->Node;
            switch (RamFs.TypeOf(n))
            {
                case RamFs.TypeCharDevice:
                    if (n->Device == DeviceConsole) ConsoleWrite(buffer, count);
                    else if (n->Device == DeviceStderr) StderrWrite(buffer, count);
                    return (long)count;
                case RamFs.TypeFifo: return positioned ? -Errno.ESPIPE : Pipes.Write(n, buffer, count, (f->Flags & ONonBlock) != 0);
            }
            if (n->Generator != 0) return -Errno.EINVAL;                   // /proc files take no writes
            RamFs.Lock();
            ulong at = positioned ? position : (f->Flags & OAppend) != 0 ? n->Size : f->Offset;
            long r = count == 0 ? 0 : RamFs.Write(n, at, buffer, count);
            if (!positioned && r > 0) f->Offset = at + (ulong)r;
            RamFs.Unlock();
            return r;
        }

        // Application output goes to the console unchanged, in pieces small enough to keep the
        // console's per-line interrupt-off sections short.
        private static void ConsoleWrite(byte* buffer, ulong count)
        {
            while (count > 0)
            {
                int n = count > 512 ? 512 : (int)count;
                using (new Arch.X64.InterruptsDisabled()) KernelConsole.Write(new ReadOnlySpan<byte>(buffer, n));
                buffer += n;
                count -= (ulong)n;
            }
        }

        private static void StderrWrite(byte* buffer, ulong count)
        {
            while (count > 0)
            {
                int n = count > 1 << 20 ? 1 << 20 : (int)count;
                SerialPort.WriteSecond(buffer, n);
                buffer += n;
                count -= (ulong)n;
            }
        }

        public static long Seek(int fd, long offset, int whence)
        {
            OpenFile* f = Acquire(fd);
            if (f == null) return -Errno.EBADF;
            long r = SeekFile(f, offset, whence);
            Put(f);
            return r;
        }

        private static long SeekFile(OpenFile* f, long offset, int whence)
        {
            FsNode* n = f->Node;
            uint type = RamFs.TypeOf(n);
            if (type == RamFs.TypeFifo || (type == RamFs.TypeCharDevice && n->Device >= DeviceConsole)) return -Errno.ESPIPE;
            if (type == RamFs.TypeCharDevice) return 0;                      // /dev/null and friends: always at 0
            RamFs.Lock();
            long size = f->Snapshot != null ? (long)f->SnapshotSize : (long)n->Size;
            long current = type == RamFs.TypeDirectory ? f->DirIndex : (long)f->Offset;
            long basePos = whence == 0 ? 0 : whence == 1 ? current : whence == 2 ? size : -1;
            long to = basePos + offset;
            long r;
            if (basePos < 0 || (offset > 0 && to < basePos) || to < 0) r = -Errno.EINVAL;
            else if (type == RamFs.TypeDirectory) { Directories.Seek(f, to); r = to; }
            else { f->Offset = (ulong)to; r = to; }
            RamFs.Unlock();
            return r;
        }

        public static void Random(byte* buffer, ulong count) => FillRandom(buffer, count);

        private static void FillRandom(byte* buffer, ulong count)
        {
            // The CPU's RDSEED/RDRAND when it has them (/dev/urandom, getrandom, arc4random).
            ulong done = 0;
            while (done < count && Arch.X64.HardwareRandom.Next(out ulong v))
                for (int k = 0; k < 8 && done < count; k++, v >>= 8) buffer[done++] = (byte)v;
            // Otherwise xorshift64*, seeded from the TSC: good enough for hash seeds and temporary
            // names, not for cryptography.
            for (ulong i = done; i < count; i++)
            {
                ulong x = s_random;
                x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
                s_random = x;
                buffer[i] = (byte)((x * 0x2545F4914F6CDD1DUL) >> 56);
            }
        }

        public static ReadOnlySpan<byte> Span(byte* s)
        {
            int n = 0;
            while (s[n] != 0) n++;
            return new ReadOnlySpan<byte>(s, n);
        }
    }
}
