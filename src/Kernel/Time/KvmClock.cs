using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Memory;

namespace Nimbus.Kernel.Time
{
    // kvmclock, where KVM offers it: the TSC frequency from the hypervisor's own scale (exact, where a
    // PIT measurement under a busy host is not) and the wall clock from its wall-clock page, so no
    // RTC read is needed. The kernel's clock stays TSC-based; kvmclock only sets it up. Under TCG
    // (these build machines) there is no kvmclock and this path is not taken.
    internal static unsafe class KvmClock
    {
        private const uint SystemTimeNewMsr = 0x4b564d01, WallClockNewMsr = 0x4b564d00;
        private const uint SystemTimeOldMsr = 0x12, WallClockOldMsr = 0x11;
        private const uint FeatureClocksource = 1u << 0, FeatureClocksource2 = 1u << 3;

        private struct TimeInfo { public uint Version, Pad0; public ulong TscTimestamp, SystemTime; public uint Mul; public sbyte Shift; public byte Flags, Pad1, Pad2; }
        private struct WallClock { public uint Version, Seconds, Nanoseconds; }

        // Returns the TSC frequency (0 when there is no kvmclock) and the wall clock at this moment.
        public static ulong Probe(out ulong wallNs, out ulong tscAtWall)
        {
            wallNs = 0;
            tscAtWall = 0;
            if ((Cpu.Cpuid(1).Ecx & (1u << 31)) == 0) return 0;            // no hypervisor
            var sig = Cpu.Cpuid(0x40000000);
            if (sig.Ebx != 0x4b4d564b || sig.Ecx != 0x564b4d56 || sig.Edx != 0x4d || sig.Eax < 0x40000001) return 0;   // "KVMKVMKVM"
            uint features = Cpu.Cpuid(0x40000001).Eax;
            uint timeMsr, wallMsr;
            if ((features & FeatureClocksource2) != 0) { timeMsr = SystemTimeNewMsr; wallMsr = WallClockNewMsr; }
            else if ((features & FeatureClocksource) != 0) { timeMsr = SystemTimeOldMsr; wallMsr = WallClockOldMsr; }
            else return 0;

            ulong page = KernelMemory.AllocatePages(0);
            if (page == 0) return 0;
            var info = (TimeInfo*)KernelMemory.PhysToVirt(page);
            var wall = (WallClock*)((byte*)info + 64);
            Mem.Set((byte*)info, 0, 4096);
            Cpu.WriteMsr(timeMsr, page | 1);                             // enable, on this vCPU
            Cpu.WriteMsr(wallMsr, page + 64);
            uint version, mul;
            sbyte shift;
            ulong systemTime, tscTimestamp, tsc;
            do
            {
                version = System.Threading.Volatile.Read(ref info->Version);
                mul = info->Mul;
                shift = info->Shift;
                systemTime = info->SystemTime;
                tscTimestamp = info->TscTimestamp;
                tsc = Cpu.ReadTsc();
            } while ((version & 1) != 0 || version != System.Threading.Volatile.Read(ref info->Version));
            uint wallVersion;
            ulong wallBase;
            do
            {
                wallVersion = System.Threading.Volatile.Read(ref wall->Version);
                wallBase = wall->Seconds * 1_000_000_000UL + wall->Nanoseconds;
            } while ((wallVersion & 1) != 0 || wallVersion != System.Threading.Volatile.Read(ref wall->Version));
            Cpu.WriteMsr(timeMsr, 0);                                    // we read it once; stop the updates
            KernelMemory.FreePages(page, 0);
            if (mul == 0) return 0;
            // The wall clock page holds the time at system time 0; add the system time now.
            wallNs = wallBase + systemTime + Pvclock.Scale(tsc - tscTimestamp, mul, shift);
            tscAtWall = tsc;
            return Pvclock.FrequencyHz(mul, shift);
        }
    }
}
