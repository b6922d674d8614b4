using System.Threading;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Sync
{
    // Condition variable with wait morphing. Zero-initialised memory is valid. (56 bytes: a
    // pthread_cond_t holds a pointer to one, made on first use.)
    //
    // Waiters are kept in a FIFO list of stack-resident WaitRecords, protected by a small internal
    // Mutex (_lock): it is held only for a few pointer operations, and it is itself lock-free and
    // sleeping, so nothing spins.
    //
    // Wait(m): append our record (remembering m) under _lock, then release m completely (saving the
    // recursion depth), then park on the record's flag.
    //
    // Signal / Broadcast (wait morphing): under _lock, unlink the oldest record (or all of them) and
    // mark each as moved; after dropping _lock, hand each record to its mutex with Mutex.SendLock.
    // SendLock registers the record on the mutex exactly as if its thread had called Lock() and found
    // the mutex held: the record joins the mutex's waiter queue. So a signalled waiter is not woken
    // just to find the mutex held by its signaller: it stays parked until an unlock (or SendLock
    // itself, if the mutex is free) wakes it as the mutex's heir, and then returns holding the mutex
    // (ReceiveLock competes for it and restores the depth). A Broadcast therefore wakes the waiters
    // one at a time, as the mutex is released, instead of waking them all to fight over it.
    //
    // Timed waits: when Park times out (flag still 0), the waiter takes _lock and looks at its
    // record's State, which only changes under _lock:
    //  - still Queued: nobody signalled it; it unlinks its record, re-locks m the ordinary way and
    //    returns false.
    //  - Moved: a signaller unlinked it before the timeout could take effect, and the record is (or is
    //    about to be) on m's waiter queue. It must not leave: it parks again, without a deadline, until
    //    m wakes it as the heir, and returns true (the signal was delivered; the wait did not time out).
    // Either way the record is never touched by anyone after its thread returns: a Queued record is
    // only reachable through the list (which its owner leaves under _lock), and a Moved one is woken
    // (flag set) only by the mutex, after which nobody but its own thread touches it.
    //
    // Records moved by a signaller are unlinked under _lock but passed to SendLock after _lock is
    // dropped; that is safe because a Moved record stays valid until its flag is set, and only the
    // mutex sets it.
    public unsafe struct CondVar
    {
        private Mutex _lock;
        private WaitList _waiters;

        private const int Queued = 0;
        private const int Moved = 1;

        public void Wait(Mutex* m) => WaitCore(m, 0, false);

        // Returns false if the deadline (Parking.NowNs clock) passed without a signal. Either way the
        // caller holds m again when it returns.
        public bool WaitUntil(Mutex* m, ulong deadlineNs) => WaitCore(m, deadlineNs, true);

        private bool WaitCore(Mutex* m, ulong deadlineNs, bool timed)
        {
            if (!m->IsLockedByCurrentThread) Panic.Fail("condvar: wait without holding the mutex");
            WaitRecord w = default;
            w.Thread = Parking.CurrentThread();
            w.Mutex = m;
            w.State = Queued;
            _lock.Lock();
            _waiters.Append(&w);
            _lock.Unlock();
            int depth = m->ReleaseAll();

            if (timed && !Parking.Park(&w.Flag, deadlineNs))
            {
                _lock.Lock();
                bool stillQueued = w.State == Queued;
                if (stillQueued) _waiters.Remove(&w);
                _lock.Unlock();
                if (stillQueued)
                {
                    m->LockWithDepth(depth);
                    return false;
                }
                Interlocked.Increment(ref SyncStats.MorphedAfterTimeout);
                Parking.Park(&w.Flag);
            }
            else if (!timed)
            {
                Parking.Park(&w.Flag);
            }
            m->ReceiveLock(&w, depth);
            return true;
        }

        public void Signal()
        {
            if (IsEmptySnapshot) return;
            _lock.Lock();
            WaitRecord* w = _waiters.RemoveFirst();
            if (w != null) w->State = Moved;
            _lock.Unlock();
            if (w != null) w->Mutex->SendLock(w);
        }

        public void Broadcast()
        {
            if (IsEmptySnapshot) return;
            _lock.Lock();
            WaitRecord* w = _waiters.TakeAll();
            for (WaitRecord* p = w; p != null; p = p->Next) p->State = Moved;
            _lock.Unlock();
            while (w != null)
            {
                WaitRecord* next = w->Next;     // SendLock reuses Next (and may end the record's life)
                w->Mutex->SendLock(w);
                w = next;
            }
        }

        // A racy look at the list: a waiter appends itself before it releases its mutex, so a
        // signaller that holds that mutex always sees it. (Without the mutex, POSIX promises nothing.)
        private bool IsEmptySnapshot => _waiters.Head == null;
    }
}
