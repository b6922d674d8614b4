using System.Threading;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Time;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Sched
{
    // What the synchronization primitives (Sync/) need from the scheduler: block the current thread
    // until a flag in its stack-resident wait record is set, and wake a thread. The hosted tests
    // provide the same class over real .NET threads.
    internal static unsafe class Parking
    {
        private static int s_bootIdentity;

        // Before a CPU runs threads, its identity is its CpuData (or, before those exist, one boot token).
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static void* CurrentThread()
        {
            KThread* t = Scheduler.OnThreadStack();
            return t != null ? t : OffThreadStack();
        }

        // CurrentThread() for the C library's hot paths: a program calls them on its own thread's
        // application stack, so that lookup goes first (one compare and one load).
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public static void* CurrentApplicationThread()
        {
            byte onStack;
            void* t = AppStacks.OwnerOfStack((ulong)&onStack);
            return t != null ? t : CurrentThread();
        }

        // Kept out of line: the inlined part above stays small (every mutex operation has a copy).
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static void* OffThreadStack()
        {
            KThread* t = Scheduler.Current;
            if (t != null) return t;
            if (!PerCpu.Ready) return Internal.Runtime.CompilerHelpers.ObjectAddress.AddressOf(ref s_bootIdentity);
            return PerCpu.Current;                    // no thread yet: only this CPU runs this code
        }

        // With other CPUs running and nothing else to run here, the waker is often microseconds away
        // on another CPU (a mutex holder about to hand over): poll briefly before paying for a switch
        // and an IPI, as the idle loop does. Bounded, and correctness never depends on it.
        private const ulong PollNs = 5_000;

        private static bool PollBriefly(int* flag)
        {
            // Only when nothing else could run here: otherwise the waker may be waiting for this CPU.
            if (PerCpu.Count < 2 || Volatile.Read(ref PerCpu.Current->Runnable) != 0) return false;
            ulong end = Clock.NowNs() + PollNs;
            while (Clock.NowNs() < end)
            {
                if (Volatile.Read(ref *flag) != 0) return true;
                Cpu.Pause();
            }
            return false;
        }

        public static void Park(int* flag)
        {
            if (Volatile.Read(ref *flag) != 0 || PollBriefly(flag)) return;
            if (!Scheduler.Ready) Panic.Fail("a thread would block before the scheduler runs");
            KThread* self = Scheduler.Current;
            if (self == null || self == PerCpu.Current->Idle) Panic.Fail("an idle context would block");
            using (new InterruptsDisabled())
            {
                while (Volatile.Read(ref *flag) == 0)
                {
                    Scheduler.PrepareToWait(self);
                    if (Volatile.Read(ref *flag) != 0 && Scheduler.CancelWait(self)) break;
                    Scheduler.Schedule();
                }
            }
        }

        public static bool Park(int* flag, ulong deadlineNs)
        {
            if (Volatile.Read(ref *flag) != 0) return true;
            if (!Scheduler.Ready) Panic.Fail("a thread would block before the scheduler runs");
            KThread* self = Scheduler.Current;
            bool result;
            using (new InterruptsDisabled())
            {
                while (true)
                {
                    if (Volatile.Read(ref *flag) != 0) { result = true; break; }
                    if (Clock.NowNs() >= deadlineNs) { result = false; break; }
                    Timers.Arm(&self->WakeTimer, deadlineNs, &Scheduler.WakeFromTimer, self);
                    Scheduler.PrepareToWait(self);
                    if (Volatile.Read(ref *flag) != 0 && Scheduler.CancelWait(self)) { result = true; break; }
                    Scheduler.Schedule();
                }
                Timers.Cancel(&self->WakeTimer);
            }
            return result;
        }

        public static void Unpark(void* thread) => Scheduler.Wake((KThread*)thread);

        // Whether `thread` (a mutex holder's identity) is on a CPU right now, other than ours: then it
        // may release the mutex within microseconds and a brief poll beats a sleep. Thread records
        // are type-stable, so reading a stale one is harmless.
        public static bool RunsElsewhere(void* thread)
        {
            if (PerCpu.Count < 2 || !Scheduler.Ready) return false;
            var t = (KThread*)thread;
            if ((ulong)t < KernelMemory.DirectMapBase) return false;      // a pre-thread identity (CpuData, boot token)
            return Volatile.Read(ref *(int*)&t->State) == (int)ThreadState.Running && t != Scheduler.Current;
        }

        public static void Relax() => Cpu.Pause();

        public static ulong NowNs() => Clock.NowNs();
    }
}
