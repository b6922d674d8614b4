using System.Runtime;
using System.Threading;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sync;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Time;

namespace Nimbus.Kernel.Libc.Pthread
{
    // pthread condition variables: a pointer to a kernel CondVar made on first use (glibc's static
    // initialiser is all zeros), plus the clock its deadlines use.
    internal static unsafe class Conditions
    {
        // Condition variables: a kernel CondVar plus the clock its deadlines use, made on first use.
        private struct Cond { public CondVar Var; public int Clock; }

        private static Cond* CondOf(ulong* slot, int clock)
        {
            Cond* c = (Cond*)Volatile.Read(ref *slot);
            if (c != null) return c;
            var fresh = (Cond*)KernelHeap.AllocZeroed((ulong)sizeof(Cond));
            fresh->Clock = clock;
            if (Interlocked.CompareExchange(ref *(long*)slot, (long)fresh, 0) != 0) { KernelHeap.Free(fresh); return (Cond*)*slot; }
            return fresh;
        }

        [RuntimeExport("abi_pthread_condattr_init")]
        private static int CondAttrInit(int* a) { *a = 0; return 0; }
        [RuntimeExport("abi_pthread_condattr_destroy")]
        private static int CondAttrDestroy(int* a) => 0;
        [RuntimeExport("abi_pthread_condattr_setclock")]
        private static int CondAttrSetClock(int* a, int clock) { if (clock != 0 && clock != 1) return Errno.EINVAL; *a = (*a & ~0xFF) | clock; return 0; }
        [RuntimeExport("abi_pthread_condattr_getclock")]
        private static int CondAttrGetClock(int* a, int* clock) { *clock = *a & 0xFF; return 0; }

        [RuntimeExport("abi_pthread_cond_init")]
        private static int CondInit(ulong* c, int* attr)
        {
            for (int i = 0; i < 6; i++) c[i] = 0;
            CondOf(c, attr != null ? *attr & 0xFF : 0);
            return 0;
        }

        [RuntimeExport("abi_pthread_cond_destroy")]
        private static int CondDestroy(ulong* c)
        {
            var cond = (Cond*)*c;
            if (cond != null) { *c = 0; KernelHeap.Free(cond); }
            return 0;
        }

        [RuntimeExport("abi_pthread_cond_signal")]
        private static int CondSignal(ulong* c) { CondOf(c, 0)->Var.Signal(); return 0; }
        [RuntimeExport("abi_pthread_cond_broadcast")]
        private static int CondBroadcast(ulong* c) { CondOf(c, 0)->Var.Broadcast(); return 0; }
        // Waiting needs the mutex held: EPERM otherwise (as glibc says for an error-checking mutex),
        // rather than the kernel condition variable's panic.
        [RuntimeExport("abi_pthread_cond_wait")]
        private static int CondWait(ulong* c, Mutex* m)
        {
            if (!m->IsLockedByCurrentThread) return Errno.EPERM;
            CondOf(c, 0)->Var.Wait(m);
            return 0;
        }

        [RuntimeExport("abi_pthread_cond_timedwait")]
        private static int CondTimedWait(ulong* c, Mutex* m, TimeSpec* abstime)
        {
            if (!m->IsLockedByCurrentThread) return Errno.EPERM;
            Cond* cond = CondOf(c, 0);
            if (abstime->Nanoseconds < 0 || abstime->Nanoseconds >= 1_000_000_000) return Errno.EINVAL;
            ulong deadline = TimeFunctions.DeadlineFromAbsolute(cond->Clock, abstime);
            return cond->Var.WaitUntil(m, deadline) ? 0 : Errno.ETIMEDOUT;
        }

        [RuntimeExport("abi_pthread_cond_clockwait")]
        private static int CondClockWait(ulong* c, Mutex* m, int clock, TimeSpec* abstime)
        {
            if (!m->IsLockedByCurrentThread) return Errno.EPERM;
            if (abstime->Nanoseconds < 0 || abstime->Nanoseconds >= 1_000_000_000) return Errno.EINVAL;
            Cond* cond = CondOf(c, 0);
            ulong deadline = TimeFunctions.DeadlineFromAbsolute(clock, abstime);
            return cond->Var.WaitUntil(m, deadline) ? 0 : Errno.ETIMEDOUT;
        }
    }
}
