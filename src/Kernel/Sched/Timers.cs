using Nimbus.Kernel.Arch.X64;

namespace Nimbus.Kernel.Sched
{
    // The CPU's timer list, sorted by deadline. The local APIC is armed (one-shot) for the earliest
    // deadline or the end of the running thread's time slice, whichever is first, and not at all when
    // there is nothing to wait for: no periodic tick. All operations run with interrupts disabled.
    internal static unsafe class Timers
    {
        private static Timer* s_head;
        public static ulong Fired;

        public static void Arm(Timer* t, ulong deadlineNs, delegate*<void*, void> callback, void* arg)
        {
            using (new InterruptsDisabled())
            {
                if (t->Armed != 0) Unlink(t);
                t->DeadlineNs = deadlineNs;
                t->Callback = callback;
                t->Arg = arg;
                t->Armed = 1;
                Timer* prev = null;
                Timer* next = s_head;
                while (next != null && next->DeadlineNs <= deadlineNs) { prev = next; next = next->Next; }
                t->Next = next;
                t->Prev = prev;
                if (next != null) next->Prev = t;
                if (prev != null) prev->Next = t; else s_head = t;
                if (s_head == t) Scheduler.ReprogramTimer();
            }
        }

        public static void Cancel(Timer* t)
        {
            using (new InterruptsDisabled())
                if (t->Armed != 0) Unlink(t);
        }

        private static void Unlink(Timer* t)
        {
            if (t->Prev != null) t->Prev->Next = t->Next; else s_head = t->Next;
            if (t->Next != null) t->Next->Prev = t->Prev;
            t->Next = t->Prev = null;
            t->Armed = 0;
        }

        public static ulong NextDeadline => s_head == null ? ulong.MaxValue : s_head->DeadlineNs;

        // From the timer interrupt: run every expired timer's callback (they only wake threads).
        public static void ExpireDue(ulong nowNs)
        {
            while (s_head != null && s_head->DeadlineNs <= nowNs)
            {
                Timer* t = s_head;
                Unlink(t);
                Fired++;
                Trace.TimerFire.Hit((ulong)t, t->DeadlineNs);
                t->Callback(t->Arg);
            }
        }
    }
}
