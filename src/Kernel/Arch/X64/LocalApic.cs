
namespace Nimbus.Kernel.Arch.X64
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

        public static bool Present => s_base != null;
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

        // The registers' physical page, for the caller to map (uncached) and pass to Initialize.
        public static ulong PhysicalBase => Cpu.ReadMsr(0x1B) & 0xFFFFF000UL;

        public static void Initialize(void* registers)
        {
            // Mask the legacy 8259 PICs; all interrupts come through the APICs.
            Cpu.OutByte(0x21, 0xFF);
            Cpu.OutByte(0xA1, 0xFF);
            if ((Cpu.Cpuid(1).Edx & (1u << 9)) == 0) Fatal.Fail("this CPU has no local APIC");
            ulong baseMsr = Cpu.ReadMsr(0x1B);
            Cpu.WriteMsr(0x1B, baseMsr | (1UL << 11));          // global enable
            s_base = (byte*)registers;
            Write(RegSpurious, 0x100 | Interrupts.SpuriousVector);
            Write(RegDivide, 0x3);                               // divide by 16
            Write(RegLvtTimer, Masked | TimerVector);
        }

        // The timer counts down (masked) from here until the clock calibration ends, which measures it
        // against the PIT in the same window as the TSC (the caller notes the PIT count).
        public static void StartCalibration()
        {
            if (s_base == null) return;
            s_calibrating = true;
            Write(RegLvtTimer, Masked | TimerVector);
            Write(RegInitialCount, 0xFFFFFFFF);
        }

        public static ulong StopCalibration()
        {
            if (s_base == null || !s_calibrating) return 0;
            s_calibrating = false;
            ulong elapsed = 0xFFFFFFFFUL - Read(RegCurrentCount);
            Write(RegInitialCount, 0);
            return elapsed;
        }

        public static void FinishCalibration(ulong ticksPerMs) => s_ticksPerMs = ticksPerMs;

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

        public static void EndOfInterrupt()
        {
            if (s_base != null) Write(RegEoi, 0);
        }
    }
}
