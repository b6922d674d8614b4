using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Time;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Boot
{
    // Timestamps of the boot phases (TSC), printed with --bootchart.
    internal static unsafe class BootChart
    {
        private const int MaxPhases = 16;
        private struct Table { public fixed ulong Tsc[MaxPhases]; public fixed int Name[MaxPhases]; }
        private static Table s_table;
        private static int s_count;

        public enum Phase { Serial, Memory, Interrupts, Acpi, Clock, Apic, Threads, Smp, CommandLine }

        private static string Name(int p) => (Phase)p switch
        {
            Phase.Serial => "entry to serial console",
            Phase.Memory => "memory (page allocator, page tables, heap)",
            Phase.Interrupts => "GDT, TSS, IDT",
            Phase.Acpi => "ACPI tables",
            Phase.Clock => "clock calibration (TSC, LAPIC timer)",
            Phase.Apic => "local APIC",
            Phase.Threads => "scheduler, idle thread",
            Phase.Smp => "application processors",
            Phase.CommandLine => "command line",
            _ => "?",
        };

        public static void Mark(Phase phase)
        {
            Pit.Sample();                       // keeps the boot-long clock calibration window exact
            if (s_count == MaxPhases) return;
            fixed (Table* t = &s_table) { t->Tsc[s_count] = Cpu.ReadTsc(); t->Name[s_count] = (int)phase; }
            s_count++;
        }

        public static void Print()
        {
            ulong prev = Clock.BootTsc;
            Log.Line("bootchart:");
            fixed (Table* t = &s_table)
            {
                for (int i = 0; i < s_count; i++)
                {
                    ulong us = Clock.TicksToNs(t->Tsc[i] - prev) / 1000;
                    ulong total = Clock.TicksToNs(t->Tsc[i] - Clock.BootTsc) / 1000;
                    Log.Line($"  {Name(t->Name[i]),-44} {us:f3} ms  (at {total:f3} ms)");
                    prev = t->Tsc[i];
                }
            }
        }
    }
}
