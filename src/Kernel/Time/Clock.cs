using Nimbus.Kernel.Arch.X64;

namespace Nimbus.Kernel.Time
{
    // Monotonic nanoseconds since the kernel's first instruction, from the TSC.
    // Frequency sources, best first: CPUID leaf 0x15 (crystal ratio), the hypervisor timing leaf
    // 0x40000010, then a 1 ms measurement against the PIT (channel 2, polled).
    internal static unsafe class Clock
    {
        private static ulong s_bootTsc, s_tscHz, s_nsPerTick32;   // ns per tick in 32.32 fixed point
        private static int s_source;       // 0 none, 1 cpuid, 2 hypervisor leaf, 3 PIT
        public static string Source => s_source switch { 1 => "cpuid 0x15", 2 => "hypervisor leaf 0x40000010", 3 => "PIT", _ => "none" };

        private static ulong s_wallAtBootNs;

        public static ulong TscHz => s_tscHz;

        // Wall clock: the RTC's reading at boot plus monotonic time since (ns since 1970, UTC).
        public static ulong WallNs() => s_wallAtBootNs + NowNs();

        public static void InitializeWallClock()
        {
            ulong seconds = Rtc.ReadUnixSeconds();
            ulong now = NowNs();
            s_wallAtBootNs = seconds == 0 ? 0 : seconds * 1_000_000_000UL - now;
        }
        public static ulong BootTsc => s_bootTsc;

        public static void Initialize(ulong bootTsc)
        {
            s_bootTsc = bootTsc;
            ulong hz = FromCpuid();
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
    // Begin() runs first thing, Finish() when the clock is needed, and a 0.1 ms synchronous window
    // tells how many times the 16-bit counter wrapped in between.
    internal static class Pit
    {
        private const ushort Channel0 = 0x40, Command = 0x43;
        public const ulong Hz = 1193182;
        private const int RoughWindowTicks = 119;     // ~0.1 ms

        private static bool s_present;
        private static int s_count0;
        private static ulong s_tsc0;
        private static int s_lapicStartCount;
        private static ulong s_lapicTsc0;
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
            s_count0 = ReadCount();
            s_tsc0 = Cpu.ReadTsc();
        }

        // Marks where the LAPIC timer started counting down, so its rate comes out of the same window.
        public static void NoteLapicStart()
        {
            if (!s_present) return;
            s_lapicStartCount = ReadCount();
            s_lapicTsc0 = Cpu.ReadTsc();
        }

        // Returns the TSC frequency in Hz, or 0 when there is no PIT.
        public static ulong Finish()
        {
            if (!s_present) return 0;
            ulong rough = RoughTscHz();
            if (rough == 0) return 0;
            // The LAPIC window (the shorter one) must be at least 0.5 ms: its rate is then within ~0.2%.
            while (Cpu.ReadTsc() - s_lapicTsc0 < rough / 2000) Cpu.Pause();
            int count1 = ReadCount();
            ulong tsc1 = Cpu.ReadTsc();
            ulong lapicElapsed = Drivers.LocalApic.StopCalibration();

            ulong tscHz = Exact(s_count0, s_tsc0, count1, tsc1, rough);
            ulong lapicPitTicks = PitTicks(s_lapicStartCount, s_lapicTsc0, count1, tsc1, rough);
            LapicTicksPerMs = lapicPitTicks == 0 ? 0 : lapicElapsed * Hz / lapicPitTicks / 1000;
            return tscHz;
        }

        // PIT ticks between two (count, tsc) samples, including whole wraps of the 16-bit counter,
        // which the rough TSC rate tells apart.
        private static ulong PitTicks(int countA, ulong tscA, int countB, ulong tscB, ulong roughHz)
        {
            ulong observed = (ulong)((countA - countB) & 0xFFFF);
            ulong expected = (tscB - tscA) * Hz / roughHz;
            ulong wraps = expected > observed ? (expected - observed + 32768) / 65536 : 0;
            return observed + wraps * 65536;
        }

        private static ulong Exact(int countA, ulong tscA, int countB, ulong tscB, ulong roughHz)
        {
            ulong ticks = PitTicks(countA, tscA, countB, tscB, roughHz);
            return ticks == 0 ? roughHz : (tscB - tscA) * Hz / ticks;
        }

        private static ulong RoughTscHz()
        {
            int start = ReadCount(), c;
            ulong guard = 0;
            while ((c = ReadCount()) == start) if (++guard > 10_000_000) return 0;
            ulong t0 = Cpu.ReadTsc();
            int begin = c;
            while (((begin - (c = ReadCount())) & 0xFFFF) < RoughWindowTicks) if (++guard > 50_000_000) return 0;
            ulong t1 = Cpu.ReadTsc();
            return (t1 - t0) * Hz / (ulong)((begin - c) & 0xFFFF);
        }
    }
}
