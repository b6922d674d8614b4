using System.Threading;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Sync
{
    // Counting semaphore. Zero-initialised memory is a semaphore with count 0.
    //
    // _count holds the available units. TryWait takes one with a CAS (never below 0), without any
    // lock. Waiters queue stack-resident records in a FIFO list protected by an internal Mutex.
    //
    // No lost wake-ups, without Post taking the lock when nobody waits: a waiter appends its record
    // and then (full fence) tries TryWait once more; Post adds to _count (full fence) and then looks
    // at the list. One of the two must see the other's write: either the waiter finds the unit (and
    // takes its record back out), or Post sees the waiter and, under the lock, moves units from
    // _count to queued waiters in FIFO order: it takes a unit with the same CAS on the waiter's
    // behalf, marks the record Granted and wakes it. A woken waiter already owns its unit.
    //
    // A timed-out waiter takes the lock: if its record is still Queued it removes it and returns
    // false; if it was Granted meanwhile (the grant happens under the lock) it returns true.
    //
    // Units posted to _count can be taken by a TryWait that arrives before a queued waiter is served
    // (barging): throughput over strict FIFO, as with most kernel semaphores.
    public unsafe struct Semaphore
    {
        private int _count;
        private Mutex _lock;
        private WaitList _waiters;

        private const int Queued = 0;
        private const int Granted = 1;

        public Semaphore(int initialCount)
        {
            if (initialCount < 0) Panic.Fail("semaphore: negative initial count");
            this = default;
            _count = initialCount;
        }

        // Units available right now (a snapshot).
        public int Count => Volatile.Read(in _count);

        public bool TryWait()
        {
            int c = Volatile.Read(in _count);
            while (c > 0)
            {
                int seen = Interlocked.CompareExchange(ref _count, c - 1, c);
                if (seen == c) return true;
                c = seen;
            }
            return false;
        }

        public void Wait() => WaitCore(0, false);

        // False if the deadline passed without a unit.
        public bool WaitUntil(ulong deadlineNs) => WaitCore(deadlineNs, true);

        private bool WaitCore(ulong deadlineNs, bool timed)
        {
            if (TryWait()) return true;
            WaitRecord w = default;
            w.Thread = Parking.CurrentThread();
            w.State = Queued;
            _lock.Lock();
            _waiters.Append(&w);
            Interlocked.MemoryBarrier();        // the record is visible before we read _count again
            if (TryWait())
            {
                _waiters.Remove(&w);
                _lock.Unlock();
                return true;
            }
            _lock.Unlock();

            if (!timed)
            {
                Parking.Park(&w.Flag);
                return true;
            }
            if (Parking.Park(&w.Flag, deadlineNs)) return true;
            _lock.Lock();
            bool granted = w.State == Granted;
            if (!granted) _waiters.Remove(&w);
            _lock.Unlock();
            return granted;
        }

        public void Post() => Post(1);

        public void Post(int n)
        {
            if (n <= 0)
            {
                if (n < 0) Panic.Fail("semaphore: negative post");
                return;
            }
            if (Interlocked.Add(ref _count, n) < 0) Panic.Fail("semaphore: count overflow");
            if (_waiters.Head == null) return;      // racy, but see the pairing above
            _lock.Lock();
            while (_waiters.Head != null && TryWait())
            {
                WaitRecord* w = _waiters.RemoveFirst();
                w->State = Granted;
                WaitRecord.Wake(w);
            }
            _lock.Unlock();
        }
    }
}
