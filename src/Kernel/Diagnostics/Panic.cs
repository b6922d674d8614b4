using System.Runtime.InteropServices;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Console;
using Nimbus.Kernel.Power;

namespace Nimbus.Kernel.Diagnostics
{
    // A kernel panic prints the cause, the registers and a symbolized backtrace, then powers the VM
    // off with PanicExitStatus so the host sees the failure.
    internal static unsafe class Panic
    {
        public const int PanicExitStatus = 70;   // EX_SOFTWARE
        private static int s_depth;

        // Hooks the layers above install at boot, so a report can say more than this layer knows:
        // the current thread's name and id (Sched), and whether an address is a stack guard page (Memory).
        public static delegate*<void> DescribeThread;
        public static delegate*<ulong, bool> IsStackGuard;

        public static void Fail(string cause)
        {
            Cpu.DisableInterrupts();
            if (Enter())
            {
                Log.Line($"PANIC: {cause}");
                delegate*<string, void> self = &Fail;     // frame #0 names the panic call itself
                Backtrace.Print((ulong)self, Cpu.ReadFramePointer(), Cpu.ReadStackPointer());
            }
            PowerOff.Exit(PanicExitStatus);
        }

        // For a report with more to say than a string (formatted without allocating): Begin, then
        // print the cause if it returned true, then End with the reporting function's address.
        public static bool Begin()
        {
            Cpu.DisableInterrupts();
            return Enter();
        }

        public static void End(ulong reporter)
        {
            if (s_depth == 1) Backtrace.Print(reporter, Cpu.ReadFramePointer(), Cpu.ReadStackPointer());
            PowerOff.Exit(PanicExitStatus);
        }

        [UnmanagedCallersOnly(EntryPoint = "PanicFromAsm")]
        private static void FromAsm(byte* message)
        {
            Cpu.DisableInterrupts();
            if (Enter())
            {
                Log.Line($"PANIC: {new System.ReadOnlySpan<byte>(message, Strlen(message))}");
                Backtrace.Print(0, Cpu.ReadFramePointer(), Cpu.ReadStackPointer());
            }
            PowerOff.Exit(PanicExitStatus);
        }

        private static int Strlen(byte* s) { int n = 0; while (s[n] != 0) n++; return n; }

        // Interrupts.Fatal: an exception nothing handled, or no room for an interrupt frame.
        public static void UnhandledException(InterruptFrame* f, bool entryStackOverflow)
        {
            if (entryStackOverflow) s_entryOverflow = true;
            CpuException(f);
        }

        public static void CpuException(InterruptFrame* f)
        {
            Cpu.DisableInterrupts();
            if (Enter())
            {
                ulong cr2 = Cpu.ReadCr2();
                Log.Line($"PANIC: CPU exception {f->Vector} ({ExceptionName(f->Vector)}){Detail(f, cr2)}");
                Log.Line($"  error code 0x{f->ErrorCode:x}  cr2 0x{cr2:x16}  cr3 0x{Cpu.ReadCr3():x16}");
                Log.Line($"  rip {f->Rip:x16}  rsp {f->Rsp:x16}  rflags {f->Rflags:x16}  cs {f->Cs:x}  ss {f->Ss:x}");
                Log.Line($"  rax {f->Rax:x16}  rbx {f->Rbx:x16}  rcx {f->Rcx:x16}  rdx {f->Rdx:x16}");
                Log.Line($"  rsi {f->Rsi:x16}  rdi {f->Rdi:x16}  rbp {f->Rbp:x16}  r8  {f->R8:x16}");
                Log.Line($"  r9  {f->R9:x16}  r10 {f->R10:x16}  r11 {f->R11:x16}  r12 {f->R12:x16}");
                Log.Line($"  r13 {f->R13:x16}  r14 {f->R14:x16}  r15 {f->R15:x16}");
                Backtrace.Print(f->Rip, f->Rbp, f->Rsp);
            }
            PowerOff.Exit(PanicExitStatus);
        }

        // The interrupted stack had no room for the interrupt frame (interrupts.S): report the
        // original interrupt or fault, naming the overflow.
        private static bool s_entryOverflow;

        private static string Detail(InterruptFrame* f, ulong cr2)
        {
            if (s_entryOverflow)
                return GuardPage(cr2) ? ": kernel stack overflow (guard page hit)" : ": stack overflow (no room for the interrupt frame)";
            if (f->Vector == 14)
            {
                if (cr2 < 4096) return ": null pointer dereference";
                if (GuardPage(cr2)) return ": kernel stack overflow (guard page hit)";
                return (f->ErrorCode & 1) != 0 ? ": protection violation" : ": access to unmapped memory";
            }
            if (f->Vector == 8)
                return GuardPage(cr2) ? ": kernel stack overflow (guard page hit)" : ": probably a kernel stack overflow";
            return "";
        }

        private static bool GuardPage(ulong address) => IsStackGuard != null && IsStackGuard(address);

        // Returns false when already panicking (a fault inside the panic handler).
        private static bool Enter()
        {
            s_depth++;
            if (s_depth == 1)
            {
                var describe = DescribeThread;
                if (describe != null) describe();
                return true;
            }
            if (s_depth == 2) Log.Line("PANIC: nested panic while reporting a panic");
            return false;
        }

        public static string ExceptionName(ulong v) => v switch
        {
            0 => "divide error", 1 => "debug", 2 => "NMI", 3 => "breakpoint", 4 => "overflow",
            5 => "bound range", 6 => "invalid opcode", 7 => "device not available", 8 => "double fault",
            10 => "invalid TSS", 11 => "segment not present", 12 => "stack fault", 13 => "general protection",
            14 => "page fault", 16 => "x87 floating point", 17 => "alignment check", 18 => "machine check",
            19 => "SIMD floating point", 20 => "virtualization", 21 => "control protection", _ => "reserved",
        };
    }
}
