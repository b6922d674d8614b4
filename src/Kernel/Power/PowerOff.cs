using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Power
{
    // Power-off with an exit status. Under the test harness QEMU has an isa-debug-exit device at
    // port 0xf4 (QEMU exits with (status << 1) | 1). Otherwise an ACPI S5 shutdown (status lost).
    // A process exit code has 8 bits, so (status << 1) | 1 keeps only statuses below 128; the full
    // status (128 + signal for a program killed by a signal) also goes to QEMU's debug console
    // (port 0xe9) as "nimbus-status N", which the CLI reads when it attached one.
    internal static unsafe class PowerOff
    {
        public const ushort DebugExitPort = 0xF4, DebugConsolePort = 0xE9;

        // The machine's own way to power off (ACPI S5), when the driver that knows it has found it.
        public static delegate*<void> PlatformShutdown;

        public static void Exit(int status)
        {
            Cpu.DisableInterrupts();
            ReportStatus(status);
            Cpu.OutDword(DebugExitPort, (uint)status);
            var shutdown = PlatformShutdown;
            if (shutdown != null) shutdown();
            Log.Line("power-off failed: no isa-debug-exit device and no ACPI sleep control; halting");
            Cpu.HaltForever();
        }

        private static void ReportStatus(int status)
        {
            var prefix = "nimbus-status "u8;
            for (int i = 0; i < prefix.Length; i++) Cpu.OutByte(DebugConsolePort, prefix[i]);
            byte* digits = stackalloc byte[12];
            int n = 0;
            uint v = (uint)status;
            do { digits[n++] = (byte)('0' + v % 10); v /= 10; } while (v != 0);
            while (n > 0) Cpu.OutByte(DebugConsolePort, digits[--n]);
            Cpu.OutByte(DebugConsolePort, (byte)'\n');
        }
    }
}
