using System.Runtime;
using System.Runtime.CompilerServices;

namespace Nimbus.Kernel.Arch.X64
{
    // The bare-metal platform layer: every privileged instruction the kernel uses, as an asm import.
    internal static unsafe class Cpu
    {
        [RuntimeImport("*", "cpu_inb")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern byte InByte(ushort port);
        [RuntimeImport("*", "cpu_inw")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ushort InWord(ushort port);
        [RuntimeImport("*", "cpu_inl")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern uint InDword(ushort port);
        [RuntimeImport("*", "cpu_outb")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void OutByte(ushort port, byte value);
        [RuntimeImport("*", "cpu_outw")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void OutWord(ushort port, ushort value);
        [RuntimeImport("*", "cpu_outl")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void OutDword(ushort port, uint value);
        [RuntimeImport("*", "cpu_rdmsr")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadMsr(uint msr);
        [RuntimeImport("*", "cpu_wrmsr")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void WriteMsr(uint msr, ulong value);
        [RuntimeImport("*", "cpu_rdtsc")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadTsc();
        [RuntimeImport("*", "cpu_cpuid")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void CpuidRaw(uint leaf, uint subleaf, uint* output);
        [RuntimeImport("*", "cpu_read_cr0")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadCr0();
        [RuntimeImport("*", "cpu_read_cr2")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadCr2();
        [RuntimeImport("*", "cpu_read_cr3")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadCr3();
        [RuntimeImport("*", "cpu_read_cr4")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadCr4();
        [RuntimeImport("*", "cpu_write_cr3")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void WriteCr3(ulong value);
        [RuntimeImport("*", "cpu_write_cr4")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void WriteCr4(ulong value);
        [RuntimeImport("*", "cpu_zero_page")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void ZeroPage(void* page);
        [RuntimeImport("*", "cpu_invlpg")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void InvalidatePage(ulong address);
        [RuntimeImport("*", "cpu_cli")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void DisableInterrupts();
        [RuntimeImport("*", "cpu_sti")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void EnableInterrupts();
        [RuntimeImport("*", "cpu_hlt")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void Halt();
        [RuntimeImport("*", "cpu_sti_hlt")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void EnableInterruptsAndHalt();
        [RuntimeImport("*", "cpu_pause")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void Pause();
        [RuntimeImport("*", "cpu_read_rflags")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadFlags();
        [RuntimeImport("*", "cpu_write_rflags")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void WriteFlags(ulong flags);
        [RuntimeImport("*", "cpu_read_rbp")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadFramePointer();
        [RuntimeImport("*", "cpu_read_rsp")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern ulong ReadStackPointer();
        [RuntimeImport("*", "cpu_halt_forever")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void HaltForever();
        [RuntimeImport("*", "cpu_load_gdt")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void LoadGdt(void* gdtr, ushort tssSelector);
        [RuntimeImport("*", "cpu_load_idt")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void LoadIdt(void* idtr);
        [RuntimeImport("*", "cpu_ud2")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void InvalidOpcode();
        [RuntimeImport("*", "nimbus_kernel_layout")] [MethodImpl(MethodImplOptions.InternalCall)] public static extern void GetKernelLayout(KernelLayout* layout);

        public const ulong InterruptFlag = 1 << 9;

        public struct CpuidResult { public uint Eax, Ebx, Ecx, Edx; }

        public static CpuidResult Cpuid(uint leaf, uint subleaf = 0)
        {
            CpuidResult r;
            CpuidRaw(leaf, subleaf, (uint*)&r);
            return r;
        }

        // Disables interrupts; returns whether they were enabled, for RestoreInterrupts.
        public static bool SaveAndDisableInterrupts()
        {
            bool was = (ReadFlags() & InterruptFlag) != 0;
            DisableInterrupts();
            return was;
        }

        public static void RestoreInterrupts(bool enabled)
        {
            if (enabled) EnableInterrupts();
        }
    }

    // Section boundaries exported by the linker script (see kernel.ld); filled by nimbus_kernel_layout.
    [AsmOffsets("LAYOUT")]
    internal struct KernelLayout
    {
        public ulong KernelStart, TextEnd, RodataEnd, KernelEnd, BootStackGuard;
        public ulong SymbolsStart, SymbolsEnd, ModulesStart, ModulesEnd, BootStart, BootEnd;
        public ulong InterruptStubTable, DataStart;
        public ulong ApTrampolineStart, ApTrampolineEnd, ApTrampolineParams, ApEntry;   // Arch/X64/ap_trampoline.S
        public ulong ExportsStart, ExportsEnd;                                           // .kexports: the application ABI
    }

    // CPU-local critical section: `using (new InterruptsDisabled()) { ... }`.
    internal readonly struct InterruptsDisabled : System.IDisposable
    {
        private readonly bool _wasEnabled;
        public InterruptsDisabled() { _wasEnabled = Cpu.SaveAndDisableInterrupts(); }
        public void Dispose() => Cpu.RestoreInterrupts(_wasEnabled);
    }
}
