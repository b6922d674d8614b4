using System;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Fs
{
    // /proc and /sys as runtimes read them: ordinary RamFs directories holding generated files,
    // whose content is computed when they are opened (a snapshot per open file, as seq_file gives
    // Linux readers), and symlinks whose target is computed when followed. The one process is pid 1;
    // /proc/self points to /proc/1. Stat reports size 0, as for Linux's proc files.
    internal static unsafe class ProcFs
    {
        // The files of the process itself (/proc/self/...), which the libc layer generates.
        public const uint Maps = 1, Cmdline = 2, Environ = 3, Status = 4, ProcessStat = 14, Statm = 15, Comm = 23;
        private const uint MountInfo = 5, Mounts = 6, Cgroup = 7,
            MemInfo = 8, CpuInfo = 9, Stat = 10, OsRelease = 11, CpuRange = 12, Uptime = 13,
            OsType = 16, Hostname = 17, BootId = 18, Uuid = 19, Version = 20, CacheFile = 21,
            PidMax = 22, LinkExe = 100, LinkCwd = 101;
        public const int MaxCaches = 8;

        private static byte* s_linkBuffer;                              // link targets (built under the RamFs lock)
        private struct Uuid36 { public fixed byte Bytes[36]; }
        private static Uuid36 s_bootId;

        public const uint Unpopulated = 99;                             // a directory's Generator: filled on first use

        // At boot only the two (empty) directories: their contents are made on first use
        // (Populate), which keeps them off the boot path.
        public static void Create()
        {
            RamFs.Lock();
            FsNode* proc = RamFs.EnsureDirectory("/proc"u8);
            FsNode* sys = RamFs.EnsureDirectory("/sys"u8);
            if (proc != null && proc->FirstChild == null) { proc->Mode = RamFs.TypeDirectory | 0x16D; proc->Generator = Unpopulated; }  // 0555
            if (sys != null && sys->FirstChild == null) { sys->Mode = RamFs.TypeDirectory | 0x16D; sys->Generator = Unpopulated; }
            RamFs.Unlock();
        }

        // Fills /proc or /sys the first time a lookup or a listing reaches it. Caller holds the RamFs lock.
        public static void Populate(FsNode* dir)
        {
            dir->Generator = 0;
            if (s_linkBuffer == null) s_linkBuffer = (byte*)KernelHeap.Alloc(4096);
            if (dir->NameLength == 4) PopulateProc(dir);
            else CreateSys();
        }

        private static void PopulateProc(FsNode* proc)
        {
            FsNode* self = RamFs.Create(proc, "1"u8, RamFs.TypeDirectory | 0x16D);
            StaticLink(proc, "self"u8, "1"u8);
            StaticLink(proc, "mounts"u8, "self/mounts"u8);
            StaticLink(self, "root"u8, "/"u8);
            Link(self, "exe"u8, LinkExe);
            Link(self, "cwd"u8, LinkCwd);
            File(self, "maps"u8, Maps); File(self, "cmdline"u8, Cmdline); File(self, "environ"u8, Environ);
            File(self, "status"u8, Status); File(self, "stat"u8, ProcessStat); File(self, "statm"u8, Statm);
            File(self, "mountinfo"u8, MountInfo); File(self, "mounts"u8, Mounts); File(self, "cgroup"u8, Cgroup);
            File(self, "comm"u8, Comm);
            File(proc, "meminfo"u8, MemInfo); File(proc, "cpuinfo"u8, CpuInfo); File(proc, "stat"u8, Stat);
            File(proc, "uptime"u8, Uptime); File(proc, "version"u8, Version);
            FsNode* kernel = RamFs.EnsureDirectory("/proc/sys/kernel"u8);
            File(kernel, "osrelease"u8, OsRelease); File(kernel, "ostype"u8, OsType);
            File(kernel, "hostname"u8, Hostname); File(kernel, "pid_max"u8, PidMax);
            FsNode* random = RamFs.EnsureDirectory("/proc/sys/kernel/random"u8);
            File(random, "boot_id"u8, BootId); File(random, "uuid"u8, Uuid);
        }

        // /sys/devices/system/cpu: online, possible, present and each CPU's caches (CPUID).
        // /sys/fs/cgroup is deliberately absent: there are no control groups.
        private static void CreateSys()
        {
            FsNode* cpus = RamFs.EnsureDirectory("/sys/devices/system/cpu"u8);
            File(cpus, "online"u8, CpuRange); File(cpus, "possible"u8, CpuRange); File(cpus, "present"u8, CpuRange);
            int caches = CpuFiles.CacheCount();
            byte* name = stackalloc byte[16];
            for (int c = 0; c < Arch.X64.PerCpu.Count; c++)
            {
                FsNode* cpu = RamFs.Create(cpus, Numbered("cpu"u8, c, name), RamFs.TypeDirectory | 0x1ED);
                FsNode* cache = RamFs.Create(cpu, "cache"u8, RamFs.TypeDirectory | 0x1ED);
                for (int i = 0; i < caches; i++)
                {
                    FsNode* index = RamFs.Create(cache, Numbered("index"u8, i, name), RamFs.TypeDirectory | 0x1ED);
                    for (int k = 0; k < CpuFiles.CacheFileCount; k++)
                        File(index, CpuFiles.CacheFileName(k), CacheFile, (uint)(i * 16 + k));
                }
            }
        }

        private static ReadOnlySpan<byte> Numbered(ReadOnlySpan<byte> prefix, int n, byte* buffer)
        {
            int len = 0;
            for (int i = 0; i < prefix.Length; i++) buffer[len++] = prefix[i];
            len += NumberFormat.Unsigned(new Span<byte>(buffer + len, 12), (ulong)n);
            return new ReadOnlySpan<byte>(buffer, len);
        }

        private static void File(FsNode* dir, ReadOnlySpan<byte> name, uint generator, uint arg = 0)
        {
            if (dir == null) return;
            FsNode* n = RamFs.Create(dir, name, RamFs.TypeRegular | 0x124);       // 0444
            n->Generator = generator;
            n->GeneratorArg = arg;
        }

        private static void Link(FsNode* dir, ReadOnlySpan<byte> name, uint generator)
        {
            FsNode* n = RamFs.Create(dir, name, RamFs.TypeSymlink | 0x1FF);
            n->Generator = generator;
        }

        private static void StaticLink(FsNode* dir, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target)
        {
            FsNode* n = RamFs.Create(dir, name, RamFs.TypeSymlink | 0x1FF);
            fixed (byte* t = target) n->Data = t;                              // a literal: never freed (Capacity 0)
            n->Size = (ulong)target.Length;
        }

        // Hooks the libc layer installs at boot: the contents of a process file (Maps ... Comm), and the
        // program's path for /proc/self/exe (null before a program is loaded).
        public static delegate*<uint, TextBuffer*, void> ProcessFile;
        public static delegate*<byte*> ExecutablePath;

        // The target of a generated symlink. Caller holds the RamFs lock (the buffer is shared).
        public static ReadOnlySpan<byte> LinkTarget(FsNode* n)
        {
            byte* b = s_linkBuffer;
            int len = 0;
            if (n->Generator == LinkCwd) len = RamFs.PathOf(Vfs.Cwd, b, 4096);
            else if (ExecutablePath != null && ExecutablePath() != null)
            {
                byte* path = ExecutablePath();
                if (path[0] != (byte)'/') b[len++] = (byte)'/';
                for (; *path != 0 && len < 4095; path++) b[len++] = *path;
            }
            if (len <= 0) { b[0] = (byte)'/'; len = 1; }
            return new ReadOnlySpan<byte>(b, len);
        }

        // Makes the content of a generated file (the open file owns the buffer).
        public static void Generate(FsNode* n, byte** data, ulong* length)
        {
            var t = new TextBuffer();
            switch (n->Generator)
            {
                case Maps or Cmdline or Environ or Status or ProcessStat or Statm or Comm:
                    if (ProcessFile != null) ProcessFile(n->Generator, &t);
                    break;
                case MountInfo: t.Add("20 1 0:19 / / rw,relatime shared:1 - tmpfs rootfs rw\n"u8); break;
                case Mounts: t.Add("rootfs / tmpfs rw,relatime 0 0\n"u8); break;
                case Cgroup: t.Add("0::/\n"u8); break;
                case MemInfo: SystemFiles.MemInfo(ref t); break;
                case Stat: SystemFiles.Stat(ref t); break;
                case Uptime: SystemFiles.Uptime(ref t); break;
                case Version: t.Add("Linux version "u8); t.Add(SystemFiles.Release); t.Add(" (nimbus) #1 SMP Nimbus\n"u8); break;
                case OsRelease: t.Add(SystemFiles.Release); t.AddByte((byte)'\n'); break;
                case OsType: t.Add("Linux\n"u8); break;
                case Hostname: t.Add("nimbus\n"u8); break;
                case PidMax: t.Add("4194304\n"u8); break;
                case BootId: BootIdText(ref t); break;
                case Uuid: SystemFiles.NewUuid(ref t); break;
                case CpuInfo: CpuFiles.CpuInfo(ref t); break;
                case CpuRange: CpuFiles.Range(ref t); break;
                case CacheFile: CpuFiles.CacheAttribute(ref t, (int)(n->GeneratorArg / 16), (int)(n->GeneratorArg % 16)); break;
            }
            *data = t.Take(out *length);
        }

        // boot_id: one random UUID for the whole boot.
        private static void BootIdText(ref TextBuffer t)
        {
            fixed (Uuid36* u36 = &s_bootId)
            {
                byte* id = u36->Bytes;
                if (id[0] == 0)
                {
                    var u = new TextBuffer();
                    SystemFiles.NewUuid(ref u);
                    for (int i = 0; i < 36; i++) id[i] = u.Data[i];
                    KernelHeap.Free(u.Take(out _));
                }
                t.Add(new ReadOnlySpan<byte>(id, 36));
            }
            t.AddByte((byte)'\n');
        }

    }
}
