using System.Runtime.InteropServices;
using Nimbus.Kernel.Drivers;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Time;
using Nimbus.Kernel.Console;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Boot
{
    // Brings up the application processors listed in the ACPI MADT (or, without ACPI, the MP table): INIT-SIPI-SIPI through the
    // local APIC into a real-mode trampoline (ap_trampoline.S) copied below 1 MiB. Each AP gets its
    // stack, IST stacks and idle thread from the boot CPU, so it allocates nothing while starting.
    internal static unsafe class Smp
    {
        private const ulong TrampolinePhys = 0x8000;
        public const int ApStackOrder = Sched.Scheduler.IdleStackOrder;


        // Discovers the CPUs (boot CPU only). Returns how many there are.
        public static int Discover(uint* apicIds, int max)
        {
            int n = Acpi.ProcessorApicIds(apicIds, max);
            if (n == 0) n = Acpi.MpTableApicIds(apicIds, max);
            if (n == 0) { apicIds[0] = 0; n = 1; }
            return n;
        }

        public static void StartApplicationProcessors(uint* apicIds, int count)
        {
            if (count <= 1) return;
            Scheduler.SpawnHousekeeper(PerCpu.Current);     // load balancing starts with the second CPU
            KernelLayout layout;
            Cpu.GetKernelLayout(&layout);
            ulong size = layout.ApTrampolineEnd - layout.ApTrampolineStart;
            if (size > 0x1000) Panic.Fail("AP trampoline larger than a page");
            byte* dst = (byte*)KernelMemory.PhysToVirt(TrampolinePhys);
            Mem.Move(dst, (byte*)layout.ApTrampolineStart, (nuint)size);
            ulong* parameters = (ulong*)(dst + (layout.ApTrampolineParams - layout.ApTrampolineStart));
            KernelMemory.IdentityMap(TrampolinePhys, 0x1000);

            uint bootId = LocalApic.Id;
            int index = 1;
            for (int i = 0; i < count; i++)
            {
                if (apicIds[i] == bootId) continue;
                CpuData* cpu = PerCpu.Get(index++);
                cpu->ApicId = apicIds[i];
                ulong stack = KernelMemory.AllocateStack(ApStackOrder);
                Descriptors.PrepareCpu(cpu, &KernelMemory.AllocateStack);
                cpu->Idle = Scheduler.PrepareIdle(cpu, stack);
                parameters[0] = KernelMemory.Tables.Root;
                parameters[1] = stack;
                parameters[2] = (ulong)cpu;
                parameters[3] = layout.ApEntry;
                System.Threading.Interlocked.MemoryBarrier();

                LocalApic.SendInit(cpu->ApicId);
                Scheduler.SleepNs(1_000_000);
                LocalApic.SendStartup(cpu->ApicId, (uint)(TrampolinePhys >> 12));
                if (!WaitOnline(cpu, 10_000_000))
                {
                    LocalApic.SendStartup(cpu->ApicId, (uint)(TrampolinePhys >> 12));
                    if (!WaitOnline(cpu, 500_000_000))
                    {
                        Log.Line($"smp: CPU {cpu->Index} (APIC id {cpu->ApicId}) did not start; continuing without it");
                        continue;
                    }
                }
                Scheduler.SpawnHousekeeper(cpu);
            }
            KernelMemory.IdentityUnmap(TrampolinePhys, 0x1000);
        }

        // Sleeps (never spins) while the AP comes up.
        private static bool WaitOnline(CpuData* cpu, ulong timeoutNs)
        {
            ulong end = Clock.NowNs() + timeoutNs;
            while (System.Threading.Volatile.Read(ref cpu->Online) == 0)
            {
                if (Clock.NowNs() >= end) return false;
                Scheduler.SleepNs(100_000);
            }
            return true;
        }


        [UnmanagedCallersOnly(EntryPoint = "ApMain")]
        private static void ApMain(CpuData* cpu)
        {
            PerCpu.Enter(cpu);
            Descriptors.LoadCpu(cpu);
            Cpu.WriteCr4(Cpu.ReadCr4() | (1UL << 7));
            LocalApic.InitializeSecondary();
            System.Threading.Volatile.Write(ref cpu->Online, 1);
            Scheduler.RunIdleOnThisCpu();
        }
    }
}
