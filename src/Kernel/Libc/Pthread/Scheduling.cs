using System.Runtime;
using System.Threading;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Console;
using Nimbus.Kernel.Libc.Stdlib;
using Nimbus.Kernel.Libc.Unistd;

namespace Nimbus.Kernel.Libc.Pthread
{
    // Scheduling (<sched.h>, setpriority): nice values, scheduling policies and priorities (only
    // SCHED_OTHER, with the nice-weighted fair scheduler; the real-time policies are refused with
    // EPERM, as Linux refuses them to an unprivileged process) and the thread attributes for them,
    // yielding, and CPU affinity.
    internal static unsafe class Scheduling
    {
        public const int SchedOther = 0, SchedFifo = 1, SchedRr = 2, SchedBatch = 3, SchedIdle = 5;
        private const int PrioProcess = 0;                 // PRIO_PGRP and PRIO_USER: EINVAL

        // ---- nice values: the kernel thread's Nice, which weights its share of the CPU ----

        // PRIO_PROCESS names a thread, as on Linux (0: the caller); the other kinds are not supported.
        private static KThread* ThreadFor(int which, int who) => which == PrioProcess ? ThreadById(who) : null;

        [RuntimeExport("abi_getpriority")]
        private static int GetPriority(int which, int who)
        {
            KThread* t = ThreadFor(which, who);
            if (t == null) return LibcErrno.Fail(which == PrioProcess ? -Errno.ESRCH : -Errno.EINVAL);
            return t->Nice;
        }

        [RuntimeExport("abi_setpriority")]
        private static int SetPriority(int which, int who, int nice)
        {
            KThread* t = ThreadFor(which, who);
            if (t == null) return LibcErrno.Fail(which == PrioProcess ? -Errno.ESRCH : -Errno.EINVAL);
            t->Nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
            return 0;
        }

        // nice(inc): the calling thread's new nice value.
        [RuntimeExport("abi_nice")]
        private static int Nice(int increment)
        {
            KThread* t = Scheduler.Current;
            int nice = t->Nice + increment;
            t->Nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
            return t->Nice;
        }

        // ---- scheduling policies ----

        [RuntimeExport("abi_sched_get_priority_max")]
        private static int PriorityMax(int policy) => policy == SchedFifo || policy == SchedRr ? 99 : IsPolicy(policy) ? 0 : Invalid();
        [RuntimeExport("abi_sched_get_priority_min")]
        private static int PriorityMin(int policy) => policy == SchedFifo || policy == SchedRr ? 1 : IsPolicy(policy) ? 0 : Invalid();

        private static bool IsPolicy(int p) => p == SchedOther || p == SchedFifo || p == SchedRr || p == SchedBatch || p == SchedIdle;
        private static int Invalid() => LibcErrno.Fail(-Errno.EINVAL);

        [RuntimeExport("abi_sched_getscheduler")]
        private static int GetScheduler(int pid) => SchedOther;

        [RuntimeExport("abi_sched_setscheduler")]
        private static int SetScheduler(int pid, int policy, int* priority)
        {
            int e = CheckPolicy(policy, priority == null ? 0 : *priority);
            if (e == 0) return 0;
            return LibcErrno.Fail(-e);
        }

        // SCHED_OTHER (and BATCH and IDLE, which Linux also runs fairly) with priority 0 is what every
        // thread has; a real-time policy is refused.
        private static int CheckPolicy(int policy, int priority)
        {
            if (!IsPolicy(policy)) return Errno.EINVAL;
            if (policy == SchedFifo || policy == SchedRr) return priority < 1 || priority > 99 ? Errno.EINVAL : Errno.EPERM;
            return priority == 0 ? 0 : Errno.EINVAL;
        }

        [RuntimeExport("abi_pthread_setschedparam")]
        private static int SetSchedParam(PThread* p, int policy, int* priority) => CheckPolicy(policy, priority == null ? 0 : *priority);

        [RuntimeExport("abi_pthread_getschedparam")]
        private static int GetSchedParam(PThread* p, int* policy, int* priority)
        {
            *policy = SchedOther;
            *priority = 0;
            return 0;
        }

        [RuntimeExport("abi_pthread_setschedprio")]
        private static int SetSchedPrio(PThread* p, int priority) => priority == 0 ? 0 : Errno.EINVAL;

        [RuntimeExport("abi_pthread_attr_setschedpolicy")]
        private static int AttrSetPolicy(Threads.Attr* a, int policy) { if (!IsPolicy(policy)) return Errno.EINVAL; a->Policy = policy; return 0; }
        [RuntimeExport("abi_pthread_attr_getschedpolicy")]
        private static int AttrGetPolicy(Threads.Attr* a, int* policy) { *policy = a->Policy; return 0; }
        [RuntimeExport("abi_pthread_attr_setschedparam")]
        private static int AttrSetParam(Threads.Attr* a, int* priority) { a->Priority = *priority; return 0; }
        [RuntimeExport("abi_pthread_attr_getschedparam")]
        private static int AttrGetParam(Threads.Attr* a, int* priority) { *priority = a->Priority; return 0; }
        // PTHREAD_INHERIT_SCHED (0) or PTHREAD_EXPLICIT_SCHED (1): pthread_create refuses an explicit real-time policy.
        [RuntimeExport("abi_pthread_attr_setinheritsched")]
        private static int AttrSetInherit(Threads.Attr* a, int inherit) { if (inherit != 0 && inherit != 1) return Errno.EINVAL; a->ExplicitScheduling = inherit; return 0; }
        [RuntimeExport("abi_pthread_attr_getinheritsched")]
        private static int AttrGetInherit(Threads.Attr* a, int* inherit) { *inherit = a->ExplicitScheduling; return 0; }
        // Only PTHREAD_SCOPE_SYSTEM (0), as on Linux.
        [RuntimeExport("abi_pthread_attr_setscope")]
        private static int AttrSetScope(Threads.Attr* a, int scope) => scope == 0 ? 0 : scope == 1 ? Errno.EOPNOTSUPP : Errno.EINVAL;
        [RuntimeExport("abi_pthread_attr_getscope")]
        private static int AttrGetScope(Threads.Attr* a, int* scope) { *scope = 0; return 0; }

        [RuntimeExport("abi_sched_yield")]
        private static int SchedYield() { Scheduler.Yield(); return 0; }

        [RuntimeExport("abi_sched_getcpu")]
        private static int SchedGetCpu() => PerCpu.CurrentIndex;

        // CPU affinity. A thread is either free (the load balancer places it: its mask is every CPU)
        // or pinned to one CPU. A mask that allows every online CPU frees the calling thread; any
        // other pins it to one CPU of the mask (the one it runs on, if allowed, else the lowest).
        // Only the calling thread can be moved; another thread's mask is read, not changed.
        private static void FillAffinity(KThread* t, ulong size, byte* mask)
        {
            for (ulong i = 0; i < size; i++) mask[i] = 0;
            for (int c = 0; c < PerCpu.Count && (ulong)(c / 8) < size; c++)
                if (t == null || t->Pinned == 0 || t->Cpu == c) mask[c / 8] |= (byte)(1 << (c % 8));
        }

        [RuntimeExport("abi_pthread_setaffinity_np")]
        private static int SetAffinity(PThread* p, ulong size, byte* mask)
        {
            if (mask == null) return Errno.EFAULT;
            int chosen = -1, allowed = 0, here = PerCpu.CurrentIndex;
            for (int c = 0; c < PerCpu.Count; c++)
            {
                if ((ulong)(c / 8) >= size || (mask[c / 8] & (1 << (c % 8))) == 0) continue;
                allowed++;
                if (chosen < 0 || c == here) chosen = c;
            }
            if (chosen < 0) return Errno.EINVAL;                  // no online CPU in the mask
            if (p != Threads.Current)
            {
                if (Interlocked.Exchange(ref s_affinityWarned, 1) == 0)
                    Log.Error($"nimbus: pthread_setaffinity_np: only the calling thread can be moved; the mask of another thread is ignored");
                return 0;
            }
            Scheduler.MoveCurrentTo(chosen, pin: allowed < PerCpu.Count);
            return 0;
        }

        private static int s_affinityWarned;

        // sched_*affinity name a thread by id: 0 or its own id is the caller, the process id the main thread.
        internal static KThread* ThreadById(int pid) =>
            pid == 0 || pid == Scheduler.CurrentId ? Scheduler.Current
            : pid == Identity.ProcessId && Threads.MainThread != null ? Threads.MainThread : Scheduler.Find(pid);

        [RuntimeExport("abi_sched_getaffinity")]
        private static int SchedGetAffinity(int pid, ulong size, byte* mask)
        {
            KThread* t = ThreadById(pid);
            if (t == null) return LibcErrno.Fail(-Errno.ESRCH);
            FillAffinity(t, size, mask);
            return 0;
        }

        [RuntimeExport("abi_pthread_getaffinity_np")]
        private static int PthreadGetAffinity(PThread* p, ulong size, byte* mask)
        {
            FillAffinity(p == null ? null : p->Thread, size, mask);
            return 0;
        }

        [RuntimeExport("abi_sched_setaffinity")]
        private static int SchedSetAffinity(int pid, ulong size, byte* mask)
        {
            KThread* t = ThreadById(pid);
            int e = t == null ? Errno.ESRCH : SetAffinity(t == Scheduler.Current ? Threads.Current : (PThread*)t->AppThread, size, mask);
            if (e == 0) return 0;
            return LibcErrno.Fail(-e);
        }

        [RuntimeExport("abi___sched_cpucount")]
        private static int CpuCount(ulong size, byte* set)
        {
            int n = 0;
            for (ulong i = 0; i < size; i++) for (int b = 0; b < 8; b++) if ((set[i] & (1 << b)) != 0) n++;
            return n;
        }

        [RuntimeExport("abi___sched_cpualloc")]
        private static void* CpuAlloc(ulong count) => Malloc.Allocate(((count + 63) / 64) * 8);

        [RuntimeExport("abi___sched_cpufree")]
        private static void CpuFree(void* set) => Malloc.Free(set);
    }
}
