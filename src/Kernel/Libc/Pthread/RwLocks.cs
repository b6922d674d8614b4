using System.Runtime;
using System.Threading;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sync;
using Nimbus.Kernel.Abi;
using Nimbus.Kernel.Libc.Time;

namespace Nimbus.Kernel.Libc.Pthread
{
    // pthread reader-writer locks: a pointer to a kernel RwLock made on first use.
    internal static unsafe class RwLocks
    {
        // Reader-writer locks: a kernel RwLock made on first use.
        private static RwLock* RwOf(ulong* slot)
        {
            RwLock* r = (RwLock*)Volatile.Read(ref *slot);
            if (r != null) return r;
            var fresh = (RwLock*)KernelHeap.AllocZeroed((ulong)sizeof(RwLock));
            if (Interlocked.CompareExchange(ref *(long*)slot, (long)fresh, 0) != 0) { KernelHeap.Free(fresh); return (RwLock*)*slot; }
            return fresh;
        }

        // Which way the current thread holds a rwlock is not recorded by the kernel lock; the write
        // owner is, so unlock asks it.
        [RuntimeExport("abi_pthread_rwlock_init")]
        private static int RwInit(ulong* r, void* attr) { for (int i = 0; i < 7; i++) r[i] = 0; return 0; }
        [RuntimeExport("abi_pthread_rwlock_destroy")]
        private static int RwDestroy(ulong* r) { var l = (RwLock*)*r; if (l != null) { *r = 0; KernelHeap.Free(l); } return 0; }
        // Locking again what the thread holds for writing would deadlock: EDEADLK, as glibc says.
        [RuntimeExport("abi_pthread_rwlock_rdlock")]
        private static int RwRead(ulong* r)
        {
            RwLock* l = RwOf(r);
            if (l->IsWriteLockedByCurrentThread) return Errno.EDEADLK;
            l->ReadLock();
            return 0;
        }
        [RuntimeExport("abi_pthread_rwlock_tryrdlock")]
        private static int RwTryRead(ulong* r) => RwOf(r)->TryReadLock() ? 0 : Errno.EBUSY;
        [RuntimeExport("abi_pthread_rwlock_wrlock")]
        private static int RwWrite(ulong* r)
        {
            RwLock* l = RwOf(r);
            if (l->IsWriteLockedByCurrentThread) return Errno.EDEADLK;
            l->WriteLock();
            return 0;
        }
        [RuntimeExport("abi_pthread_rwlock_trywrlock")]
        private static int RwTryWrite(ulong* r) => RwOf(r)->TryWriteLock() ? 0 : Errno.EBUSY;

        // Timed rwlocks retry like timed mutexes (the rwlock's queues have no timed waiters either).
        private static bool TryRead(void* l) => ((RwLock*)l)->TryReadLock();
        private static bool TryWrite(void* l) => ((RwLock*)l)->TryWriteLock();

        private static int RwTimed(ulong* r, bool write, int clock, TimeSpec* abstime)
        {
            RwLock* l = RwOf(r);
            if (l->IsWriteLockedByCurrentThread) return Errno.EDEADLK;
            if (write ? l->TryWriteLock() : l->TryReadLock()) return 0;
            if (abstime->Nanoseconds < 0 || abstime->Nanoseconds >= 1_000_000_000) return Errno.EINVAL;
            return Mutexes.RetryUntil(write ? &TryWrite : &TryRead, l, TimeFunctions.DeadlineFromAbsolute(clock, abstime));
        }

        [RuntimeExport("abi_pthread_rwlock_timedrdlock")]
        private static int RwTimedRead(ulong* r, TimeSpec* abstime) => RwTimed(r, false, TimeFunctions.ClockRealtime, abstime);
        [RuntimeExport("abi_pthread_rwlock_timedwrlock")]
        private static int RwTimedWrite(ulong* r, TimeSpec* abstime) => RwTimed(r, true, TimeFunctions.ClockRealtime, abstime);
        [RuntimeExport("abi_pthread_rwlock_clockrdlock")]
        private static int RwClockRead(ulong* r, int clock, TimeSpec* abstime) => RwTimed(r, false, clock, abstime);
        [RuntimeExport("abi_pthread_rwlock_clockwrlock")]
        private static int RwClockWrite(ulong* r, int clock, TimeSpec* abstime) => RwTimed(r, true, clock, abstime);
        [RuntimeExport("abi_pthread_rwlock_unlock")]
        private static int RwUnlock(ulong* r)
        {
            RwLock* l = RwOf(r);
            if (l->IsWriteLockedByCurrentThread) l->WriteUnlock();
            else if (l->Readers > 0) l->ReadUnlock();
            else return Errno.EPERM;                                  // nobody holds it
            return 0;
        }
    }
}
