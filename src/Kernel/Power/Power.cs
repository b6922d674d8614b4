using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Drivers;

namespace Nimbus.Kernel
{
    // Power-off with an exit status. Under the test harness QEMU has an isa-debug-exit device at
    // port 0xf4 (QEMU exits with (status << 1) | 1). Otherwise an ACPI S5 shutdown (status lost).
    internal static unsafe class Power
    {
        public const ushort DebugExitPort = 0xF4;

        public static void Exit(int status)
        {
            Cpu.DisableInterrupts();
            Cpu.OutDword(DebugExitPort, (uint)status);
            Acpi.Shutdown();
            Log.Line("power-off failed: no isa-debug-exit device and no ACPI sleep control; halting");
            Cpu.HaltForever();
        }
    }
}
