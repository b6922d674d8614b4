using System;
using Nimbus.Kernel.Memory;

namespace Nimbus.Kernel.Fs
{
    // An open file: what a file descriptor refers to (dup'ed descriptors share one).
    internal unsafe struct OpenFile
    {
        public FsNode* Node;
        public ulong Offset;
        public int Flags;                 // O_* as given to open
        public int References;
        public FsNode* DirCursor;         // readdir position (next child), for directories
        public int DirStarted;
    }

    // File descriptors and path operations over RamFs, with the devices applications expect:
    // /dev/null, /dev/zero, /dev/urandom (and /dev/random), /dev/console, /dev/tty. Descriptors 0-2
    // are the console. Every function returns a result >= 0 or a negative errno, as system calls do.
    internal static unsafe class Vfs
    {
        public const int MaxFiles = 1024;
        public const int ORdOnly = 0, OWrOnly = 1, ORdWr = 2, OAccMode = 3, OCreat = 0x40, OExcl = 0x80, OTrunc = 0x200,
            OAppend = 0x400, ONonBlock = 0x800, ODirectory = 0x10000, ONoFollow = 0x20000, OCloExec = 0x80000;
        public const uint DeviceNull = 1, DeviceZero = 2, DeviceRandom = 3, DeviceConsole = 4, DeviceStderr = 5;
        public const int EBADF = 9, EACCES = 13, EMFILE = 24, ESPIPE = 29, ENOSYS = 38;

        private struct Table { public fixed ulong Files[MaxFiles]; public fixed byte CloseOnExec[MaxFiles]; }
        private static Table s_table;
        public static FsNode* Cwd;
        private static FsNode* s_console;
        private static ulong s_random = 0x9E3779B97F4A7C15UL;

        public static void Initialize()
        {
            RamFs.Initialize();
            Cwd = RamFs.Root;
        }

        // After the boot archive is unpacked: devices, then stdin/stdout/stderr on the console.
        public static void CreateDevices()
        {
            RamFs.CreateDevice("/dev"u8, "null"u8, DeviceNull);
            RamFs.CreateDevice("/dev"u8, "zero"u8, DeviceZero);
            RamFs.CreateDevice("/dev"u8, "urandom"u8, DeviceRandom);
            RamFs.CreateDevice("/dev"u8, "random"u8, DeviceRandom);
            s_console = RamFs.CreateDevice("/dev"u8, "console"u8, DeviceConsole);
            RamFs.CreateDevice("/dev"u8, "tty"u8, DeviceConsole);
            FsNode* stderr = RamFs.CreateDevice("/dev"u8, "stderr"u8, DeviceStderr);
            Install(0, NewOpenFile(s_console, ORdOnly));
            Install(1, NewOpenFile(s_console, OWrOnly));
            Install(2, NewOpenFile(stderr, OWrOnly));
            s_random ^= Arch.X64.Cpu.ReadTsc();
        }

        private static OpenFile* NewOpenFile(FsNode* node, int flags)
        {
            var f = (OpenFile*)KernelHeap.AllocZeroed((ulong)sizeof(OpenFile));
            f->Node = node;
            f->Flags = flags;
            f->References = 1;
            node->OpenCount++;
            return f;
        }

        private static void Install(int fd, OpenFile* f)
        {
            fixed (Table* t = &s_table) t->Files[fd] = (ulong)f;
        }

        public static OpenFile* Get(int fd)
        {
            if ((uint)fd >= MaxFiles) return null;
            fixed (Table* t = &s_table) return (OpenFile*)t->Files[fd];
        }

        private static int FreeDescriptor(int from)
        {
            fixed (Table* t = &s_table)
                for (int fd = from; fd < MaxFiles; fd++) if (t->Files[fd] == 0) return fd;
            return -EMFILE;
        }

        public static int Open(byte* path, int flags, uint mode)
        {
            var p = Span(path);
            if (p.Length == 0) return -RamFs.ENOENT;
            RamFs.Lock();
            try
            {
                int r = RamFs.Lookup(p, Cwd, (flags & ONoFollow) == 0, out FsNode* node);
                if (r == RamFs.ENOENT && (flags & OCreat) != 0)
                {
                    r = RamFs.LookupParent(p, Cwd, out FsNode* parent, out int nameStart, out int nameLength);
                    if (r != 0) return -r;
                    node = RamFs.Create(parent, p.Slice(nameStart, nameLength), RamFs.TypeRegular | (mode & 0xFFF));
                }
                else if (r != 0) return -r;
                else if ((flags & OCreat) != 0 && (flags & OExcl) != 0) return -RamFs.EEXIST;
                bool isDir = RamFs.IsDirectory(node);
                if ((flags & ODirectory) != 0 && !isDir) return -RamFs.ENOTDIR;
                if (isDir && (flags & OAccMode) != ORdOnly) return -RamFs.EISDIR;
                if ((flags & OTrunc) != 0 && (flags & OAccMode) != ORdOnly && (node->Mode & RamFs.TypeMask) == RamFs.TypeRegular)
                    RamFs.Truncate(node, 0);
                int fd = FreeDescriptor(0);
                if (fd < 0) return fd;
                Install(fd, NewOpenFile(node, flags));
                fixed (Table* t = &s_table) t->CloseOnExec[fd] = (byte)((flags & OCloExec) != 0 ? 1 : 0);
                return fd;
            }
            finally { RamFs.Unlock(); }
        }

        public static int Close(int fd)
        {
            OpenFile* f = Get(fd);
            if (f == null) return -EBADF;
            Install(fd, null);
            Release(f);
            return 0;
        }

        private static void Release(OpenFile* f)
        {
            if (System.Threading.Interlocked.Decrement(ref f->References) != 0) return;
            RamFs.Lock();
            f->Node->OpenCount--;
            RamFs.ReleaseIfUnused(f->Node);
            RamFs.Unlock();
            KernelHeap.Free(f);
        }

        public static int Dup(int fd, int target, bool exactTarget)
        {
            OpenFile* f = Get(fd);
            if (f == null) return -EBADF;
            if (exactTarget)
            {
                if ((uint)target >= MaxFiles) return -EBADF;
                if (target == fd) return target;
                if (Get(target) != null) Close(target);
            }
            else
            {
                target = FreeDescriptor(target);
                if (target < 0) return target;
            }
            System.Threading.Interlocked.Increment(ref f->References);
            Install(target, f);
            return target;
        }

        public static long Read(int fd, byte* buffer, ulong count) => ReadAt(fd, buffer, count, 0, false);
        public static long Write(int fd, byte* buffer, ulong count) => WriteAt(fd, buffer, count, 0, false);

        public static long ReadAt(int fd, byte* buffer, ulong count, ulong position, bool positioned)
        {
            OpenFile* f = Get(fd);
            if (f == null || (f->Flags & OAccMode) == OWrOnly) return -EBADF;
            FsNode* n = f->Node;
            switch (n->Mode & RamFs.TypeMask)
            {
                case RamFs.TypeCharDevice:
                    if (n->Device == DeviceZero) { Mem.Set(buffer, 0, (nuint)count); return (long)count; }
                    if (n->Device == DeviceRandom) { FillRandom(buffer, count); return (long)count; }
                    return 0;                                  // null, and the console has no input
                case RamFs.TypeDirectory: return -RamFs.EISDIR;
            }
            RamFs.Lock();
            ulong at = positioned ? position : f->Offset;
            long r = RamFs.Read(n, at, buffer, count);
            if (!positioned && r > 0) f->Offset = at + (ulong)r;
            RamFs.Unlock();
            return r;
        }

        public static long WriteAt(int fd, byte* buffer, ulong count, ulong position, bool positioned)
        {
            OpenFile* f = Get(fd);
            if (f == null || (f->Flags & OAccMode) == ORdOnly) return -EBADF;
            FsNode* n = f->Node;
            if ((n->Mode & RamFs.TypeMask) == RamFs.TypeCharDevice)
            {
                if (n->Device == DeviceConsole) ConsoleWrite(buffer, count);
                else if (n->Device == DeviceStderr) Drivers.SerialPort.WriteSecond(buffer, (int)count);
                return (long)count;
            }
            RamFs.Lock();
            ulong at = positioned ? position : (f->Flags & OAppend) != 0 ? n->Size : f->Offset;
            long r = RamFs.Write(n, at, buffer, count);
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

        public static long Seek(int fd, long offset, int whence)
        {
            OpenFile* f = Get(fd);
            if (f == null) return -EBADF;
            if ((f->Node->Mode & RamFs.TypeMask) == RamFs.TypeCharDevice) return -ESPIPE;
            long basePos = whence == 0 ? 0 : whence == 1 ? (long)f->Offset : whence == 2 ? (long)f->Node->Size : -1;
            if (basePos < 0) return -RamFs.EINVAL;
            long to = basePos + offset;
            if (to < 0) return -RamFs.EINVAL;
            f->Offset = (ulong)to;
            return to;
        }

        public static void Random(byte* buffer, ulong count) => FillRandom(buffer, count);

        private static void FillRandom(byte* buffer, ulong count)
        {
            // xorshift64*, seeded from the TSC: good enough for hash seeds and temporary names
            // (not for cryptography; there is no entropy source yet).
            for (ulong i = 0; i < count; i++)
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
