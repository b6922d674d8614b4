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

        public static ulong TscHz => s_tscHz;
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
                    hz = Pit.MeasureTscHz();
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

    // The legacy PIT, used only to measure the TSC (and the LAPIC timer) once at boot. We poll the
    // latched count of channel 0 (its IRQ stays masked), which needs nothing but the PIT itself
    // (microvm has no port 0x61 speaker gate).
    internal static class Pit
    {
        private const ushort Channel0 = 0x40, Command = 0x43;
        public const ulong Hz = 1193182;
        public const ushort WindowTicks = 1193;      // ~1 ms

        public static ulong LapicTicksInWindow;       // measured in the same window

        private static int ReadCount()
        {
            Cpu.OutByte(Command, 0x00);               // latch channel 0
            int lo = Cpu.InByte(Channel0);
            int hi = Cpu.InByte(Channel0);
            return lo | (hi << 8);
        }

        public static ulong MeasureTscHz()
        {
            Cpu.OutByte(Command, 0x34);               // channel 0, lobyte/hibyte, mode 2 (rate generator)
            Cpu.OutByte(Channel0, 0xFF);
            Cpu.OutByte(Channel0, 0xFF);
            int first = ReadCount();
            if (first == 0xFFFF && ReadCount() == 0xFFFF && ReadCount() == 0xFFFF) return 0;   // nothing there
            // Start on a count edge so the window is exact to one PIT tick.
            int start = ReadCount();
            int c;
            ulong guard = 0;
            while ((c = ReadCount()) == start) if (++guard > 10_000_000) return 0;
            ulong tscStart = Cpu.ReadTsc();
            Drivers.LocalApic.StartCalibration();
            int begin = c;
            while (true)
            {
                c = ReadCount();
                int elapsed = (begin - c) & 0xFFFF;
                if (elapsed >= WindowTicks && elapsed < 0x8000) break;
                if (++guard > 50_000_000) return 0;
            }
            ulong tscEnd = Cpu.ReadTsc();
            LapicTicksInWindow = Drivers.LocalApic.StopCalibration() * WindowTicks / (ulong)((begin - c) & 0xFFFF);
            return (tscEnd - tscStart) * Hz / (ulong)((begin - c) & 0xFFFF);
        }
    }
}
