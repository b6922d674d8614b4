using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Time
{
    // When each phase of boot and of program start ended (TSC), printed with --bootchart: after boot
    // for a kernel command, at main() for a program. It lives this low so that the loader (Elf) and
    // the C library (Libc) can mark their own phases; the boot phases run before the heap exists,
    // so phases are numbers into a fixed table.
    internal static unsafe class StartChart
    {
        private const int MaxPhases = 32;
        private struct Table { public fixed ulong Tsc[MaxPhases]; public fixed int Name[MaxPhases]; }
        private static Table s_table;
        private static int s_count;

        public static bool Enabled;         // --bootchart

        public enum Phase
        {
            Serial, Memory, Interrupts, Acpi, Clock, Apic, Threads, Smp, CommandLine, BootArchive,
            ProgramFound, Loaded, Tls, Relocated, Protected, MainThread, LibcStart, Stdio, Initialisers,
        }

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
            Phase.BootArchive => "boot archive, devices",
            Phase.ProgramFound => "program: environment, path",
            Phase.Loaded => "program: ELF objects loaded",
            Phase.Tls => "program: static TLS laid out",
            Phase.Relocated => "program: relocated, symbols bound",
            Phase.Protected => "program: final protection",
            Phase.MainThread => "program: main thread, stack, TLS",
            Phase.LibcStart => "program: entry to __libc_start_main",
            Phase.Stdio => "program: stdio",
            Phase.Initialisers => "program: initialisers (main() next)",
            _ => "?",
        };

        public static void Mark(Phase phase)
        {
            Pit.Sample();                       // keeps the boot-long clock calibration window exact
            if (s_count == MaxPhases) return;
            fixed (Table* t = &s_table) { t->Tsc[s_count] = Cpu.ReadTsc(); t->Name[s_count] = (int)phase; }
            s_count++;
        }

        // Prints the phases marked so far on the console (stdout) or, while a program runs, on stderr.
        public static void Print(bool toStderr)
        {
            ulong prev = Clock.BootTsc;
            Line(toStderr, "bootchart:");
            fixed (Table* t = &s_table)
            {
                for (int i = 0; i < s_count; i++)
                {
                    ulong us = Clock.TicksToNs(t->Tsc[i] - prev) / 1000;
                    ulong total = Clock.TicksToNs(t->Tsc[i] - Clock.BootTsc) / 1000;
                    if (toStderr) Log.Error($"  {Name(t->Name[i]),-44} {us:f3} ms  (at {total:f3} ms)");
                    else Log.Line($"  {Name(t->Name[i]),-44} {us:f3} ms  (at {total:f3} ms)");
                    prev = t->Tsc[i];
                }
            }
        }

        private static void Line(bool toStderr, string s)
        {
            if (toStderr) Log.Error($"{s}");
            else Log.Line($"{s}");
        }
    }
}
