using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Pthread;
using Nimbus.Kernel.Libc.Start;
using Nimbus.Kernel.Libc.Stdio;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Libc.Signal
{
    // Signals, for what applications use them for: faults (a page fault or invalid opcode in
    // application code runs the SIGSEGV/SIGILL/SIGFPE handler with a Linux siginfo_t and ucontext_t,
    // which is how .NET turns a null dereference into NullReferenceException) and thread
    // interruption (pthread_kill: .NET's GC suspends threads with a real-time signal). A signal is
    // delivered when its thread is interrupted in application code: the interrupt frame is
    // rewritten to enter the handler on the thread's stack (or its sigaltstack) above a Linux-style
    // signal frame; the handler returns into signal_return (Arch/X64/libc.S), which restores the
    // (possibly edited) context.
    internal static unsafe class Signals
    {
        public const int SIGILL = 4, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGSEGV = 11, SIGPIPE = 13, SIGSTOP = 19;
        public const int MaxSignal = 64, SigRtMin = 34;
        private const ulong SaOnStack = 0x08000000, SaRestart = 0x10000000, SaNoDefer = 0x40000000, SaResetHand = 0x80000000;
        private const ulong SigDfl = 0, SigIgn = 1;
        private const int SsOnStack = 1, SsDisable = 2;

        // What the kernel keeps per signal: handler, flags, restorer and the mask (64 signals).
        [StructLayout(LayoutKind.Sequential)]
        public struct SigAction { public ulong Handler, Flags, Restorer, Mask; }

        // struct sigaction as programs built against glibc pass it (x86-64): the handler, a 128-byte
        // sigset_t, int flags, then the restorer. (Not the kernel's layout: applications call glibc.)
        [StructLayout(LayoutKind.Sequential)]
        public struct UserSigAction { public ulong Handler; public fixed ulong Mask[16]; public int Flags, Pad; public ulong Restorer; }

        private struct ActionTable { public fixed ulong Raw[(MaxSignal + 1) * 4]; }
        private static ActionTable s_actions;
        private static Sync.Mutex s_lock;

        [RuntimeImport("*", "signal_return_address")] [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern ulong SignalReturnAddress();

        private static SigAction* Action(int sig) { fixed (ActionTable* t = &s_actions) return (SigAction*)t->Raw + sig; }
        private static ulong Bit(int sig) => 1UL << (sig - 1);

        [RuntimeExport("abi_sigaction")]
        private static int SigactionExport(int sig, UserSigAction* act, UserSigAction* old)
        {
            SigAction a = default, o;
            if (act != null) { a.Handler = act->Handler; a.Flags = (uint)act->Flags; a.Restorer = act->Restorer; a.Mask = act->Mask[0]; }
            int r = Sigaction(sig, act != null ? &a : null, &o);
            if (r == 0 && old != null)
            {
                old->Handler = o.Handler;
                for (int i = 0; i < 16; i++) old->Mask[i] = 0;
                old->Mask[0] = o.Mask;
                old->Flags = (int)o.Flags;
                old->Pad = 0;
                old->Restorer = o.Restorer;
            }
            return r;
        }

        public static int Sigaction(int sig, SigAction* act, SigAction* old)
        {
            if (sig < 1 || sig > MaxSignal || ((sig == SIGKILL || sig == SIGSTOP) && act != null)) return LibcErrno.Fail(-Errno.EINVAL);
            if (act != null) act->Mask &= ~(Bit(SIGKILL) | Bit(SIGSTOP));
            fixed (Sync.Mutex* m = &s_lock)
            {
                m->Lock();
                if (old != null) *old = *Action(sig);
                if (act != null) *Action(sig) = *act;
                m->Unlock();
            }
            return 0;
        }

        [RuntimeExport("abi_signal")]
        private static ulong Signal(int sig, ulong handler)
        {
            var act = new SigAction { Handler = handler, Flags = SaRestart };
            SigAction old;
            if (Sigaction(sig, &act, &old) != 0) return ulong.MaxValue;      // SIG_ERR
            return old.Handler;
        }

        [RuntimeExport("abi_sigemptyset")]
        private static int SigEmptySet(ulong* set) { for (int i = 0; i < 16; i++) set[i] = 0; return 0; }
        [RuntimeExport("abi_sigfillset")]
        private static int SigFillSet(ulong* set) { for (int i = 0; i < 16; i++) set[i] = 0; set[0] = ulong.MaxValue; return 0; }
        [RuntimeExport("abi_sigaddset")]
        private static int SigAddSet(ulong* set, int sig) { if (sig < 1 || sig > MaxSignal) return Invalid(); set[0] |= Bit(sig); return 0; }
        [RuntimeExport("abi_sigdelset")]
        private static int SigDelSet(ulong* set, int sig) { if (sig < 1 || sig > MaxSignal) return Invalid(); set[0] &= ~Bit(sig); return 0; }
        [RuntimeExport("abi_sigismember")]
        private static int SigIsMember(ulong* set, int sig) { if (sig < 1 || sig > MaxSignal) return Invalid(); return (set[0] & Bit(sig)) != 0 ? 1 : 0; }

        private static int Invalid() => LibcErrno.Fail(-Errno.EINVAL);

        [RuntimeExport("abi___libc_current_sigrtmin")]
        private static int SigRtMinExport() => SigRtMin;
        [RuntimeExport("abi___libc_current_sigrtmax")]
        private static int SigRtMaxExport() => MaxSignal;

        [RuntimeExport("abi_sigprocmask")]
        private static int SigProcMask(int how, ulong* set, ulong* old) => ChangeMask(how, set, old) == 0 ? 0 : Invalid();

        [RuntimeExport("abi_pthread_sigmask")]
        private static int ChangeMask(int how, ulong* set, ulong* old)
        {
            PThread* p = Threads.Current;
            if (old != null) { old[0] = p->SignalMask; for (int i = 1; i < 16; i++) old[i] = 0; }
            if (set == null) return 0;
            ulong s = set[0] & ~(Bit(SIGKILL) | Bit(SIGSTOP));
            switch (how)
            {
                case 0: p->SignalMask |= s; break;        // SIG_BLOCK
                case 1: p->SignalMask &= ~s; break;       // SIG_UNBLOCK
                case 2: p->SignalMask = s; break;         // SIG_SETMASK
                default: return Errno.EINVAL;
            }
            return 0;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct StackT { public ulong Sp; public int Flags; public int Pad; public ulong Size; }

        [RuntimeExport("abi_sigaltstack")]
        private static int SigAltStack(StackT* ss, StackT* old)
        {
            PThread* p = Threads.Current;
            if (old != null)
            {
                old->Sp = p->AltStack;
                old->Size = p->AltStackSize;
                old->Flags = p->AltStack == 0 ? SsDisable : OnAltStack(p, Cpu.ReadStackPointer()) ? SsOnStack : 0;
            }
            if (ss != null)
            {
                if ((ss->Flags & SsDisable) != 0) { p->AltStack = 0; p->AltStackSize = 0; }
                else { p->AltStack = ss->Sp; p->AltStackSize = ss->Size; }
            }
            return 0;
        }

        private static bool OnAltStack(PThread* p, ulong sp) => p->AltStack != 0 && sp > p->AltStack && sp <= p->AltStack + p->AltStackSize;

        [RuntimeExport("abi_raise")]
        private static int Raise(int sig) => Send(Threads.Current, sig);

        [RuntimeExport("abi_kill")]
        private static int Kill(int pid, int sig)
        {
            if (pid != 1 && pid != 0 && pid != -1) return LibcErrno.Fail(-Errno.ESRCH);
            return Send(Threads.Current, sig) == 0 ? 0 : Invalid();
        }

        // Marks the signal pending on the thread; it runs when that thread is next interrupted in
        // application code. The sender's own signals run right away (through a self-IPI's return path).
        [RuntimeExport("abi_pthread_kill")]
        private static int Send(PThread* p, int sig)
        {
            if (sig == 0) return 0;
            if (sig < 1 || sig > MaxSignal) return Errno.EINVAL;
            ulong handler = Action(sig)->Handler;
            if (handler == SigIgn) return 0;
            if (handler == SigDfl && !IgnoredByDefault(sig)) Terminate(sig, null);
            if (handler == SigDfl) return 0;
            ulong bit = Bit(sig);
            ulong old;
            do old = Volatile.Read(ref p->PendingSignals);
            while (Interlocked.CompareExchange(ref *(long*)&p->PendingSignals, (long)(old | bit), (long)old) != (long)old);
            // Nudge the thread's CPU so it takes an interrupt soon (a running thread then sees it on
            // the way back to application code).
            if (p == Threads.Current) RunPendingNow(p);
            else Scheduler.Nudge(p->Thread);
            return 0;
        }

        // raise(): the handler runs before raise returns, on the caller's stack, with a context
        // that describes the call site.
        private static void RunPendingNow(PThread* p)
        {
            int sig = TakePending(p);
            if (sig == 0) return;
            SigAction act = *Action(sig);
            if (act.Handler == SigDfl || act.Handler == SigIgn) return;
            byte* info = stackalloc byte[SiginfoSize];
            byte* uc = stackalloc byte[UcontextSize];
            Mem.Set(info, 0, SiginfoSize);
            Mem.Set(uc, 0, UcontextSize);
            *(int*)info = sig;
            *(int*)(info + 8) = -6;
            *(int*)(info + 16) = 1;
            *(ulong*)(uc + SigmaskOffset) = p->SignalMask;
            ulong savedMask = p->SignalMask;
            p->SignalMask |= act.Mask | ((act.Flags & SaNoDefer) != 0 ? 0 : Bit(sig));
            if ((act.Flags & SaResetHand) != 0) Action(sig)->Handler = SigDfl;
            ((delegate* unmanaged<int, void*, void*, void>)act.Handler)(sig, info, uc);
            p->SignalMask = savedMask;
        }

        private static bool IgnoredByDefault(int sig) => sig == 17 || sig == 23 || sig == 28 || sig >= SigRtMin;   // SIGCHLD, SIGURG, SIGWINCH; RT signals kill by default, but nothing sends those unhandled

        // The default action of a fatal signal: say what happened and end, with the shell's status.
        public static void Terminate(int sig, InterruptFrame* frame)
        {
            Streams.FlushAll();
            string name = sig switch { SIGSEGV => "SIGSEGV (segmentation fault)", SIGILL => "SIGILL (illegal instruction)", SIGFPE => "SIGFPE (arithmetic error)", SIGABRT => "SIGABRT", SIGBUS => "SIGBUS", SIGPIPE => "SIGPIPE", _ => "a fatal signal" };
            Log.Error($"nimbus: the application was killed by {name}");
            if (frame != null)
            {
                ulong address = Cpu.ReadCr2();
                Log.Error($"  at rip {frame->Rip:x16}, faulting address {address:x16}, error code {frame->ErrorCode:x}");
                Log.Error($"  rsp {frame->Rsp:x16}  rbp {frame->Rbp:x16}  rax {frame->Rax:x16}  rdi {frame->Rdi:x16}");
                Elf.AppSymbols.PrintLocation(frame->Rip);
                // A write just below the stack pointer into a guard region: the thread ran out of stack.
                if (frame->Vector == 14 && address < frame->Rsp + 4096 && address + 65536 > frame->Rsp
                    && AddressSpace.KindAt(address) == (int)AddressSpace.KindGuard)
                    Log.Error($"  a stack overflow: thread {Sched.Scheduler.CurrentId} ran past the end of its stack into the guard region");
            }
            Process.QuickExit(128 + sig);
        }

        // A fault inside the kernel's implementation of a libc function (its handler cannot run
        // safely there: the function may hold a lock). Reported with the kernel function's name.
        // Interrupts.ApplicationFault. A fault in application code is the program's: its signal
        // handler, or its end. Kernel code running on the program's stack is a libc function it
        // called: a fault there is most likely a bad pointer from the program, so it ends the program
        // (as its SIGSEGV would) instead of panicking the kernel.
        public static bool OnApplicationFault(InterruptFrame* frame, ulong faultAddress)
        {
            if (frame->Rip < Interrupts.ApplicationCeiling && DeliverFault(frame, faultAddress)) return true;
            if (frame->Rsp < Interrupts.ApplicationCeiling && Scheduler.Current != null && Scheduler.Current->AppThread != null)
                FaultInLibc(frame);
            return false;
        }

        public static void FaultInLibc(InterruptFrame* frame)
        {
            Streams.FlushAll();
            int sig = frame->Vector == 14 || frame->Vector == 13 ? SIGSEGV : frame->Vector == 0 ? SIGFPE : SIGILL;
            Diagnostics.KernelSymbols.Lookup(frame->Rip, out byte* name, out int length, out ulong start);
            Log.Error($"nimbus: the application was killed by signal {sig}: a fault in the C library function at {new System.ReadOnlySpan<byte>(name, length)}+0x{frame->Rip - start:x} (faulting address {Cpu.ReadCr2():x16}; a bad pointer passed by the program?)");
            Process.QuickExit(128 + sig);
        }

        // An exception in application code: deliver the matching signal, or terminate. True when
        // the frame now enters a handler.
        public static bool DeliverFault(InterruptFrame* frame, ulong faultAddress)
        {
            int sig, code;
            ulong address = faultAddress;
            switch (frame->Vector)
            {
                case 14: sig = SIGSEGV; code = (frame->ErrorCode & 1) != 0 ? 2 : 1; break;     // SEGV_ACCERR / SEGV_MAPERR
                case 6: sig = SIGILL; code = 2; address = frame->Rip; break;                     // ILL_ILLOPN
                case 0: sig = SIGFPE; code = 1; address = frame->Rip; break;                     // FPE_INTDIV
                case 16: case 19: sig = SIGFPE; code = 0; address = frame->Rip; break;
                case 3: sig = 5; code = 1; address = frame->Rip; break;                          // SIGTRAP, TRAP_BRKPT
                case 13: case 12: sig = SIGSEGV; code = 0x80; address = 0; break;               // SI_KERNEL
                case 17: sig = SIGBUS; code = 1; break;
                default: return false;
            }
            SigAction act = *Action(sig);
            PThread* p = Threads.Current;
            if (act.Handler == SigDfl || act.Handler == SigIgn || (p->SignalMask & Bit(sig)) != 0) Terminate(sig, frame);
            Enter(frame, p, sig, code, address, &act);
            return true;
        }

        // The lowest pending signal the thread does not block, taken off its pending set; 0 if none.
        private static int TakePending(PThread* p)
        {
            ulong ready = Volatile.Read(ref p->PendingSignals) & ~p->SignalMask;
            if (ready == 0) return 0;
            int sig = 1;
            while ((ready & Bit(sig)) == 0) sig++;
            ulong old;
            do old = Volatile.Read(ref p->PendingSignals);
            while (Interlocked.CompareExchange(ref *(long*)&p->PendingSignals, (long)(old & ~Bit(sig)), (long)old) != (long)old);
            return sig;
        }

        // Delivers pending unblocked signals to the current thread, interrupted in application code.
        public static void DeliverPending(InterruptFrame* frame)
        {
            KThread* t = Scheduler.Current;
            var p = (PThread*)t->AppThread;
            if (p == null) return;
            int sig = TakePending(p);
            if (sig == 0) return;
            SigAction act = *Action(sig);
            if (act.Handler == SigDfl || act.Handler == SigIgn) return;
            Enter(frame, p, sig, -6, 0, &act);                  // SI_TKILL
        }

        // Linux's x86-64 signal frame, below the interrupted red zone or on the alternate stack:
        // [return address -> signal_return][ucontext_t][siginfo_t][FPU state, 64-byte aligned].
        private const int UcontextSize = 968, SiginfoSize = 128, FpuSize = 512;
        private const int McontextOffset = 40, FpregsPointer = 40 + 184, SigmaskOffset = 296;

        private static void Enter(InterruptFrame* frame, PThread* p, int sig, int code, ulong address, SigAction* act)
        {
            ulong sp = frame->Rsp - 128;
            if ((act->Flags & SaOnStack) != 0 && p->AltStack != 0 && !OnAltStack(p, frame->Rsp)) sp = p->AltStack + p->AltStackSize;
            sp &= ~63UL;
            byte* fpu = (byte*)(sp - FpuSize);
            byte* info = fpu - SiginfoSize;
            byte* uc = (byte*)(((ulong)info - UcontextSize) & ~15UL);
            ulong* ret = (ulong*)(uc - 8);
            // Make sure the pages are there before writing (a fresh stack is demand-paged; an
            // alternate stack from malloc is kernel heap memory, always there).
            if ((ulong)ret < AddressSpace.Ceiling && !AddressSpace.Populate((ulong)ret, sp)) Terminate(SIGSEGV, frame);

            Mem.Set(info, 0, SiginfoSize);
            *(int*)info = sig;
            *(int*)(info + 8) = code;
            if (code == -6) { *(int*)(info + 16) = 1; *(int*)(info + 20) = 0; }      // si_pid, si_uid
            else *(ulong*)(info + 16) = address;

            Mem.Set(uc, 0, UcontextSize);
            *(ulong*)(uc + 16) = p->AltStack;
            *(int*)(uc + 24) = p->AltStack == 0 ? SsDisable : OnAltStack(p, frame->Rsp) ? SsOnStack : 0;
            *(ulong*)(uc + 32) = p->AltStackSize;
            ulong* g = (ulong*)(uc + McontextOffset);
            g[0] = frame->R8; g[1] = frame->R9; g[2] = frame->R10; g[3] = frame->R11;
            g[4] = frame->R12; g[5] = frame->R13; g[6] = frame->R14; g[7] = frame->R15;
            g[8] = frame->Rdi; g[9] = frame->Rsi; g[10] = frame->Rbp; g[11] = frame->Rbx;
            g[12] = frame->Rdx; g[13] = frame->Rax; g[14] = frame->Rcx; g[15] = frame->Rsp;
            g[16] = frame->Rip; g[17] = frame->Rflags; g[18] = 0x33;     // CSGSFS: what Linux user code sees
            g[19] = frame->ErrorCode; g[20] = frame->Vector; g[21] = p->SignalMask; g[22] = Cpu.ReadCr2();
            *(ulong*)(uc + FpregsPointer) = (ulong)fpu;
            *(ulong*)(uc + SigmaskOffset) = p->SignalMask;
            Mem.Move(fpu, SavedFpu(frame), FpuSize);
            *ret = act->Restorer != 0 && (act->Flags & 0x04000000) != 0 ? act->Restorer : SignalReturnAddress();   // SA_RESTORER

            p->SignalMask |= act->Mask | ((act->Flags & SaNoDefer) != 0 ? 0 : Bit(sig));
            if ((act->Flags & SaResetHand) != 0) Action(sig)->Handler = SigDfl;
            frame->Rsp = (ulong)ret;
            frame->Rip = act->Handler;
            frame->Rdi = (ulong)sig;
            frame->Rsi = (ulong)info;
            frame->Rdx = (ulong)uc;
            frame->Rax = 0;
            frame->Rflags &= ~((1UL << 10) | (1UL << 8));    // DF and TF clear, as the ABI requires at a call
        }

        // sigsetjmp/siglongjmp (Arch/X64/libc.S) keep the mask at jmp_buf + 72.
        [RuntimeExport("libc_save_signal_mask")]
        private static int SaveMask(ulong* env) { env[9] = Threads.Current->SignalMask; return 0; }

        [RuntimeExport("libc_restore_signal_mask")]
        private static void RestoreMask(ulong* env) => Threads.Current->SignalMask = env[9];

        // interrupts.S saved the FPU/SSE state just below the frame, 64-byte aligned.
        private static byte* SavedFpu(InterruptFrame* frame) => (byte*)(((ulong)frame - 512) & ~63UL);

        // Called by signal_return with the ucontext the handler got (and may have edited): restores
        // the signal mask and returns the general registers for the assembly to load.
        [RuntimeExport("libc_signal_return")]
        private static ulong* Return(byte* uc)
        {
            PThread* p = Threads.Current;
            p->SignalMask = *(ulong*)(uc + SigmaskOffset) & ~(Bit(SIGKILL) | Bit(SIGSTOP));
            ulong* g = (ulong*)(uc + McontextOffset);
            g[17] = (g[17] | 0x200) & ~(1UL << 8);       // interrupts stay on, no single-stepping
            return g;
        }
    }
}
