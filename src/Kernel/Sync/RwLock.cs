using System.Threading;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Sync
{
    // Reader-writer lock, phase-fair: neither readers nor writers starve. Zero-initialised memory is
    // an unlocked RwLock. Not recursive.
    //
    // _state: bits 0..29 the number of readers holding the lock, bit 30 (Writer) a writer holds it,
    // bit 31 (Pending) "the slow path is in charge". Uncontended operations are one CAS on _state and
    // take no lock: ReadLock adds a reader when neither Writer nor Pending is set, ReadUnlock removes
    // one when Pending is clear, WriteLock goes 0 -> Writer, WriteUnlock Writer -> 0.
    //
    // Everything else runs under an internal Mutex (_lock), after setting Pending with a CAS. Once
    // Pending is set every fast path fails (each one's CAS expects it clear), so from then on only
    // the holder of _lock changes _state: the slow paths work on a frozen word. Pending stays set as
    // long as a thread is queued; the slow path clears it when it leaves both queues empty.
    //
    // Policy (in the slow path):
    //  - A reader queues if a writer holds the lock or any writer is waiting. While a writer waits,
    //    Pending is set, so new readers cannot slip in through the fast path either.
    //  - A writer queues unless the lock is completely free.
    //  - When a writer unlocks, all waiting readers are admitted together (one phase), else the next
    //    writer. When the last reader unlocks, the next writer is admitted, else any waiting readers.
    // So a waiting writer gets the lock after at most the readers that were holding it or queued
    // before it, and a waiting reader after at most one writer.
    //
    // Admission happens for the waiter: the count (or Writer bit) is updated on its behalf under
    // _lock, then its record is woken; the woken thread already holds the lock.
    public unsafe struct RwLock
    {
        private int _state;
        private nint _writer;          // the writing thread, for the unlock check
        private Mutex _lock;
        private WaitList _readers, _writers;

        private const int ReaderMask = 0x3FFFFFFF;
        private const int Writer = 0x40000000;
        private const int Pending = unchecked((int)0x80000000);

        public int Readers => Volatile.Read(in _state) & ReaderMask;
        public bool IsWriteLocked => (Volatile.Read(in _state) & Writer) != 0;
        public bool IsWriteLockedByCurrentThread => Volatile.Read(in _writer) == (nint)Parking.CurrentThread();

        public void ReadLock()
        {
            if (TryReadFast()) return;
            if (IsWriteLockedByCurrentThread) Panic.Fail("rwlock: read lock by the thread holding the write lock (would deadlock)");
            _lock.Lock();
            int s = Freeze();
            if ((s & Writer) == 0 && _writers.IsEmpty)
            {
                AddReader(ref s);
                Thaw(s);
                _lock.Unlock();
                return;
            }
            WaitRecord w = default;
            w.Thread = Parking.CurrentThread();
            _readers.Append(&w);
            Thaw(s);
            _lock.Unlock();
            Parking.Park(&w.Flag);
        }

        public bool TryReadLock()
        {
            if (TryReadFast()) return true;
            if ((Volatile.Read(in _state) & Pending) == 0) return false;     // a writer holds it
            _lock.Lock();
            int s = Freeze();
            bool ok = (s & Writer) == 0 && _writers.IsEmpty;
            if (ok) AddReader(ref s);
            Thaw(s);
            _lock.Unlock();
            return ok;
        }

        public void ReadUnlock()
        {
            int s = Volatile.Read(in _state);
            while ((s & Pending) == 0)
            {
                if ((s & ReaderMask) == 0) Panic.Fail("rwlock: read unlock without a reader");
                int seen = Interlocked.CompareExchange(ref _state, s - 1, s);
                if (seen == s) return;
                s = seen;
            }
            _lock.Lock();
            s = Freeze();
            if ((s & ReaderMask) == 0) Panic.Fail("rwlock: read unlock without a reader");
            s--;
            WaitRecord* wake = (s & ReaderMask) == 0 ? Admit(ref s, false) : null;
            Thaw(s);
            _lock.Unlock();
            WakeChain(wake);
        }

        public void WriteLock()
        {
            nint me = (nint)Parking.CurrentThread();
            if (Interlocked.CompareExchange(ref _state, Writer, 0) != 0)
            {
                if (Volatile.Read(in _writer) == me) Panic.Fail("rwlock: write lock by the thread already holding it (not recursive)");
                _lock.Lock();
                int s = Freeze();
                if ((s & ~Pending) == 0)
                {
                    s |= Writer;
                    Thaw(s);
                    _lock.Unlock();
                }
                else
                {
                    WaitRecord w = default;
                    w.Thread = (void*)me;
                    _writers.Append(&w);
                    Thaw(s);
                    _lock.Unlock();
                    Parking.Park(&w.Flag);
                }
            }
            Volatile.Write(ref _writer, me);
        }

        public bool TryWriteLock()
        {
            nint me = (nint)Parking.CurrentThread();
            int s = Interlocked.CompareExchange(ref _state, Writer, 0);
            if (s != 0)
            {
                if ((s & Pending) == 0) return false;       // held, nobody queued
                _lock.Lock();
                s = Freeze();
                bool ok = (s & ~Pending) == 0;
                if (ok) s |= Writer;
                Thaw(s);
                _lock.Unlock();
                if (!ok) return false;
            }
            Volatile.Write(ref _writer, me);
            return true;
        }

        public void WriteUnlock()
        {
            if (Volatile.Read(in _writer) != (nint)Parking.CurrentThread())
                Panic.Fail("rwlock: write unlock by a thread that does not hold the write lock");
            Volatile.Write(ref _writer, 0);
            if (Interlocked.CompareExchange(ref _state, 0, Writer) == Writer) return;
            _lock.Lock();
            int s = Freeze();
            if ((s & Writer) == 0) Panic.Fail("rwlock: write unlock without a writer");
            s &= ~Writer;
            WaitRecord* wake = Admit(ref s, true);
            Thaw(s);
            _lock.Unlock();
            WakeChain(wake);
        }

        private bool TryReadFast()
        {
            int s = Volatile.Read(in _state);
            while ((s & (Writer | Pending)) == 0)
            {
                if ((s & ReaderMask) == ReaderMask) Panic.Fail("rwlock: too many readers");
                int seen = Interlocked.CompareExchange(ref _state, s + 1, s);
                if (seen == s) return true;
                s = seen;
            }
            return false;
        }

        private static void AddReader(ref int s)
        {
            if ((s & ReaderMask) == ReaderMask) Panic.Fail("rwlock: too many readers");
            s++;
        }

        // Under _lock: sets Pending, after which _state only changes under _lock. Returns the state.
        private int Freeze()
        {
            int s = Volatile.Read(in _state);
            while ((s & Pending) == 0)
            {
                int seen = Interlocked.CompareExchange(ref _state, s | Pending, s);
                if (seen == s) return s | Pending;
                s = seen;
            }
            return s;
        }

        // Under _lock: publishes the new state; Pending stays set while anybody is queued.
        private void Thaw(int s)
        {
            if (_readers.IsEmpty && _writers.IsEmpty) s &= ~Pending; else s |= Pending;
            Interlocked.Exchange(ref _state, s);
        }

        // Under _lock, with the lock free of writers and readers (s has neither): admits the next
        // phase and returns the records to wake, chained through Next.
        private WaitRecord* Admit(ref int s, bool readersFirst)
        {
            if ((s & (Writer | ReaderMask)) != 0) return null;
            if (!_writers.IsEmpty && !(readersFirst && !_readers.IsEmpty))
            {
                s |= Writer;
                return _writers.RemoveFirst();
            }
            WaitRecord* all = _readers.TakeAll();
            for (WaitRecord* r = all; r != null; r = r->Next) AddReader(ref s);
            return all;
        }

        private static void WakeChain(WaitRecord* r)
        {
            while (r != null)
            {
                WaitRecord* next = r->Next;
                WaitRecord.Wake(r);
                r = next;
            }
        }
    }
}
