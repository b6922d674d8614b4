using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Sched
{
    // Each CPU's timer list, sorted by deadline. The local APIC is armed (one-shot) for the earliest
    // deadline or the end of the running thread's time slice, whichever is first, and not at all when
    // there is nothing to wait for: no periodic tick. A timer lives on the list of the CPU that armed
    // it, and only that CPU touches the list (with interrupts off); a thread's wake timer is armed and
    // cancelled by the thread itself, which does not migrate while it waits.
    internal static unsafe class Timers
    {
        public static ulong Fired;

        public static void Arm(Timer* t, ulong deadlineNs, delegate*<void*, void> callback, void* arg)
        {
            using (new InterruptsDisabled())
            {
                CpuData* cpu = PerCpu.Current;
                if (t->Armed != 0) Unlink(t);
                t->DeadlineNs = deadlineNs;
                t->Callback = callback;
                t->Arg = arg;
                t->Armed = 1 + cpu->Index;
                Timer* prev = null;
                Timer* next = cpu->TimerHead;
                while (next != null && next->DeadlineNs <= deadlineNs) { prev = next; next = next->Next; }
                t->Next = next;
                t->Prev = prev;
                if (next != null) next->Prev = t;
                if (prev != null) prev->Next = t; else cpu->TimerHead = t;
                if (cpu->TimerHead == t) Scheduler.ReprogramTimer();
            }
        }

        public static void Cancel(Timer* t)
        {
            using (new InterruptsDisabled())
                if (t->Armed != 0) Unlink(t);
        }

        private static void Unlink(Timer* t)
        {
            CpuData* cpu = PerCpu.Get(t->Armed - 1);
            if (cpu != PerCpu.Current) Panic.Fail("a timer was cancelled from another CPU than the one that armed it");
            if (t->Prev != null) t->Prev->Next = t->Next; else cpu->TimerHead = t->Next;
            if (t->Next != null) t->Next->Prev = t->Prev;
            t->Next = t->Prev = null;
            t->Armed = 0;
        }

        public static ulong NextDeadline
        {
            get
            {
                Timer* head = PerCpu.Current->TimerHead;
                return head == null ? ulong.MaxValue : head->DeadlineNs;
            }
        }

        // From the timer interrupt: run every expired timer's callback (they only wake threads).
        public static void ExpireDue(ulong nowNs)
        {
            CpuData* cpu = PerCpu.Current;
            while (cpu->TimerHead != null && cpu->TimerHead->DeadlineNs <= nowNs)
            {
                Timer* t = cpu->TimerHead;
                Unlink(t);
                System.Threading.Interlocked.Increment(ref Fired);
                Trace.TimerFire.Hit((ulong)t, t->DeadlineNs);
                t->Callback(t->Arg);
            }
        }
    }
}
