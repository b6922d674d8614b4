using System.Runtime.CompilerServices;
using System.Threading;
using Nimbus.Kernel.Sched;

namespace Nimbus.Kernel.Sync
{
    // Sleeping, recursive, lock-free mutex: the algorithm of Gidenstam & Papatriantafilou ("LFthreads:
    // a lock-free thread library", 2007) with responsibility hand-off, as OSv's lockfree::mutex uses it.
    // No thread ever spins on another: every step is a bounded number of atomic operations, and a
    // thread that must wait parks until a specific other thread wakes it. (One bounded exception:
    // before queueing, a locker polls for a few microseconds while the holder runs on another CPU;
    // see PollForRelease.)
    //
    // Used through pointers (Mutex*). 32 bytes, so it fits inside a 40-byte pthread_mutex_t;
    // all-zero memory is an unlocked mutex.
    //
    // State
    // -----
    //  _count   how many threads want the mutex: the holder plus every thread inside Lock() that has
    //           not got it yet (queued, or about to queue). 0 = free. This is the only word an
    //           uncontended Lock/Unlock touches atomically: 0 -> 1 locks, 1 -> 0 unlocks.
    //  _pushList, _popList
    //           the waiter queue: multi-producer, single-consumer, of WaitRecords that live on the
    //           waiters' stacks. Any locker pushes (a CAS onto the _pushList stack, newest first).
    //           Only "the consumer" pops: the thread currently responsible for the mutex, i.e. the
    //           holder while it unlocks, or the thread that took the hand-off (below). The consumer
    //           takes the whole _pushList in one exchange, reverses it into _popList (oldest first)
    //           and pops from there, so waiters are served FIFO and pop is O(1) amortised.
    //           Pop returns null only when both lists are empty.
    //  _owner   the holder's identity (for recursion, IsLockedByCurrentThread and the owner check in
    //           Unlock). Written only by the holder; a thread can only ever read its own identity here
    //           while it really holds the mutex, so a racy read by others is harmless.
    //  _word    bits 0..15: recursion depth minus one (holder-private; 0 while free, so taking a free
    //           mutex does not write _word). Bit 16: "a hand-off is offered".
    //           Bits 17..31: the offer's sequence number. Depth shares this word with the hand-off
    //           only to stay within 32 bytes; this is safe because an offer is outstanding only while
    //           the mutex has no holder (see the invariant below), so the holder's plain writes to the
    //           depth never race with a successful CAS on the offer bits.
    //
    // Lock
    // ----
    //  0. Fast path: compare-and-swap _count from 0 to 1. (Then, if another thread holds it and
    //     runs on another CPU, poll briefly for its release: PollForRelease.)
    //  1. Atomically increment _count. If it was 0, the mutex is ours.
    //  2. Otherwise, if _owner is us, it is a recursive lock: undo the increment, bump the depth.
    //  3. Otherwise push a wait record (on our stack) onto the queue and then look for a hand-off
    //     offer (see Unlock). If there is one and our CAS takes it, we have become the thread
    //     responsible for the mutex: pop the oldest waiter; if that is our own record, we hold the
    //     mutex and return, otherwise wake that waiter (it now holds the mutex) and keep waiting.
    //  4. Park until some consumer pops our record and sets its flag: that transfers the mutex to
    //     us directly (the waker does not release it to the world first, so nobody can barge in
    //     between, and we never wake just to find the mutex taken again).
    //
    // Unlock
    // ------
    //  1. Recursive: depth > 1 only drops a level. Otherwise clear _owner (the depth field, which
    //     stores depth - 1, is already 0) before the decrement (once _count drops, another thread may
    //     become the holder), then atomically decrement _count. If it went 1 -> 0, nobody wants the mutex: done.
    //  2. Otherwise some thread is in Lock() and it is our job to hand the mutex to a waiter.
    //     Pop the queue: if there is a record, wake it (it is the new holder) and return.
    //  3. The queue is empty: the lockers counted in _count have incremented it but not yet pushed.
    //     We must not wait for them (no spinning), so we offer the responsibility instead: store a
    //     new offer (offered bit + a fresh sequence number) with a full fence, then look at the queue
    //     again:
    //     - still empty: every counted locker is still before its push. Each of them pushes and then
    //       reads the offer word (push is a full fence too), so by the classic store/fence/load pairing
    //       at least the first of them sees our offer and takes it. We can leave.
    //     - not empty: a locker pushed in the meantime and may or may not have seen the offer. Try to
    //       take our own offer back with a CAS. If that fails, a locker took it and is now the
    //       consumer: leave. If it succeeds, we are still responsible: loop to step 2 (the pop now
    //       finds the record).
    //
    // Invariants
    // ----------
    //  - At most one consumer at a time. The role moves holder -> woken waiter (through its flag),
    //    or unlocker -> offer taker (through the CAS on _word), each an acquire/release pairing, so the
    //    plain accesses to _popList are ordered.
    //  - An offer exists only while the mutex has no holder: it is made by an unlocker that has already
    //    dropped ownership and found no record to hand the mutex to; while it is outstanding _count > 0
    //    (so no Lock takes the fast path) and the queue holds no record that predates it. It ends when
    //    a locker takes it (which then makes someone the holder) or its maker takes it back.
    //  - A taken offer always finds a record: the taker pushed its own before looking, and nobody else
    //    pops. So the responsibility is never lost: every decrement that left _count > 0 is followed
    //    by exactly one wake-up of a queued waiter.
    //  - The sequence number makes a stale CAS harmless: an unlocker that took its offer back only
    //    succeeds on its own offer, never on a later one that happens to have the same bits pattern
    //    (15 bits: 32768 hand-offs would have to happen between its two instructions). The same holds
    //    for a locker's CAS. In fact a locker's record stays queued until it is popped, and no offer can
    //    be made while any record is queued, so a locker can only ever see the offer it read.
    //
    // Wait morphing (CondVar): SendLock(record) does what Lock does, on behalf of a thread that is
    // already parked on `record`: increment _count; if the mutex was free, wake the record (its thread
    // now holds the mutex); otherwise push the record and check for an offer exactly as step 3 of Lock
    // (if taken, pop and wake the oldest record, which may be this one). The parked thread wakes only
    // once the mutex is its own, and then calls ReceiveLock to record itself as the owner.
    public unsafe struct Mutex
    {
        private int _count;
        private int _word;          // depth | offered | sequence
        private nint _owner;
        private nint _pushList;     // WaitRecord*, newest first
        private nint _popList;      // WaitRecord*, oldest first

        private const int DepthMask = 0xFFFF;
        private const int Offered = 0x10000;
        private const int SequenceShift = 17;
        private const int SequenceMask = 0x7FFF;

        // The identity of the holding thread, or null.
        public void* Owner => (void*)Volatile.Read(in _owner);

        public bool IsLockedByCurrentThread => Volatile.Read(in _owner) == (nint)Parking.CurrentThread();

        // True while some thread holds or is acquiring the mutex (a snapshot: for tests and assertions).
        public bool IsLocked => Volatile.Read(in _count) != 0;

        // The holder's recursion depth (meaningful to the holder only).
        public int Depth => (Volatile.Read(in _word) & DepthMask) + 1;

        // A mutex held (by one thread, with nobody queued) by a thread that is running on another CPU
        // is usually released within microseconds: poll for that briefly before joining the queue,
        // as adaptive mutexes do. Bounded, and only while the holder runs, so a preempted holder
        // (the vCPU case that makes spinlocks bad) costs nothing; correctness never depends on it.
        private const ulong PollNs = 2_000;

        private bool PollForRelease(nint me)
        {
            nint owner = Volatile.Read(in _owner);
            if (owner == 0 || owner == me || Volatile.Read(in _count) != 1 || !Parking.RunsElsewhere((void*)owner)) return false;
            ulong end = Parking.NowNs() + PollNs;
            while (true)
            {
                Parking.Relax();
                int count = Volatile.Read(in _count);
                if (count == 0 && Interlocked.CompareExchange(ref _count, 1, 0) == 0)
                {
                    SyncStats.PolledAcquisitions++;
                    return true;
                }
                if (count > 1 || Parking.NowNs() > end) return false;         // others queued: the hand-off serves them first
                nint now = Volatile.Read(in _owner);
                if (now != owner && now != 0) owner = now;
                if (now != 0 && !Parking.RunsElsewhere((void*)now)) return false;
            }
        }

        public void Lock()
        {
            nint me = (nint)Parking.CurrentThread();
            // Fast path: a free mutex is taken with one compare-and-swap (0 -> 1), as TryLock does.
            if (Interlocked.CompareExchange(ref _count, 1, 0) == 0)
            {
                Volatile.Write(ref _owner, me);
                SyncTrace.MutexLock.Hit((ulong)Unsafe.AsPointer(ref this));
                return;
            }
            if (Volatile.Read(in _owner) != me && PollForRelease(me))
            {
                Acquired(me, 1);
                SyncTrace.MutexLock.Hit((ulong)Unsafe.AsPointer(ref this));
                return;
            }
            if (Interlocked.Increment(ref _count) == 1)
            {
                Acquired(me, 1);
                SyncTrace.MutexLock.Hit((ulong)Unsafe.AsPointer(ref this));
                return;
            }
            if (Volatile.Read(in _owner) == me)
            {
                Interlocked.Decrement(ref _count);      // we hold it: _count stays >= 1
                Deepen();
                return;
            }
            SyncTrace.MutexLockWait.Hit((ulong)Unsafe.AsPointer(ref this));
            LockSlow(me);
            SyncTrace.MutexLock.Hit((ulong)Unsafe.AsPointer(ref this));
        }

        public bool TryLock()
        {
            nint me = (nint)Parking.CurrentThread();
            if (Interlocked.CompareExchange(ref _count, 1, 0) == 0)
            {
                Acquired(me, 1);
                return true;
            }
            if (Volatile.Read(in _owner) == me)
            {
                Deepen();
                return true;
            }
            return false;
        }

        public void Unlock()
        {
            if (Volatile.Read(in _owner) != (nint)Parking.CurrentThread())
                Panic.Fail(Volatile.Read(in _owner) == 0 ? "mutex: unlock of a mutex that is not locked"
                                                         : "mutex: unlock by a thread that does not own the mutex");
            int word = Volatile.Read(in _word);
            if ((word & DepthMask) != 0)                // recursive: drop one level
            {
                Volatile.Write(ref _word, word - 1);
                return;
            }
            SyncTrace.MutexUnlock.Hit((ulong)Unsafe.AsPointer(ref this));
            Release();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Acquired(nint me, int depth)
        {
            Volatile.Write(ref _owner, me);
            if (depth != 1) Volatile.Write(ref _word, (Volatile.Read(in _word) & ~DepthMask) | (depth - 1));
        }

        private void Deepen()
        {
            int word = Volatile.Read(in _word);
            if ((word & DepthMask) == DepthMask) Panic.Fail("mutex: recursion deeper than 65535");
            Volatile.Write(ref _word, word + 1);
        }

        private void LockSlow(nint me)
        {
            WaitRecord w = default;
            w.Thread = (void*)me;
            Hook(SyncStats.PointBeforePush);
            Push(&w);
            Hook(SyncStats.PointAfterPush);
            if (TakeHandoff())
            {
                WaitRecord* next = Pop();
                if (next == null) Panic.Fail("mutex: took a hand-off but the waiter queue is empty");
                if (next == &w)
                {
                    Acquired(me, 1);
                    return;
                }
                WaitRecord.Wake(next);
            }
            Parking.Park(&w.Flag);
            Acquired(me, 1);
        }

        // Drops ownership completely (depth already accounted for) and passes the mutex on if needed.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Release()
        {
            // The depth field is already 0 (one level left); only the owner is cleared.
            Volatile.Write(ref _owner, 0);
            if (Interlocked.Decrement(ref _count) == 0) return;
            WakeNext();
        }

        // Called with _count > 0 and no holder, by the thread responsible for passing the mutex on.
        private void WakeNext()
        {
            while (true)
            {
                WaitRecord* next = Pop();
                if (next != null)
                {
                    WaitRecord.Wake(next);
                    return;
                }
                int word = Volatile.Read(in _word);
                int sequence = ((word >> SequenceShift) + 1) & SequenceMask;
                int offer = (sequence << SequenceShift) | Offered;
                Interlocked.Exchange(ref _word, offer);     // full fence before looking at the queue
                Interlocked.Increment(ref SyncStats.HandoffsOffered);
                Hook(SyncStats.PointAfterOffer);
                if (QueueIsEmpty) return;                   // a locker will push, then find the offer
                Hook(SyncStats.PointBeforeRetract);
                if (Interlocked.CompareExchange(ref _word, offer & ~Offered, offer) != offer) return;   // taken
                Interlocked.Increment(ref SyncStats.HandoffsRetracted);
            }
        }

        // After pushing a record: takes an outstanding offer, making us the responsible thread.
        private bool TakeHandoff()
        {
            int word = Volatile.Read(in _word);
            if ((word & Offered) == 0) return false;
            if (Interlocked.CompareExchange(ref _word, word & ~Offered, word) != word) return false;
            Interlocked.Increment(ref SyncStats.HandoffsTaken);
            return true;
        }

        // ---- condition-variable support (wait morphing) ----

        // The caller holds the mutex: releases it completely, whatever the depth; returns the depth.
        internal int ReleaseAll()
        {
            if (Volatile.Read(in _owner) != (nint)Parking.CurrentThread())
                Panic.Fail("condvar: wait without holding the mutex");
            int word = Volatile.Read(in _word);
            int extra = word & DepthMask;
            if (extra != 0) Volatile.Write(ref _word, word & ~DepthMask);
            Release();
            return extra + 1;
        }

        // Acquires the mutex for the thread parked on `w`, without running on that thread: the thread
        // is woken once the mutex is its own. `w` must not be touched by the caller afterwards.
        internal void SendLock(WaitRecord* w)
        {
            Interlocked.Increment(ref SyncStats.LocksSent);
            if (Interlocked.Increment(ref _count) == 1)
            {
                WaitRecord.Wake(w);
                return;
            }
            Hook(SyncStats.PointBeforePush);
            Push(w);
            Hook(SyncStats.PointAfterPush);
            if (TakeHandoff())
            {
                WaitRecord* next = Pop();
                if (next == null) Panic.Fail("mutex: took a hand-off but the waiter queue is empty");
                WaitRecord.Wake(next);
            }
        }

        // Lets a hosted test stop a thread between two steps of the protocol to force an exact
        // interleaving. Only on paths that are about to park or wake a thread; null in the kernel.
        private static void Hook(int point)
        {
            delegate*<int, void> hook = SyncStats.TestHook;
            if (hook != null) hook(point);
        }

        // Called by a thread woken through SendLock: it holds the mutex now; restores its depth.
        internal void ReceiveLock(int depth) => Acquired((nint)Parking.CurrentThread(), depth);

        // Lock() then restore a recursion depth saved by ReleaseAll.
        internal void LockWithDepth(int depth)
        {
            Lock();
            Acquired((nint)Parking.CurrentThread(), depth);
        }

        // ---- the waiter queue ----

        private void Push(WaitRecord* r)
        {
            nint head = Volatile.Read(in _pushList);
            while (true)
            {
                r->Next = (WaitRecord*)head;
                nint seen = Interlocked.CompareExchange(ref _pushList, (nint)r, head);
                if (seen == head) return;
                head = seen;
            }
        }

        // Consumer only.
        private WaitRecord* Pop()
        {
            WaitRecord* r = (WaitRecord*)Volatile.Read(in _popList);
            if (r == null)
            {
                WaitRecord* list = (WaitRecord*)Interlocked.Exchange(ref _pushList, 0);
                if (list == null) return null;
                while (list != null)            // newest-first stack -> oldest-first list
                {
                    WaitRecord* next = list->Next;
                    list->Next = r;
                    r = list;
                    list = next;
                }
            }
            Volatile.Write(ref _popList, (nint)r->Next);
            return r;
        }

        private bool QueueIsEmpty => Volatile.Read(in _popList) == 0 && Volatile.Read(in _pushList) == 0;
    }

    // Slow-path statistics of the primitives (cheap: each is touched only on a path that parks or
    // wakes a thread anyway). Tests use them to prove a path was exercised.
    internal static unsafe class SyncStats
    {
        public static long HandoffsOffered;      // an unlocker found waiters counted but not queued
        public static long HandoffsTaken;        // a locker took such an offer
        public static long HandoffsRetracted;    // an unlocker took its own offer back
        public static long LocksSent;            // wait morphing: a condvar waiter moved to a mutex
        public static long MorphedAfterTimeout;  // a timed condvar wait expired after it was signalled
        public static long PolledAcquisitions;   // a locker got the mutex by polling while its holder ran (racy count)

        // Test hook (see Mutex.Hook) and its points.
        public static delegate*<int, void> TestHook;
        public const int PointBeforePush = 1;      // Lock/SendLock: counted in _count, record not queued
        public const int PointAfterPush = 2;       // Lock/SendLock: queued, offer not looked at yet
        public const int PointAfterOffer = 3;      // Unlock: offer published, queue not looked at yet
        public const int PointBeforeRetract = 4;   // Unlock: queue found non-empty, about to take the offer back
    }
}
