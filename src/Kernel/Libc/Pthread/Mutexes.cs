using System.Runtime;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Sync;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Start;
using Nimbus.Kernel.Libc.Time;

namespace Nimbus.Kernel.Libc.Pthread
{
    // pthread mutexes: the kernel's lock-free mutex in place (pthread_mutex_t holds a kernel Mutex,
    // all 40 bytes, with the type where glibc keeps it), with the checks of the mutex types in front.
    internal static unsafe class Mutexes
    {
        // Mutexes: the kernel's lock-free mutex in place (it is recursive; NORMAL and ERRORCHECK
        // mutexes relocked by their owner therefore succeed instead of deadlocking or failing).
        // Mutex types (glibc's values; a static initialiser such as PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP
        // stores one at offset 16, where Mutex keeps Kind). The kernel mutex is always recursive;
        // the other types are enforced here, before it is called.
        private const int MutexRecursive = 1, MutexErrorCheck = 2;     // 0 normal and 3 adaptive: no relocking

        private static int TypeOf(Mutex* m) => m->Kind & 3;

        [RuntimeExport("abi_pthread_mutex_init")]
        private static int MutexInit(Mutex* m, int* attr)
        {
            *m = default;
            if (attr != null) m->Kind = *attr & 3;
            return 0;
        }
        [RuntimeExport("abi_pthread_mutex_destroy")]
        private static int MutexDestroy(Mutex* m) => m->IsLocked ? Errno.EBUSY : 0;
        [RuntimeExport("abi_pthread_mutex_lock")]
        private static int MutexLock(Mutex* m)
        {
            // A free mutex needs none of the type checks below (they are about relocking): take it first.
            void* me = Parking.CurrentApplicationThread();
            if (m->TryLockFree(me)) return 0;
            return LockHeld(m, me);
        }

        // The mutex is held or contended: a relock by its owner follows the mutex's type.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static int LockHeld(Mutex* m, void* me)
        {
            if (m->Owner == me)
            {
                if (TypeOf(m) != MutexRecursive) return Relock(m);
                if (m->Depth == Mutex.MaxDepth) return Errno.EAGAIN;      // as glibc, instead of the kernel mutex's panic
            }
            m->LockAs(me);
            return 0;
        }
        [RuntimeExport("abi_pthread_mutex_trylock")]
        private static int MutexTryLock(Mutex* m)
        {
            if (m->Owner != null && m->IsLockedByCurrentThread && (TypeOf(m) != MutexRecursive || m->Depth == Mutex.MaxDepth))
                return TypeOf(m) == MutexRecursive ? Errno.EAGAIN : Errno.EBUSY;
            return m->TryLock() ? 0 : Errno.EBUSY;
        }
        // A timed lock does not join the mutex's waiter queue: a queued record can only leave it when
        // the mutex's consumer pops it, so a waiter could not give up at its deadline. Instead it
        // retries with sleeps that double from 1 us to 1 ms, so it notices a release within 1 ms.
        [RuntimeExport("abi_pthread_mutex_clocklock")]
        private static int TimedLock(Mutex* m, int clock, TimeSpec* abstime)
        {
            bool mine = m->Owner != null && m->IsLockedByCurrentThread;
            if (mine && TypeOf(m) == MutexRecursive && m->Depth == Mutex.MaxDepth) return Errno.EAGAIN;
            bool relock = mine && TypeOf(m) != MutexRecursive;
            if (relock && TypeOf(m) == MutexErrorCheck) return Errno.EDEADLK;
            if (!relock && m->TryLock()) return 0;
            if (abstime->Nanoseconds < 0 || abstime->Nanoseconds >= 1_000_000_000) return Errno.EINVAL;
            ulong deadline = TimeFunctions.DeadlineFromAbsolute(clock, abstime);
            if (relock)                                     // a normal mutex it holds: glibc waits out the deadline
            {
                Scheduler.SleepUntil(deadline);
                return Errno.ETIMEDOUT;
            }
            return RetryUntil(&TryMutex, m, deadline);
        }

        private static bool TryMutex(void* m) => ((Mutex*)m)->TryLock();

        // Calls tryLock(lock) after sleeps that double from 1 us to 1 ms until it succeeds (0) or the
        // deadline passes (ETIMEDOUT): the timed lock functions, which cannot leave a waiter queue.
        internal static int RetryUntil(delegate*<void*, bool> tryLock, void* lockObject, ulong deadline)
        {
            for (ulong pause = 1_000; ; pause = pause < 1_000_000 ? pause * 2 : pause)
            {
                ulong now = Nimbus.Kernel.Time.Clock.NowNs();
                if (now >= deadline) return Errno.ETIMEDOUT;
                Scheduler.SleepUntil(deadline - now < pause ? deadline : now + pause);
                if (tryLock(lockObject)) return 0;
            }
        }

        [RuntimeExport("abi_pthread_mutex_timedlock")]
        private static int MutexTimedLock(Mutex* m, TimeSpec* abstime) => TimedLock(m, TimeFunctions.ClockRealtime, abstime);

        [RuntimeExport("abi_pthread_mutex_unlock")]
        private static int MutexUnlock(Mutex* m)
        {
            void* me = Parking.CurrentApplicationThread();
            if (m->Owner != me) return Errno.EPERM;               // as an error-checking mutex reports
            m->UnlockOwned();
            return 0;
        }

        // A thread locks a non-recursive mutex it already holds: an error-checking mutex says EDEADLK;
        // a normal one would deadlock for ever under glibc, so the program is ended with a report
        // instead of hanging the VM.
        private static int Relock(Mutex* m)
        {
            if (TypeOf(m) == MutexErrorCheck) return Errno.EDEADLK;
            Process.Die("pthread_mutex_lock: the calling thread already holds this (non-recursive) mutex: a deadlock", 134);
            return Errno.EDEADLK;
        }
        [RuntimeExport("abi_pthread_mutexattr_init")]
        private static int MutexAttrInit(int* a) { *a = 0; return 0; }
        [RuntimeExport("abi_pthread_mutexattr_destroy")]
        private static int MutexAttrDestroy(int* a) => 0;
        [RuntimeExport("abi_pthread_mutexattr_settype")]
        private static int MutexAttrSetType(int* a, int type) { if (type < 0 || type > 3) return Errno.EINVAL; *a = (*a & ~3) | type; return 0; }
        [RuntimeExport("abi_pthread_mutexattr_gettype")]
        private static int MutexAttrGetType(int* a, int* type) { *type = *a & 3; return 0; }
    }
}
