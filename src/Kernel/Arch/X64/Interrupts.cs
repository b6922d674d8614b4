using System.Runtime.InteropServices;

namespace Nimbus.Kernel.Arch.X64
{
    // The register frame interrupt_common (interrupts.S) builds on the stack.
    [StructLayout(LayoutKind.Sequential)]
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

        // Hooks the layers above install at boot (Arch names none of them):
        // a page fault below ApplicationCeiling: demand paging (Memory); true when resolved.
        public static delegate*<ulong, ulong, bool> PageFault;
        // any other exception raised while application code or its libc call ran: the program's
        // signal (Libc); true when the program goes on.
        public static delegate*<InterruptFrame*, ulong, bool> ApplicationFault;
        // an exception nothing handled, or an entry-stack overflow: the panic report (Diagnostics).
        public static delegate*<InterruptFrame*, bool, void> Fatal;
        // after a device interrupt's handler and EOI: preemption (Sched).
        public static delegate*<ulong, void> AfterDeviceInterrupt;
        // before returning into application code: pending signals (Libc).
        public static delegate*<InterruptFrame*, void> ReturningToApplication;

        // Application code and data live below this address; the kernel above it.
        public const ulong ApplicationCeiling = 0x00007fffff000000UL;

        private static void Unhandled(InterruptFrame* frame, bool entryStackOverflow)
        {
            var fatal = Fatal;
            if (fatal != null) fatal(frame, entryStackOverflow);
            Cpu.HaltForever();
        }

        [UnmanagedCallersOnly(EntryPoint = "InterruptDispatch")]
        private static void Dispatch(InterruptFrame* frame)
        {
            ulong vector = frame->Vector;
            if ((vector & EntryOverflowFlag) != 0)
            {
                frame->Vector = vector & 0xFF;
                Unhandled(frame, true);
            }
            if (vector < FirstDeviceVector)
            {
                if (vector == s_expectedVector) { s_expectedHits++; return; }
                ulong faultAddress = vector == PageFaultVector ? Cpu.ReadCr2() : 0;
                if (vector == PageFaultVector && faultAddress < ApplicationCeiling && PageFault != null)
                {
                    // Resolving may sleep on the memory lock: let interrupts in if the faulting code had them.
                    if ((frame->Rflags & InterruptFlag) != 0) Cpu.EnableInterrupts();
                    bool resolved = PageFault(faultAddress, frame->ErrorCode);
                    Cpu.DisableInterrupts();
                    if (resolved) return;
                }
                // Application code, or a libc function it called (running on its stack): the program's fault.
                if ((frame->Rip < ApplicationCeiling || frame->Rsp < ApplicationCeiling) && ApplicationFault != null
                    && ApplicationFault(frame, faultAddress)) return;
                Unhandled(frame, false);
                return;
            }
            if (vector == SpuriousVector) return;
            s_counts0++;
            ulong h;
            fixed (HandlerTable* t = &s_handlers) h = t->Entries[vector];
            if (h != 0) ((delegate*<InterruptFrame*, void>)h)(frame);
            LocalApic.EndOfInterrupt();
            // Handlers only wake threads; the switch to a woken thread happens after EOI.
            var after = AfterDeviceInterrupt;
            if (after != null) after(vector);
            if (frame->Rip < ApplicationCeiling && ReturningToApplication != null) ReturningToApplication(frame);
        }
    }
}
