using System.Threading;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Time;

namespace Nimbus.Kernel.Sched
{
    // Moving threads between CPUs: each CPU's housekeeper pushes work to the least loaded CPU
    // (never pulls), and sched_setaffinity moves the calling thread. See docs/architecture.md.
    internal static unsafe partial class Scheduler
    {
        private static void HousekeeperLoop(void* unused)
        {
            CpuData* self = PerCpu.Current;
            while (true)
            {
                if (PerCpu.Count > 1) Parking.Park(&self->HousekeepRequest, Clock.NowNs() + BalanceIntervalNs);
                else Parking.Park(&self->HousekeepRequest);
                Volatile.Write(ref self->HousekeepRequest, 0);
                if (self->Reap != null) ReapDead(self);
                if (PerCpu.Count > 1) Balance(self);
            }
        }

        // If this CPU has at least two more runnable threads than the least loaded CPU, hand one (the
        // one that would run last) over to it.
        public static long BalanceRuns, Migrations;

        private static void Balance(CpuData* self)
        {
            Interlocked.Increment(ref BalanceRuns);
            CpuData* target = null;
            int min = int.MaxValue;
            for (int i = 0; i < PerCpu.Count; i++)
            {
                CpuData* c = PerCpu.Get(i);
                if (c == self || Volatile.Read(ref c->Online) == 0) continue;
                int r = Volatile.Read(ref c->Runnable) + (c->Current != c->Idle ? 1 : 0);
                if (r < min) { min = r; target = c; }
            }
            if (target == null) return;
            using (new InterruptsDisabled())
            {
                int mine = self->Runnable;      // the housekeeper itself is running, not counted
                if (mine < min + 2) return;
                KThread* t = self->RunHead;
                while (t != null && t->RunNext != null) t = t->RunNext;
                while (t != null && t->Pinned != 0) t = t->RunPrev;
                if (t == null) return;
                Unlink(self, t);
                Interlocked.Increment(ref Migrations);
                HandOver(self, t, target);
            }
        }

        // Gives a thread that is on no run queue and not running to another CPU (interrupts off).
        private static void HandOver(CpuData* from, KThread* t, CpuData* target)
        {
            MigrateTrace.Hit((ulong)t->Id, (ulong)target->Index);
            // Virtual run times are per CPU: carry it relative to this CPU's minimum.
            t->VRuntime = t->VRuntime > from->MinVRuntime ? t->VRuntime - from->MinVRuntime : 0;
            t->Migrated = 1;
            t->State = ThreadState.Waking;
            t->Cpu = target->Index;
            PushIncoming(target, t);
        }

        // Moves the calling thread to another CPU (or keeps it here) and pins it there, or unpins
        // it: sched_setaffinity. The thread cannot queue itself on the other CPU while it still runs
        // on its stack here, so it switches away first (in state Waking, which no wake-up touches)
        // and the next thread here hands it over (FinishSwitch).
        public static void MoveCurrentTo(int cpuIndex, bool pin)
        {
            KThread* self = Current;
            if (self == null || (uint)cpuIndex >= (uint)PerCpu.Count || Volatile.Read(ref PerCpu.Get(cpuIndex)->Online) == 0) return;
            using (new InterruptsDisabled())
            {
                self->Pinned = pin ? 1 : 0;
                if (cpuIndex == PerCpu.CurrentIndex) return;
                self->MoveTo = cpuIndex + 1;
                self->State = ThreadState.Waking;
                Schedule();
            }
        }
    }
}
