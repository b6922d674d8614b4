using System.Runtime;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Unistd
{
    // What the machine has: sysconf, the page size, the CPUs (get_nprocs) and memory (sysinfo).
    internal static unsafe class SystemConfig
    {
        [RuntimeExport("abi_sysconf")]
        private static long Query(int name) => name switch
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

        private static long Unknown() => LibcErrno.Fail(-Errno.EINVAL);

        [RuntimeExport("abi_getpagesize")]
        private static int GetPageSize() => 4096;
        [RuntimeExport("abi_get_nprocs")]
        private static int GetNprocs() => PerCpu.Count;

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
    }
}
