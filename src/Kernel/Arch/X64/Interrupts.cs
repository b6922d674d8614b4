using System.Runtime.InteropServices;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Arch.X64
{
    // The register frame interrupt_common (interrupts.S) builds on the stack.
    [StructLayout(LayoutKind.Sequential), AsmOffsets("INTERRUPT_FRAME")]
    internal struct InterruptFrame
    {
        public ulong R15, R14, R13, R12, R11, R10, R9, R8, Rbp, Rdi, Rsi, Rdx, Rcx, Rbx, Rax;
        public ulong Vector, ErrorCode;
        public ulong Rip, Cs, Rflags, Rsp, Ss;
    }

    // Routes vectors: CPU exceptions panic (unless a test expects one); device vectors call their
    // registered handler, which should only wake a thread, then acknowledge the local APIC.
    internal static unsafe class Interrupts
    {
        public const int FirstDeviceVector = 32;
        public const int SpuriousVector = 0xFF;
        private const ulong EntryOverflowFlag = 0x100;   // interrupts.S: the frame did not fit on the interrupted stack

        private struct HandlerTable { public fixed ulong Entries[256]; }
        private static HandlerTable s_handlers;
        private static ulong s_counts0, s_expectedVector = ulong.MaxValue, s_expectedHits;

        public static void Register(int vector, delegate*<InterruptFrame*, void> handler)
        {
            fixed (HandlerTable* t = &s_handlers) t->Entries[vector] = (ulong)handler;
        }

        // Lets a selftest provoke a recoverable exception (e.g. int3) and count it.
        public static void ExpectException(int vector) { s_expectedVector = (ulong)vector; s_expectedHits = 0; }
        public static ulong ExpectedHits => s_expectedHits;
        public static void ClearExpectation() => s_expectedVector = ulong.MaxValue;
        public static ulong DeviceInterruptCount => s_counts0;
        private const ulong PageFaultVector = 14;
        private const ulong InterruptFlag = 1UL << 9;

        // A page fault on application memory: demand paging resolves it; anything else raised by
        // application code is the application's fault, not the kernel's.
        private static bool ApplicationFault(InterruptFrame* frame)
        {
            ulong address = Cpu.ReadCr2();
            if (address < Memory.AddressSpace.Ceiling)
            {
                // Resolving may sleep on the memory lock: let interrupts in if the faulting code had them.
                if ((frame->Rflags & InterruptFlag) != 0) Cpu.EnableInterrupts();
                bool resolved = Memory.AddressSpace.HandleFault(address, frame->ErrorCode);
                Cpu.DisableInterrupts();
                if (resolved) return true;
            }
            return false;
        }

        [UnmanagedCallersOnly(EntryPoint = "InterruptDispatch")]
        private static void Dispatch(InterruptFrame* frame)
        {
            ulong vector = frame->Vector;
            if ((vector & EntryOverflowFlag) != 0)
            {
                frame->Vector = vector & 0xFF;
                Panic.EntryStackOverflow(frame);
            }
            if (vector < FirstDeviceVector)
            {
                if (vector == s_expectedVector) { s_expectedHits++; return; }
                if (vector == PageFaultVector && ApplicationFault(frame)) return;
                // A fault in application code is the application's: its signal handler, or its end.
                if (frame->Rip < Memory.AddressSpace.Ceiling && Libc.Signals.DeliverFault(frame, vector == PageFaultVector ? Cpu.ReadCr2() : 0)) return;
                // Kernel code running on an application's stack is a libc function the program
                // called: a fault there is most likely a bad pointer from the program. End the
                // program (as its SIGSEGV would) instead of panicking the kernel.
                if (frame->Rsp < Memory.AddressSpace.Ceiling && Sched.Scheduler.Current != null && Sched.Scheduler.Current->AppThread != null)
                    Libc.Signals.FaultInLibc(frame);
                Panic.CpuException(frame);
                return;
            }
            if (vector == SpuriousVector) return;
            s_counts0++;
            Trace.Irq.Hit(vector);
            ulong h;
            fixed (HandlerTable* t = &s_handlers) h = t->Entries[vector];
            if (h != 0) ((delegate*<InterruptFrame*, void>)h)(frame);
            Drivers.LocalApic.EndOfInterrupt();
            // Handlers only wake threads; the switch to a woken thread happens here, after EOI.
            Sched.Scheduler.PreemptIfNeeded();
            if (frame->Rip < Memory.AddressSpace.Ceiling) Libc.Signals.DeliverPending(frame);
        }
    }
}
