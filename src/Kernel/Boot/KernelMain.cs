using System;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Diagnostics;
using Nimbus.Kernel.Drivers;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Time;
using Nimbus.Kernel.Console;
using Nimbus.Kernel.Power;

namespace Nimbus.Kernel.Boot
{
    internal static unsafe class KernelMain
    {
        // Called by boot.S on the boot stack, in long mode with SSE on, on the boot page tables.
        [UnmanagedCallersOnly(EntryPoint = "KernelMain")]
        private static void Main(ulong startInfoPhys, ulong bootTsc)
        {
            Pit.Begin();                       // the clock calibration window spans the boot
            Hooks.Install();
            SerialPort.Initialize();
            KernelLayout layout;
            Cpu.GetKernelLayout(&layout);
            s_layout = layout;
            Descriptors.InitializeEarly(layout.InterruptStubTable);   // faults now panic, not triple-fault
            KernelSymbols.Initialize(in layout);
            StartChart.Mark(StartChart.Phase.Serial);

            var info = (PvhStartInfo*)KernelMemory.PhysToVirt(startInfoPhys);
            if (info->Magic != PvhStartInfo.ExpectedMagic) Panic.Fail("not booted through PVH: bad hvm_start_info magic");
            KernelMemory.Initialize(info, in layout);
            RuntimeStartup.InitializeStatics(in layout);
            StartChart.Mark(StartChart.Phase.Memory);
            Acpi.Initialize(info->RsdpPhys);
            StartChart.Mark(StartChart.Phase.Acpi);
            uint* apicIds = stackalloc uint[PerCpu.MaxCpus];
            int cpus = Smp.Discover(apicIds, PerCpu.MaxCpus);
            LocalApic.Initialize(KernelMemory.MapMmio(LocalApic.PhysicalBase, 0x1000));
            LocalApic.StartCalibration();      // its timer calibrates in the background from here
            Pit.NoteLapicStart();
            PerCpu.Initialize(cpus, LocalApic.Id, &KernelHeap.AllocZeroed);
            StartChart.Mark(StartChart.Phase.Apic);

            Descriptors.Initialize(layout.InterruptStubTable, &KernelMemory.AllocateStack);
            StartChart.Mark(StartChart.Phase.Interrupts);
            Clock.Initialize(bootTsc);
            ulong lapicTicksPerMs = Pit.LapicTicksPerMs;
            if (lapicTicksPerMs == 0)
            {
                // The clock came from CPUID, not the PIT: measure the LAPIC timer against the TSC.
                LocalApic.StartCalibration();
                Clock.SpinNs(500_000);
                lapicTicksPerMs = LocalApic.StopCalibration() * 2;
            }
            LocalApic.FinishCalibration(lapicTicksPerMs);
            StartChart.Mark(StartChart.Phase.Clock);
            Trace.RegisterCore();
            Sync.SyncTrace.Register();
            Sched.Scheduler.Initialize(layout.BootStackGuard + 4096 + 65536);
            Sched.TlbShootdown.Initialize();
            Cpu.EnableInterrupts();
            StartChart.Mark(StartChart.Phase.Threads);
            Smp.StartApplicationProcessors(apicIds, cpus);
            StartChart.Mark(StartChart.Phase.Smp);

            var cmdline = CommandLineOf(info);
            if (!Shell.KernelShell.ParseOptions(cmdline, out int status)) PowerOff.Exit(status);
            // The root file system matters only to a program: built-in commands boot without it
            // (unpacking it and stamping its nodes reads the RTC, ~0.4 ms under emulation).
            bool runsProgram = Shell.KernelShell.RunsProgram;
            StartChart.Mark(StartChart.Phase.CommandLine);
            if (runsProgram && !MountBootArchive(info)) PowerOff.Exit(Shell.KernelShell.UsageError);
            if (runsProgram) StartChart.Mark(StartChart.Phase.BootArchive);
            // A program's chart goes on to main() and is printed there (on its stderr).
            if (StartChart.Enabled && !runsProgram) StartChart.Print(toStderr: false);
            ulong bootedUs = Clock.NowNs() / 1000;
            // An application's output is its own: the boot line only when asked for.
            if (!runsProgram || Log.Verbose || StartChart.Enabled) Log.Line($"Booted in {bootedUs:f3} ms");
            status = Shell.KernelShell.Run(cmdline);
            Shell.KernelShell.BeforeExit();
            PowerOff.Exit(status);
        }

        // The root file system: the boot archive (PVH module 0, QEMU's -initrd) if there is one.
        private static bool MountBootArchive(PvhStartInfo* info)
        {
            Elf.KernelExports.Initialize(in s_layout);
            Fs.Vfs.Initialize();
            if (info->ModuleCount > 0)
            {
                var module = (PvhModule*)KernelMemory.PhysToVirt(info->ModuleListPhys);
                if (!Fs.RamFs.LoadArchive((byte*)KernelMemory.PhysToVirt(module->Phys), module->Size)) return false;
            }
            Fs.Vfs.CreateDevices();
            return true;
        }

        private static KernelLayout s_layout;

        private static ReadOnlySpan<byte> CommandLineOf(PvhStartInfo* info)
        {
            if (info->CmdlinePhys == 0) return default;
            byte* p = (byte*)KernelMemory.PhysToVirt(info->CmdlinePhys);
            int n = 0;
            while (p[n] != 0 && n < 4095) n++;
            return new ReadOnlySpan<byte>(p, n);
        }
    }

    internal static unsafe class RuntimeStartup
    {
        private const uint ReadyToRunSignature = 0x00525452;   // "RTR"
        private const int GCStaticRegion = 201;

        // Finds the GC-statics region in the ReadyToRun header (pointed to by __modules) and gives
        // every type with reference-type statics its storage.
        public static void InitializeStatics(in KernelLayout layout)
        {
            for (ulong m = layout.ModulesStart; m < layout.ModulesEnd; m += 8)
            {
                byte* header = *(byte**)m;
                if (*(uint*)header != ReadyToRunSignature) Panic.Fail("ReadyToRun header signature mismatch");
                ushort sections = *(ushort*)(header + 12);
                byte entrySize = header[14];
                byte* entry = header + 16;
                for (int i = 0; i < sections; i++, entry += entrySize)
                {
                    if (*(int*)entry != GCStaticRegion) continue;
                    Internal.Runtime.CompilerHelpers.StartupCodeHelpers.InitializeStatics(*(byte**)(entry + 8), *(byte**)(entry + 16));
                }
            }
        }
    }
}
