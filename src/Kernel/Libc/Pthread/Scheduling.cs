using System.Runtime;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Sync;
using Nimbus.Kernel.Abi;

namespace Nimbus.Kernel.Libc.Pthread
{
    // The rest of the thread knobs C programs set: nice values (setpriority, nice), scheduling
    // policies and priorities (only SCHED_OTHER, with the nice-weighted fair scheduler; the
    // real-time policies are refused with EPERM, as Linux refuses them to an unprivileged process),
    // thread attributes for them, the process-shared, protocol and robustness attributes of mutexes,
    // condition variables, rwlocks and barriers, cancellation state, and fork handlers.
    internal static unsafe class Scheduling
    {
        public const int SchedOther = 0, SchedFifo = 1, SchedRr = 2, SchedBatch = 3, SchedIdle = 5;
        private const int PrioProcess = 0;                 // PRIO_PGRP and PRIO_USER: EINVAL
        private const int Shared = 0x100;               // the process-shared bit in our attribute words

        // ---- nice values: the kernel thread's Nice, which weights its share of the CPU ----

        // PRIO_PROCESS names a thread, as on Linux (0: the caller); the other kinds are not supported.
        private static KThread* ThreadFor(int which, int who) => which == PrioProcess ? Threads.ThreadById(who) : null;

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

        // ---- process-shared, protocol and robustness attributes ----
        // There is one process, so a "process-shared" object simply works for all its threads; the
        // setting is kept so that the getter returns it. Priority inheritance or protection and robust
        // mutexes are not implemented: asking for them is ENOTSUP, not silently ignored.

        private static int SetShared(int* a, int shared)
        {
            if (shared != 0 && shared != 1) return Errno.EINVAL;
            *a = shared != 0 ? *a | Shared : *a & ~Shared;
            return 0;
        }

        private static int GetShared(int* a, int* shared) { *shared = (*a & Shared) != 0 ? 1 : 0; return 0; }

        [RuntimeExport("abi_pthread_mutexattr_setpshared")]
        private static int MutexAttrSetShared(int* a, int shared) => SetShared(a, shared);
        [RuntimeExport("abi_pthread_mutexattr_getpshared")]
        private static int MutexAttrGetShared(int* a, int* shared) => GetShared(a, shared);
        [RuntimeExport("abi_pthread_condattr_setpshared")]
        private static int CondAttrSetShared(int* a, int shared) => SetShared(a, shared);
        [RuntimeExport("abi_pthread_condattr_getpshared")]
        private static int CondAttrGetShared(int* a, int* shared) => GetShared(a, shared);
        [RuntimeExport("abi_pthread_rwlockattr_init")]
        private static int RwAttrInit(int* a) { *a = 0; return 0; }
        [RuntimeExport("abi_pthread_rwlockattr_destroy")]
        private static int RwAttrDestroy(int* a) => 0;
        [RuntimeExport("abi_pthread_rwlockattr_setpshared")]
        private static int RwAttrSetShared(int* a, int shared) => SetShared(a, shared);
        [RuntimeExport("abi_pthread_rwlockattr_getpshared")]
        private static int RwAttrGetShared(int* a, int* shared) => GetShared(a, shared);
        [RuntimeExport("abi_pthread_barrierattr_setpshared")]
        private static int BarrierAttrSetShared(int* a, int shared) => SetShared(a, shared);
        [RuntimeExport("abi_pthread_barrierattr_getpshared")]
        private static int BarrierAttrGetShared(int* a, int* shared) => GetShared(a, shared);

        // PTHREAD_PRIO_NONE (0) only.
        [RuntimeExport("abi_pthread_mutexattr_setprotocol")]
        private static int MutexAttrSetProtocol(int* a, int protocol) => protocol == 0 ? 0 : protocol == 1 || protocol == 2 ? Errno.EOPNOTSUPP : Errno.EINVAL;
        [RuntimeExport("abi_pthread_mutexattr_getprotocol")]
        private static int MutexAttrGetProtocol(int* a, int* protocol) { *protocol = 0; return 0; }
        // PTHREAD_MUTEX_STALLED (0) only.
        [RuntimeExport("abi_pthread_mutexattr_setrobust")]
        private static int MutexAttrSetRobust(int* a, int robust) => robust == 0 ? 0 : robust == 1 ? Errno.EOPNOTSUPP : Errno.EINVAL;
        [RuntimeExport("abi_pthread_mutexattr_getrobust")]
        private static int MutexAttrGetRobust(int* a, int* robust) { *robust = 0; return 0; }

        // ---- cancellation and fork ----
        // pthread_cancel is not provided (a program that uses it is told at load time), so no thread
        // is ever cancelled: the state can be kept and reported, and testing for a pending cancel
        // finds none.

        [RuntimeExport("abi_pthread_setcancelstate")]
        private static int SetCancelState(int state, int* old) => Keep(ref Threads.Current->CancelState, state, old);
        [RuntimeExport("abi_pthread_setcanceltype")]
        private static int SetCancelType(int type, int* old) => Keep(ref Threads.Current->CancelType, type, old);
        [RuntimeExport("abi_pthread_testcancel")]
        private static void TestCancel() { }

        private static int Keep(ref int field, int value, int* old)
        {
            if (value != 0 && value != 1) return Errno.EINVAL;
            if (old != null) *old = field;
            field = value;
            return 0;
        }

        // fork fails (there is one process), so fork handlers never run; registering them succeeds.
        [RuntimeExport("abi_pthread_atfork")]
        private static int AtFork(void* prepare, void* parent, void* child) => 0;
        [RuntimeExport("abi___register_atfork")]
        private static int RegisterAtFork(void* prepare, void* parent, void* child, void* dso) => 0;

        [RuntimeExport("abi_pthread_yield")]
        private static int Yield() { Scheduler.Yield(); return 0; }
    }
}
