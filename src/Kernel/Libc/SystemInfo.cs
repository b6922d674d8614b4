using System.Runtime;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Libc
{
    // Process and system queries. One application per VM: its pid is 1 (OSv keeps it constant too),
    // it runs as root, and there is nothing to fork or exec.
    internal static unsafe class SystemInfo
    {
        private const int EINVAL = 22, ENOSYS = 38, ESRCH = 3, ERANGE = 34;

        [RuntimeExport("abi_sysconf")]
        private static long Sysconf(int name) => name switch
        {
            0 => 2 * 1024 * 1024,                                   // _SC_ARG_MAX
            2 => 100,                                               // _SC_CLK_TCK
            3 => 1024,                                              // _SC_CHILD_MAX
            4 => Fs.Vfs.MaxFiles,                                   // _SC_OPEN_MAX
            30 => 4096,                                             // _SC_PAGESIZE
            69 or 70 => 1024,                                       // _SC_GETGR_R_SIZE_MAX, _SC_GETPW_R_SIZE_MAX
            75 => 16384,                                            // _SC_THREAD_STACK_MIN
            83 or 84 => PerCpu.Count,                               // _SC_NPROCESSORS_CONF / _ONLN
            85 => (long)(KernelMemory.TotalRamBytes / 4096),        // _SC_PHYS_PAGES
            86 => (long)KernelMemory.Pages.FreePages,               // _SC_AVPHYS_PAGES
            180 => 4096,                                            // _SC_HOST_NAME_MAX
            190 or 191 or 194 => 64,                                // cache line sizes
            _ => Unknown(),
        };

        private static long Unknown() { Process.SetErrno(EINVAL); return -1; }

        [RuntimeExport("abi_getpagesize")]
        private static int GetPageSize() => 4096;
        [RuntimeExport("abi_get_nprocs")]
        private static int GetNprocs() => PerCpu.Count;
        [RuntimeExport("abi_get_nprocs_conf")]
        private static int GetNprocsConf() => PerCpu.Count;

        [StructLayout(LayoutKind.Sequential)]
        private struct SysInfoStruct
        {
            public long Uptime;
            public ulong Load1, Load5, Load15, TotalRam, FreeRam, SharedRam, BufferRam, TotalSwap, FreeSwap;
            public ushort Procs, Pad;
            public ulong TotalHigh, FreeHigh;
            public uint MemUnit;
        }

        [RuntimeExport("abi_sysinfo")]
        private static int SysInfoCall(SysInfoStruct* s)
        {
            *s = default;
            s->Uptime = (long)(Nimbus.Kernel.Time.Clock.NowNs() / 1_000_000_000);
            s->TotalRam = KernelMemory.TotalRamBytes;
            s->FreeRam = KernelMemory.Pages.FreePages * 4096;
            s->Procs = (ushort)Scheduler.LiveThreads;
            s->MemUnit = 1;
            return 0;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct RLimit { public ulong Current, Max; }

        [RuntimeExport("abi_getrlimit")]
        private static int GetRlimit(int resource, RLimit* r) => Limit(resource, r);
        [RuntimeExport("abi_getrlimit64")]
        private static int GetRlimit64(int resource, RLimit* r) => Limit(resource, r);
        [RuntimeExport("abi_setrlimit")]
        private static int SetRlimit(int resource, RLimit* r) => SetLimit(resource, r);
        [RuntimeExport("abi_setrlimit64")]
        private static int SetRlimit64(int resource, RLimit* r) => SetLimit(resource, r);

        // The limits are remembered (getrlimit returns what setrlimit set) but the kernel enforces
        // only its own fixed ones: the descriptor table's size and the stacks it maps.
        private const int ResourceCount = 16;
        private struct Limits { public fixed ulong Current[ResourceCount]; public fixed ulong Max[ResourceCount]; public bool Set; }
        private static Limits s_limits;

        private static Limits* Table()
        {
            fixed (Limits* l = &s_limits)
            {
                if (!l->Set)
                {
                    for (int i = 0; i < ResourceCount; i++)
                        l->Current[i] = l->Max[i] = i switch { 3 => 8UL << 20, 4 => 0, 7 => (ulong)Fs.Vfs.MaxFiles, _ => ulong.MaxValue };
                    l->Set = true;
                }
                return l;
            }
        }

        private static int Limit(int resource, RLimit* r)
        {
            if ((uint)resource >= ResourceCount) { Process.SetErrno(EINVAL); return -1; }
            Limits* l = Table();
            r->Current = l->Current[resource];
            r->Max = l->Max[resource];
            return 0;
        }

        private static int SetLimit(int resource, RLimit* r)
        {
            if ((uint)resource >= ResourceCount || r->Current > r->Max) { Process.SetErrno(EINVAL); return -1; }
            Limits* l = Table();
            // Raising beyond what the kernel can give fails as for an unprivileged raise on Linux.
            if (resource == 7 && r->Max > (ulong)Fs.Vfs.MaxFiles) { Process.SetErrno(1); return -1; }   // EPERM
            l->Current[resource] = r->Current;
            l->Max[resource] = r->Max;
            return 0;
        }

        [RuntimeExport("abi_getrusage")]
        private static int GetRusage(int who, long* usage)
        {
            for (int i = 0; i < 18; i++) usage[i] = 0;
            ulong ns = Nimbus.Kernel.Time.Clock.NowNs();
            usage[0] = (long)(ns / 1_000_000_000);           // ru_utime
            usage[1] = (long)(ns % 1_000_000_000 / 1000);
            return 0;
        }

        [RuntimeExport("abi_prctl")]
        private static int Prctl(int option, ulong a2, ulong a3, ulong a4, ulong a5)
        {
            KThread* t = Scheduler.Current;
            switch (option)
            {
                case 15:                                           // PR_SET_NAME
                {
                    byte* name = (byte*)a2;
                    int i = 0;
                    for (; i < 15 && i < KThread.MaxName && name[i] != 0; i++) t->Name[i] = name[i];
                    t->Name[i] = 0;
                    return 0;
                }
                case 16:                                           // PR_GET_NAME
                {
                    byte* buf = (byte*)a2;
                    int i = 0;
                    for (; i < 15 && t->Name[i] != 0; i++) buf[i] = t->Name[i];
                    buf[i] = 0;
                    return 0;
                }
                case 4: case 3: case 38: return 0;                 // PR_SET/GET_DUMPABLE, PR_SET_NO_NEW_PRIVS
            }
            Process.SetErrno(EINVAL);
            return -1;
        }

        // One process: its id is constant, as in OSv.
        public const int ProcessId = 1;
        [RuntimeExport("abi_getpid")]
        private static int GetPid() => ProcessId;
        [RuntimeExport("abi_getppid")]
        private static int GetPpid() => 0;
        [RuntimeExport("abi_gettid")]
        private static int GetTid() => Scheduler.CurrentId;
        [RuntimeExport("abi_getuid")]
        private static uint GetUid() => 0;
        [RuntimeExport("abi_geteuid")]
        private static uint GetEuid() => 0;
        [RuntimeExport("abi_getgid")]
        private static uint GetGid() => 0;
        [RuntimeExport("abi_getegid")]
        private static uint GetEgid() => 0;

        // struct passwd for root, laid out in the caller's buffer.
        [RuntimeExport("abi_getpwuid_r")]
        private static int GetPwuidR(uint uid, ulong* pwd, byte* buffer, ulong size, ulong** result)
        {
            *result = null;
            if (uid != 0) return 0;                                // no such user: not an error
            ReadOnlySpanWriter w = new ReadOnlySpanWriter(buffer, size);
            byte* name = w.Add("root"u8), password = w.Add("x"u8), gecos = w.Add("root"u8), home = w.Add("/"u8), shell = w.Add("/bin/sh"u8);
            if (w.Overflow) return ERANGE;
            pwd[0] = (ulong)name; pwd[1] = (ulong)password;
            pwd[2] = 0;                                            // uid, gid
            pwd[3] = (ulong)gecos; pwd[4] = (ulong)home; pwd[5] = (ulong)shell;
            *result = pwd;
            return 0;
        }

        private struct ReadOnlySpanWriter
        {
            private byte* _at, _end;
            public bool Overflow;
            public ReadOnlySpanWriter(byte* buffer, ulong size) { _at = buffer; _end = buffer + size; Overflow = false; }
            public byte* Add(System.ReadOnlySpan<byte> s)
            {
                if (_at + s.Length + 1 > _end) { Overflow = true; return null; }
                byte* p = _at;
                for (int i = 0; i < s.Length; i++) p[i] = s[i];
                p[s.Length] = 0;
                _at += s.Length + 1;
                return p;
            }
        }

        // struct utsname: six 65-byte fields.
        [RuntimeExport("abi_uname")]
        private static int Uname(byte* u)
        {
            Field(u, 0, "Linux"u8);
            Field(u, 1, "nimbus"u8);
            Field(u, 2, "5.15.0-nimbus"u8);
            Field(u, 3, "#1 SMP Nimbus"u8);
            Field(u, 4, "x86_64"u8);
            Field(u, 5, "(none)"u8);
            return 0;
        }

        private static void Field(byte* u, int index, System.ReadOnlySpan<byte> value)
        {
            byte* f = u + index * 65;
            for (int i = 0; i < 65; i++) f[i] = i < value.Length ? value[i] : (byte)0;
        }

        [RuntimeExport("abi_gethostname")]
        private static int GetHostname(byte* name, ulong size)
        {
            var h = "nimbus"u8;
            if ((ulong)h.Length + 1 > size) { Process.SetErrno(36); return -1; }
            for (int i = 0; i < h.Length; i++) name[i] = h[i];
            name[h.Length] = 0;
            return 0;
        }

        // getaddrinfo's error texts (glibc's words), for when networking arrives and for callers that
        // format an error code they got elsewhere.
        [RuntimeExport("abi_gai_strerror")]
        private static byte* GaiStrerror(int code)
        {
            System.ReadOnlySpan<byte> m = code switch
            {
                -1 => "Bad value for ai_flags\0"u8, -2 => "Name or service not known\0"u8, -3 => "Temporary failure in name resolution\0"u8,
                -4 => "Non-recoverable failure in name resolution\0"u8, -6 => "ai_family not supported\0"u8, -7 => "ai_socktype not supported\0"u8,
                -8 => "Servname not supported for ai_socktype\0"u8, -10 => "Memory allocation failure\0"u8, -11 => "System error\0"u8,
                -5 => "No address associated with hostname\0"u8, _ => "Unknown error\0"u8,
            };
            fixed (byte* p = m) return p;
        }

        // No processes to create.
        private static int NoProcesses(string call)
        {
            Log.Error($"nimbus: {call}() is not supported (one application per VM, no processes): ENOSYS");
            Process.SetErrno(ENOSYS);
            return -1;
        }

        [RuntimeExport("abi_fork")]
        private static int Fork() => NoProcesses("fork");
        [RuntimeExport("abi_vfork")]
        private static int Vfork() => NoProcesses("vfork");
        [RuntimeExport("abi_execv")]
        private static int Execv(byte* path, byte** argv) => NoProcesses("execv");
        [RuntimeExport("abi_execve")]
        private static int Execve(byte* path, byte** argv, byte** envp) => NoProcesses("execve");
        [RuntimeExport("abi_execvp")]
        private static int Execvp(byte* path, byte** argv) => NoProcesses("execvp");
        [RuntimeExport("abi_waitpid")]
        private static int Waitpid(int pid, int* status, int options) { Process.SetErrno(10); return -1; }   // ECHILD
        [RuntimeExport("abi_system")]
        private static int SystemCall(byte* command) => command == null ? 0 : NoProcesses("system");

        // rand48 and rand: glibc's generators, so seeded sequences match.
        private static ulong s_rand48 = 0x1234ABCD330E;
        private static uint s_rand = 1;

        [RuntimeExport("abi_srand48")]
        private static void Srand48(long seed) => s_rand48 = ((ulong)(uint)seed << 16) | 0x330E;

        [RuntimeExport("abi_lrand48")]
        private static long Lrand48()
        {
            s_rand48 = (s_rand48 * 0x5DEECE66DUL + 0xB) & 0xFFFFFFFFFFFFUL;
            return (long)(s_rand48 >> 17);
        }

        [RuntimeExport("abi_srand")]
        private static void Srand(uint seed) => s_rand = seed;

        // glibc's rand() is random() with its default TYPE_3 table; this simpler LCG is not the
        // same sequence (a program comparing rand() output with Linux will differ).
        [RuntimeExport("abi_rand")]
        private static int Rand()
        {
            s_rand = s_rand * 1103515245 + 12345;
            return (int)((s_rand >> 1) & 0x7FFFFFFF);
        }

        [RuntimeExport("abi_getrandom")]
        private static long GetRandom(byte* buffer, ulong length, uint flags) { Fs.Vfs.Random(buffer, length); return (long)length; }

        [RuntimeExport("abi_getentropy")]
        private static int GetEntropy(byte* buffer, ulong length)
        {
            if (length > 256) { Process.SetErrno(5); return -1; }
            Fs.Vfs.Random(buffer, length);
            return 0;
        }
    }
}
