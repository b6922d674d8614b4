using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Time;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Drivers
{
    // The local APIC (xAPIC, MMIO): timer interrupts and end-of-interrupt. The timer runs one-shot:
    // the kernel arms it for the next deadline only (tickless).
    internal static unsafe class LocalApic
    {
        public const int TimerVector = 0x20;
        private const uint RegId = 0x20, RegEoi = 0xB0, RegSpurious = 0xF0, RegLvtTimer = 0x320,
            RegInitialCount = 0x380, RegCurrentCount = 0x390, RegDivide = 0x3E0;
        private const uint Masked = 1u << 16;
        private const uint RegIcrLow = 0x300, RegIcrHigh = 0x310;
        private const uint DeliveryPending = 1u << 12;

        private static byte* s_base;
        private static ulong s_ticksPerMs;           // timer ticks (after divide-by-16) per ms
        private static bool s_calibrating;
        private static ulong s_timerFired;

        public static bool Present => s_base != null;
        public static ulong TimerFiredCount => s_timerFired;
        public static ulong TicksPerMs => s_ticksPerMs;

        private static uint Read(uint reg) => *(uint*)(s_base + reg);
        private static void Write(uint reg, uint value) => *(uint*)(s_base + reg) = value;

        public static uint Id => s_base == null ? 0 : Read(RegId) >> 24;

        // Sends an interrupt to another CPU. Waits only for this APIC to accept the command.
        public static void SendIpi(uint apicId, int vector) => SendCommand(apicId, (uint)vector);

        public static void SendInit(uint apicId) => SendCommand(apicId, 0x4500);                   // INIT, assert
        public static void SendStartup(uint apicId, uint page) => SendCommand(apicId, 0x4600 | page); // SIPI

        private static void SendCommand(uint apicId, uint low)
        {
            using (new InterruptsDisabled())
            {
                Write(RegIcrHigh, apicId << 24);
                Write(RegIcrLow, low);
                for (int i = 0; i < 1_000_000 && (Read(RegIcrLow) & DeliveryPending) != 0; i++) Cpu.Pause();
            }
        }

        // On an application processor: enable its local APIC with the boot CPU's settings.
        public static void InitializeSecondary()
        {
            ulong baseMsr = Cpu.ReadMsr(0x1B);
            Cpu.WriteMsr(0x1B, baseMsr | (1UL << 11));
            Write(RegSpurious, 0x100 | Interrupts.SpuriousVector);
            Write(RegDivide, 0x3);
            Write(RegLvtTimer, Masked | TimerVector);
        }

        public static void Initialize()
        {
            // Mask the legacy 8259 PICs; all interrupts come through the APICs.
            Cpu.OutByte(0x21, 0xFF);
            Cpu.OutByte(0xA1, 0xFF);
            if ((Cpu.Cpuid(1).Edx & (1u << 9)) == 0) Panic.Fail("this CPU has no local APIC");
            ulong baseMsr = Cpu.ReadMsr(0x1B);
            Cpu.WriteMsr(0x1B, baseMsr | (1UL << 11));          // global enable
            s_base = (byte*)KernelMemory.MapMmio(baseMsr & 0xFFFFF000UL, 0x1000);
            Write(RegSpurious, 0x100 | Interrupts.SpuriousVector);
            Write(RegDivide, 0x3);                               // divide by 16
            Write(RegLvtTimer, Masked | TimerVector);
            Interrupts.Register(TimerVector, &OnTimer);
            StartCalibration();
        }

        // The timer counts down (masked) from here until the clock calibration ends, which measures it
        // against the PIT in the same window as the TSC.
        public static void StartCalibration()
        {
            if (s_base == null) return;
            s_calibrating = true;
            Write(RegLvtTimer, Masked | TimerVector);
            Write(RegInitialCount, 0xFFFFFFFF);
            Pit.NoteLapicStart();
        }

        public static ulong StopCalibration()
        {
            if (s_base == null || !s_calibrating) return 0;
            s_calibrating = false;
            ulong elapsed = 0xFFFFFFFFUL - Read(RegCurrentCount);
            Write(RegInitialCount, 0);
            return elapsed;
        }

        public static void FinishCalibration(ulong ticksPerMs)
        {
            if (ticksPerMs != 0) { s_ticksPerMs = ticksPerMs; return; }
            // Measure against the TSC instead (when the clock came from CPUID, not the PIT).
            StartCalibration();
            Clock.SpinNs(500_000);
            s_ticksPerMs = StopCalibration() * 2;
        }

        // Fires TimerVector once after `ns` nanoseconds.
        public static void ArmOneShot(ulong ns)
        {
            ulong ticks = ns * s_ticksPerMs / 1_000_000;
            if (ticks == 0) ticks = 1;
            if (ticks > 0xFFFFFFFF) ticks = 0xFFFFFFFF;
            Write(RegLvtTimer, TimerVector);                     // one-shot, unmasked
            Write(RegInitialCount, (uint)ticks);
        }

        public static void Disarm() => Write(RegInitialCount, 0);

        private static void OnTimer(InterruptFrame* frame)
        {
            s_timerFired++;
            if (Diagnostics.Profiler.Enabled) Diagnostics.Profiler.Sample(frame);
            Sched.Scheduler.OnTimerInterrupt();
        }

        public static void EndOfInterrupt()
        {
            if (s_base != null) Write(RegEoi, 0);
        }
    }
}
