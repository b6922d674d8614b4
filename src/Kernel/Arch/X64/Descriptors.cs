using System.Runtime.InteropServices;

namespace Nimbus.Kernel.Arch.X64
{
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    internal struct DescriptorPointer
    {
        public ushort Limit;
        public ulong Base;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal unsafe struct TaskStateSegment
    {
        public uint Reserved0;
        public ulong Rsp0, Rsp1, Rsp2;
        public ulong Reserved1;
        public ulong Ist1, Ist2, Ist3, Ist4, Ist5, Ist6, Ist7;
        public ulong Reserved2;
        public ushort Reserved3;
        public ushort IoMapBase;
    }

    // GDT (code 0x08, data 0x10, TSS 0x18) per CPU, one shared IDT. Double faults and NMIs run on
    // their own stacks (IST), so a kernel stack overflow still reaches the panic handler. Every other
    // vector enters on the per-CPU entry stack, from which interrupts.S moves the frame below the
    // interrupted code's red zone.
    internal static unsafe class Descriptors
    {
        public const ushort KernelCode = 0x08, KernelData = 0x10, TssSelector = 0x18;
        public const int DoubleFaultIst = 1, NmiIst = 2, EntryIst = 3;
        private const int IstStackOrder = 2;    // 16 KiB

        private struct IdtTable { public fixed ulong Entries[512]; }
        private struct EarlyTables { public fixed ulong Gdt[5]; public TaskStateSegment Tss; }
        private static IdtTable s_idt;
        private static EarlyTables s_early;

        // Before memory is up: the same tables without IST stacks, so early faults panic cleanly.
        public static void InitializeEarly(ulong stubTable)
        {
            BuildIdt(stubTable, false);
            fixed (EarlyTables* e = &s_early) LoadGdt(e->Gdt, &e->Tss);
            LoadIdt();
        }

        // Boot CPU, once memory works: IST stacks, and the tables every CPU will load.
        // allocateStack(order) returns a stack's top (Memory's, which this layer cannot name).
        public static void Initialize(ulong stubTable, delegate*<int, ulong> allocateStack)
        {
            BuildIdt(stubTable, true);
            PrepareCpu(PerCpu.Current, allocateStack);
            LoadCpu(PerCpu.Current);
        }

        // Per CPU: the boot CPU allocates a CPU's IST stacks (PrepareCpu), the CPU loads its tables.
        public static void PrepareCpu(CpuData* cpu, delegate*<int, ulong> allocateStack)
        {
            cpu->Tss.Ist1 = allocateStack(IstStackOrder);
            cpu->Tss.Ist2 = allocateStack(IstStackOrder);
            cpu->Tss.Ist3 = allocateStack(IstStackOrder);
        }

        public static void LoadCpu(CpuData* cpu)
        {
            LoadGdt(cpu->Gdt, &cpu->Tss);
            LoadIdt();
        }

        private static void LoadGdt(ulong* gdt, TaskStateSegment* tssPtr)
        {
            gdt[0] = 0;
            gdt[1] = 0x00af9a000000ffffUL;   // 64-bit code, DPL 0
            gdt[2] = 0x00cf92000000ffffUL;   // data
            tssPtr->IoMapBase = (ushort)sizeof(TaskStateSegment);
            ulong tss = (ulong)tssPtr;
            ulong limit = (ulong)sizeof(TaskStateSegment) - 1;
            gdt[3] = (limit & 0xFFFF) | ((tss & 0xFFFFFF) << 16) | (0x89UL << 40) | (((limit >> 16) & 0xF) << 48) | (((tss >> 24) & 0xFF) << 56);
            gdt[4] = tss >> 32;
            DescriptorPointer gdtr = new DescriptorPointer { Limit = 5 * 8 - 1, Base = (ulong)gdt };
            Cpu.LoadGdt(&gdtr, TssSelector);
        }

        private static void BuildIdt(ulong stubTable, bool withIst)
        {
            ulong* stubs = (ulong*)stubTable;
            fixed (IdtTable* t = &s_idt)
            {
                for (int v = 0; v < 256; v++)
                {
                    int ist = !withIst ? 0 : v == 8 ? DoubleFaultIst : v == 2 ? NmiIst : EntryIst;
                    ulong handler = stubs[v];
                    t->Entries[v * 2] = (handler & 0xFFFF) | ((ulong)KernelCode << 16) | ((ulong)ist << 32) | (0x8EUL << 40) | (((handler >> 16) & 0xFFFF) << 48);
                    t->Entries[v * 2 + 1] = handler >> 32;
                }
            }
        }

        private static void LoadIdt()
        {
            fixed (IdtTable* t = &s_idt)
            {
                DescriptorPointer idtr = new DescriptorPointer { Limit = 256 * 16 - 1, Base = (ulong)t->Entries };
                Cpu.LoadIdt(&idtr);
            }
        }
    }
}
