using System.Runtime.InteropServices;
using Nimbus.Kernel.Memory;

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

    // GDT (code 0x08, data 0x10, TSS 0x18) and IDT. Double faults and NMIs run on their own
    // stacks (IST), so a kernel stack overflow still reaches the panic handler.
    internal static unsafe class Descriptors
    {
        public const ushort KernelCode = 0x08, KernelData = 0x10, TssSelector = 0x18;
        public const int DoubleFaultIst = 1, NmiIst = 2;
        private const int IstStackOrder = 2;    // 16 KiB

        private struct Tables
        {
            public fixed ulong Gdt[5];
            public fixed ulong Idt[512];
            public TaskStateSegment Tss;
        }

        private static Tables s_tables;

        // Before memory is up: the same tables without IST stacks, so early faults panic cleanly.
        public static void InitializeEarly(ulong stubTable) => Load(stubTable, false);

        public static void Initialize(ulong stubTable) => Load(stubTable, true);

        private static void Load(ulong stubTable, bool withIst)
        {
            fixed (Tables* t = &s_tables)
            {
                t->Gdt[0] = 0;
                t->Gdt[1] = 0x00af9a000000ffffUL;   // 64-bit code, DPL 0
                t->Gdt[2] = 0x00cf92000000ffffUL;   // data
                if (withIst)
                {
                    t->Tss.Ist1 = NewStack();
                    t->Tss.Ist2 = NewStack();
                }
                t->Tss.IoMapBase = (ushort)sizeof(TaskStateSegment);
                ulong tss = (ulong)&t->Tss;
                ulong limit = (ulong)sizeof(TaskStateSegment) - 1;
                t->Gdt[3] = (limit & 0xFFFF) | ((tss & 0xFFFFFF) << 16) | (0x89UL << 40) | (((limit >> 16) & 0xF) << 48) | (((tss >> 24) & 0xFF) << 56);
                t->Gdt[4] = tss >> 32;

                ulong* stubs = (ulong*)stubTable;
                for (int v = 0; v < 256; v++)
                {
                    int ist = !withIst ? 0 : v == 8 ? DoubleFaultIst : v == 2 ? NmiIst : 0;
                    ulong handler = stubs[v];
                    t->Idt[v * 2] = (handler & 0xFFFF) | ((ulong)KernelCode << 16) | ((ulong)ist << 32) | (0x8EUL << 40) | (((handler >> 16) & 0xFFFF) << 48);
                    t->Idt[v * 2 + 1] = handler >> 32;
                }

                DescriptorPointer gdtr = new DescriptorPointer { Limit = 5 * 8 - 1, Base = (ulong)t->Gdt };
                Cpu.LoadGdt(&gdtr, TssSelector);
                DescriptorPointer idtr = new DescriptorPointer { Limit = 256 * 16 - 1, Base = (ulong)t->Idt };
                Cpu.LoadIdt(&idtr);
            }
        }

        private static ulong NewStack() => KernelMemory.AllocateStack(IstStackOrder);
    }
}
