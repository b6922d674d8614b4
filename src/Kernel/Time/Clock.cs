using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Time
{
    // Monotonic nanoseconds since the kernel's first instruction, from the TSC.
    // Frequency sources, best first: kvmclock's scale (under KVM), CPUID leaf 0x15 (crystal ratio),
    // the hypervisor timing leaf 0x40000010, then a measurement against the PIT spanning the boot.
    internal static unsafe class Clock
    {
        private static ulong s_bootTsc, s_tscHz, s_nsPerTick32;   // ns per tick in 32.32 fixed point
        private static int s_source;       // 0 none, 1 cpuid, 2 hypervisor leaf, 3 PIT, 4 kvmclock
        public static string Source => s_source switch { 1 => "cpuid 0x15", 2 => "hypervisor leaf 0x40000010", 3 => "PIT", 4 => "kvmclock", _ => "none" };

        private static ulong s_wallAtBootNs;
        private static int s_wallRead;         // 1 once the RTC has been read

        public static ulong TscHz => s_tscHz;

        // Wall clock: the RTC's reading plus monotonic time (ns since 1970, UTC). The RTC is read on
        // first use, not at boot: reading it costs ~0.4 ms under TCG, a lot of a 5 ms boot.
        public static ulong WallNs()
        {
            if (System.Threading.Volatile.Read(ref s_wallRead) == 0)
            {
                // Two first readers may both read the RTC: harmless, they store the same value.
                ulong seconds = Rtc.ReadUnixSeconds();
                ulong now = NowNs();
                System.Threading.Volatile.Write(ref s_wallAtBootNs, seconds == 0 ? 0 : seconds * 1_000_000_000UL - now);
                System.Threading.Volatile.Write(ref s_wallRead, 1);
            }
            return System.Threading.Volatile.Read(ref s_wallAtBootNs) + NowNs();
        }
        public static ulong BootTsc => s_bootTsc;

        public static void Initialize(ulong bootTsc)
        {
            s_bootTsc = bootTsc;
            ulong hz = KvmClock.Probe(out ulong wallNs, out ulong tscAtWall);
            if (hz != 0)
            {
                s_source = 4;
                SetFrequency(hz);
                // kvmclock also gives the wall clock: no RTC read on first use.
                System.Threading.Volatile.Write(ref s_wallAtBootNs, wallNs - TicksToNs(tscAtWall - s_bootTsc));
                System.Threading.Volatile.Write(ref s_wallRead, 1);
                return;
            }
            hz = FromCpuid();
            if (hz != 0) s_source = 1;
            else
            {
                hz = FromHypervisorLeaf();
                if (hz != 0) s_source = 2;
                else
                {
                    hz = Pit.Finish();
                    s_source = 3;
                }
            }
            if (hz == 0) Panic.Fail("cannot determine the TSC frequency: no CPUID 0x15, no hypervisor timing leaf, no PIT (on microvm under TCG pass -M microvm,pit=on)");
            SetFrequency(hz);
        }

        public static void SetFrequency(ulong hz)
        {
            s_tscHz = hz;
            s_nsPerTick32 = (1_000_000_000UL << 32) / hz;
        }

        public static ulong TicksToNs(ulong ticks) => (ticks >> 32) * s_nsPerTick32 + (((ticks & 0xFFFFFFFF) * s_nsPerTick32) >> 32);

        public static ulong NowNs() => TicksToNs(Cpu.ReadTsc() - s_bootTsc);

        public static ulong NsToTicks(ulong ns) => ns / 1000 * (s_tscHz / 1000) / 1000 + (ns % 1000) * s_tscHz / 1_000_000_000;

        private static ulong FromCpuid()
        {
            if (Cpu.Cpuid(0).Eax < 0x15) return 0;
            var r = Cpu.Cpuid(0x15);
            if (r.Eax == 0 || r.Ebx == 0 || r.Ecx == 0) return 0;
            return (ulong)r.Ecx * r.Ebx / r.Eax;
        }

        private static ulong FromHypervisorLeaf()
        {
            if ((Cpu.Cpuid(1).Ecx & (1u << 31)) == 0) return 0;     // not under a hypervisor
            if (Cpu.Cpuid(0x40000000).Eax < 0x40000010) return 0;
            uint khz = Cpu.Cpuid(0x40000010).Eax;
            return khz == 0 ? 0 : khz * 1000UL;
        }

        // Busy-waits (polling, interrupts untouched); for early boot and drivers only.
        public static void SpinNs(ulong ns)
        {
            ulong end = Cpu.ReadTsc() + NsToTicks(ns);
            while (Cpu.ReadTsc() < end) Cpu.Pause();
        }
    }

    // The legacy PIT, used only to measure the TSC and the LAPIC timer at boot. We poll latched
    // counts of channel 0 (its IRQ stays masked), which needs nothing but the PIT itself (microvm has
    // no port 0x61 speaker gate). To keep boot short, the measurement window spans the boot itself:
    // Begin() runs first thing, Sample() at every boot phase (so the 16-bit counter, which wraps every
    // 55 ms, is never read more than one wrap apart), Finish() when the clock is needed.
    internal static class Pit
    {
        private const ushort Channel0 = 0x40, Command = 0x43;
        public const ulong Hz = 1193182;
        private const ulong MinimumLapicWindowTicks = 600;   // ~0.5 ms: the LAPIC rate within ~0.2%

        private static bool s_present;
        private static int s_last;
        private static ulong s_ticks;                 // PIT ticks since Begin
        private static ulong s_tsc0;
        private static ulong s_lapicStartTicks;
        public static ulong LapicTicksPerMs;

        private static int ReadCount()
        {
            Cpu.OutByte(Command, 0x00);               // latch channel 0
            int lo = Cpu.InByte(Channel0);
            int hi = Cpu.InByte(Channel0);
            return lo | (hi << 8);
        }

        public static void Begin()
        {
            Cpu.OutByte(Command, 0x34);               // channel 0, lobyte/hibyte, mode 2 (rate generator)
            Cpu.OutByte(Channel0, 0xFF);
            Cpu.OutByte(Channel0, 0xFF);
            // Absent PIT: the ports float at 0xFF. A live counter changes within a few reads.
            int first = ReadCount();
            for (int i = 0; i < 1000 && !s_present; i++) s_present = ReadCount() != first;
            if (!s_present) return;
            s_last = ReadCount();
            s_tsc0 = Cpu.ReadTsc();
        }

        // Accumulates elapsed PIT ticks; must run at least every ~50 ms while the window is open.
        public static ulong Sample()
        {
            if (!s_present) return 0;
            int now = ReadCount();
            s_ticks += (ulong)((s_last - now) & 0xFFFF);
            s_last = now;
            return s_ticks;
        }

        // Marks where the LAPIC timer started counting down, so its rate comes out of the same window.
        public static void NoteLapicStart() => s_lapicStartTicks = Sample();

        // Returns the TSC frequency in Hz, or 0 when there is no PIT.
        public static ulong Finish()
        {
            if (!s_present) return 0;
            ulong ticks;
            while ((ticks = Sample()) - s_lapicStartTicks < MinimumLapicWindowTicks) Cpu.Pause();
            ulong tsc1 = Cpu.ReadTsc();
            ulong lapicElapsed = LocalApic.StopCalibration();
            ulong lapicTicks = ticks - s_lapicStartTicks;
            LapicTicksPerMs = lapicTicks == 0 ? 0 : lapicElapsed * Hz / lapicTicks / 1000;
            return ticks == 0 ? 0 : (tsc1 - s_tsc0) * Hz / ticks;
        }
    }
}
