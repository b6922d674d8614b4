using System.Runtime.CompilerServices;
using System.Threading;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Sync
{
    // Sleeping, recursive, lock-free mutex built on the waiter queue and responsibility hand-off of
    // Gidenstam & Papatriantafilou ("LFthreads: a lock-free thread library", 2007), the algorithm of
    // OSv's lockfree::mutex, with one change: the mutex itself is taken competitively (a running
    // thread may take a free mutex even while others sleep on it, "barging"), and what the hand-off
    // passes on is the duty to wake the next waiter. No thread ever spins on another: every step is a
    // bounded number of atomic operations, and a thread that must wait parks until a specific other
    // thread wakes it. (One bounded exception: a locker polls for a few microseconds while the holder
    // runs on another CPU; see PollToTake.)
    //
    // Why barging: with a strict hand-off (the unlocker gives the mutex to the oldest waiter, which
    // may be asleep), one preempted holder makes every later acquisition wait for a wake-up and a
    // context switch, and that convoy never dissolves: four threads on two CPUs ran 25x slower than
    // Linux. Here an unlocker only makes sure one waiter is awake to compete, and a thread that keeps
    // running keeps making progress; the woken waiter (the "heir") takes the mutex if it is free and
    // otherwise queues again. Like glibc and Linux's futex mutex, this is not FIFO-fair.
    //
    // Used through pointers (Mutex*). 40 bytes, the size of a pthread_mutex_t, and laid out so that
    // glibc's static initialisers (which set the mutex type at offset 16) land in _kind, which the
    // kernel ignores; all-zero memory is an unlocked mutex.
    //
    // State
    // -----
    //  _state   bit 0 Held: some thread holds the mutex. Bit 1 Waking: the duty to wake a waiter is
    //           taken (see below). Bits 2..31: how many threads are registered waiters: inside Lock(),
    //           not holding the mutex, and either queued, about to queue, or woken as the heir.
    //           0 = free and nobody waiting; the uncontended Lock/Unlock are one CAS each (0 <-> Held).
    //  _pushList, _popList
    //           the waiter queue: multi-producer, single-consumer, of WaitRecords that live on the
    //           waiters' stacks. Any registered waiter pushes (a CAS onto the _pushList stack, newest
    //           first). Only "the consumer" pops: the thread that holds the waking duty. It takes the
    //           whole _pushList in one exchange, reverses it into _popList (oldest first) and pops from
    //           there, so waiters are woken in arrival order and pop is O(1) amortised.
    //  _handoff bit 0: "the waking duty is offered"; bits 1..31: the offer's sequence number.
    //  _owner, _depth
    //           the holder's identity and recursion depth minus one; written only by the holder, so
    //           a racy read by others is harmless (a thread can only ever read its own identity here
    //           while it really holds the mutex).
    //
    // The waking duty (the Waking bit) is a token: exactly one thread has it while the bit is set.
    //  - An unlocker that leaves waiters behind with nobody awake to take the mutex (waiters > 0, Waking
    //    clear) sets Waking in the same CAS that clears Held, and becomes the consumer: it pops the
    //    oldest record and wakes it. That waiter is now the heir and holds the token.
    //  - The heir takes the mutex if it is free (one CAS: Held on, Waking off, one waiter less), or, if
    //    a barger holds it, gives the token back (CAS: Waking off, only while Held is set) and queues
    //    again; the holder's unlock will then wake someone.
    //  - The consumer may find the queue empty: the registered waiters have counted themselves but not
    //    pushed yet. It must not wait for them (no spinning), so it offers the duty instead (G&P's
    //    hand-off): store a new offer (offered bit + a fresh sequence number) with a full fence, then
    //    look at the queue again:
    //    - still empty: every registered waiter is still before its push. Each of them pushes and then
    //      reads the offer word (push is a full fence too), so by the classic store/fence/load pairing
    //      at least the first of them sees the offer and takes it; it becomes the consumer.
    //    - not empty: a waiter pushed in the meantime and may or may not have seen the offer. Try to
    //      take our own offer back with a CAS. If that fails, a waiter took it: leave. If it succeeds,
    //      we are still the consumer: pop again (the queue now has a record).
    //
    // Invariants
    // ----------
    //  - Nobody is stranded: whenever the mutex is free and waiters are registered, Waking is set.
    //    Held is cleared only by an unlock, which sets Waking if waiters remain; a waiter registers
    //    only while Held is set (otherwise it barges instead) or, in SendLock, sets Waking itself;
    //    the heir clears Waking only together with setting Held, or while Held is set.
    //  - At most one consumer at a time, because the duty is one token: passed unlocker -> woken heir
    //    (through its flag), or consumer -> offer taker (through the CAS on _handoff), each an
    //    acquire/release pairing, so the plain accesses to _popList are ordered.
    //  - A taken offer always finds a record: the taker pushed its own before looking, and nobody
    //    else pops. An offer is outstanding only while the token is in escrow, so no other consumer
    //    can exist meanwhile.
    //  - The sequence number makes a stale CAS harmless: an unlocker that took its offer back only
    //    succeeds on its own offer, never on a later one with the same bit pattern.
    //  - A record is touched by others only while it is queued or between its pop and its wake-up;
    //    its thread re-arms it (flag 0) before queueing it again.
    //
    // Wait morphing (CondVar): SendLock(record) registers a waiter on behalf of a thread that is
    // already parked on `record` and pushes the record, exactly as Lock would; if the mutex is free
    // and nobody has the waking duty, it takes the duty and wakes the oldest record itself. The parked
    // thread then wakes as the heir and competes for the mutex (ReceiveLock).
    public unsafe struct Mutex
    {
        private int _state;         // Held | Waking | waiters * OneWaiter
        private int _handoff;       // Offered | sequence << 1
        private nint _owner;
        private int _kind;          // unused by the kernel: where a pthread_mutex_t keeps its type
        private int _depth;         // recursion depth - 1, holder-private
        private nint _pushList;     // WaitRecord*, newest first
        private nint _popList;      // WaitRecord*, oldest first

        private const int Held = 1;
        private const int Waking = 2;
        private const int OneWaiter = 4;
        private const int Offered = 1;

        // The identity of the holding thread, or null.
        public void* Owner => (void*)Volatile.Read(in _owner);

        public bool IsLockedByCurrentThread => Volatile.Read(in _owner) == (nint)Parking.CurrentThread();

        // True while some thread holds or is waiting for the mutex (a snapshot: for tests and assertions).
        public bool IsLocked => Volatile.Read(in _state) != 0;

        // The holder's recursion depth (meaningful to the holder only), at most MaxDepth.
        public int Depth => _depth + 1;
        public const int MaxDepth = 0x10000;

        // The pthread type stored in a pthread_mutex_t (Libc/Pthread/Mutexes.cs); the kernel mutex ignores it.
        internal int Kind { get => _kind; set => _kind = value; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Lock() => LockAs(Parking.CurrentThread());

        // Lock() for a caller that already knows its identity (Parking.CurrentThread()), so that a
        // libc function finds the current thread once, not in every step.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void LockAs(void* self)
        {
            if (!TryLockFree(self)) LockContended((nint)self);
        }

        // Takes the mutex only if nobody holds it or waits for it (no recursion, no waiting): the
        // uncontended fast path, for callers that check their own conditions only when it fails.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TryLockFree(void* self)
        {
            if (Interlocked.CompareExchange(ref _state, Held, 0) != 0) return false;
            Volatile.Write(ref _owner, (nint)self);
            SyncTrace.MutexLock.Hit((ulong)Unsafe.AsPointer(ref this));
            return true;
        }

        // UnlockAs for a caller that has just checked it is the owner (pthread_mutex_unlock's EPERM).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void UnlockOwned()
        {
            if (_depth != 0)                            // recursive: drop one level
            {
                _depth--;
                return;
            }
            SyncTrace.MutexUnlock.Hit((ulong)Unsafe.AsPointer(ref this));
            Release();
        }

        public bool TryLock()
        {
            nint me = (nint)Parking.CurrentThread();
            if (TryTake(heir: false))
            {
                Volatile.Write(ref _owner, me);
                return true;
            }
            if (Volatile.Read(in _owner) == me)
            {
                Deepen();
                return true;
            }
            return false;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Unlock() => UnlockAs(Parking.CurrentThread());

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void UnlockAs(void* self)
        {
            if (Volatile.Read(in _owner) != (nint)self) UnlockByNonOwner();
            UnlockOwned();
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void UnlockByNonOwner()
        {
            Panic.Fail(Volatile.Read(in _owner) == 0 ? "mutex: unlock of a mutex that is not locked"
                                                     : "mutex: unlock by a thread that does not own the mutex");
        }

        // Drops ownership completely (the depth is already 0).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Release()
        {
            Volatile.Write(ref _owner, 0);
            if (Interlocked.CompareExchange(ref _state, 0, Held) != Held) ReleaseContended();
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void ReleaseContended()
        {
            while (true)
            {
                int s = Volatile.Read(in _state);
                if ((s & Held) == 0) Panic.Fail("mutex: released while not held (corrupted mutex)");
                bool wake = s >= OneWaiter && (s & Waking) == 0;   // waiters, and none of them awake
                int next = (s & ~Held) | (wake ? Waking : 0);
                if (Interlocked.CompareExchange(ref _state, next, s) != s) continue;
                if (wake) WakeNext();
                return;
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void LockContended(nint me)
        {
            if (Volatile.Read(in _owner) == me)
            {
                Deepen();
                return;
            }
            if (!TryTake(heir: false) && !PollToTake(me, heir: false) && Register())
            {
                SyncTrace.MutexLockWait.Hit((ulong)Unsafe.AsPointer(ref this));
                WaitRecord w = default;
                w.Thread = (void*)me;
                WaitForTurns(&w, me);
            }
            Volatile.Write(ref _owner, me);
            SyncTrace.MutexLock.Hit((ulong)Unsafe.AsPointer(ref this));
        }

        // Takes the mutex if it is free. The heir also leaves the waiters and returns the waking duty
        // in the same CAS.
        private bool TryTake(bool heir)
        {
            while (true)
            {
                int s = Volatile.Read(in _state);
                if ((s & Held) != 0) return false;
                int next = heir ? ((s - OneWaiter) & ~Waking) | Held : s | Held;
                if (Interlocked.CompareExchange(ref _state, next, s) != s) continue;
                return true;
            }
        }

        // A mutex held by a thread that is running on another CPU is usually released within
        // microseconds: poll for that briefly before sleeping, as adaptive mutexes do. Bounded, and only
        // while the holder runs, so a preempted holder (the vCPU case that makes spinlocks bad) costs
        // nothing; correctness never depends on it.
        private const ulong PollNs = 2_000;

        private bool PollToTake(nint me, bool heir)
        {
            nint owner = Volatile.Read(in _owner);
            if (owner == 0 || owner == me || !Parking.RunsElsewhere((void*)owner)) return false;
            ulong end = Parking.NowNs() + PollNs;
            while (true)
            {
                Parking.Relax();
                if (TryTake(heir))
                {
                    SyncStats.PolledAcquisitions++;
                    return true;
                }
                if (Parking.NowNs() > end) return false;
                nint now = Volatile.Read(in _owner);
                if (now != 0 && !Parking.RunsElsewhere((void*)now)) return false;
            }
        }

        // Counts the caller as a waiter while the mutex is held; takes it instead if it is free.
        // Returns whether the caller must wait.
        private bool Register()
        {
            while (true)
            {
                int s = Volatile.Read(in _state);
                int next = (s & Held) != 0 ? s + OneWaiter : s | Held;
                if (Interlocked.CompareExchange(ref _state, next, s) == s) return (s & Held) != 0;
            }
        }

        // A registered waiter: queue, sleep until woken as the heir, compete; again while a barger
        // wins. Returns holding the mutex.
        private void WaitForTurns(WaitRecord* w, nint me)
        {
            while (true)
            {
                Hook(SyncStats.PointBeforePush);
                Push(w);
                Hook(SyncStats.PointAfterPush);
                bool heir = false;
                if (TakeHandoff())
                {
                    WaitRecord* next = Pop();
                    if (next == null) Panic.Fail("mutex: took a hand-off but the waiter queue is empty");
                    if (next == w) heir = true;
                    else WaitRecord.Wake(next);
                }
                if (!heir) Parking.Park(&w->Flag);
                Hook(SyncStats.PointHeir);
                if (CompeteAsHeir(w, me)) return;
            }
        }

        // The heir (it holds the waking duty): takes the mutex, or gives the duty back and re-arms its
        // record to queue again (returns false).
        private bool CompeteAsHeir(WaitRecord* w, nint me)
        {
            if (TryTake(heir: true) || PollToTake(me, heir: true)) return true;
            while (true)
            {
                int s = Volatile.Read(in _state);
                if ((s & Held) == 0)
                {
                    if (TryTake(heir: true)) return true;
                    continue;
                }
                if (Interlocked.CompareExchange(ref _state, s & ~Waking, s) != s) continue;
                Interlocked.Increment(ref SyncStats.HeirRequeues);
                w->Next = null;
                Volatile.Write(ref w->Flag, 0);
                return false;
            }
        }

        private void Deepen()
        {
            if (_depth == MaxDepth - 1) Panic.Fail("mutex: recursion deeper than 65536");
            _depth++;
        }

        // The consumer: wakes the oldest queued waiter (the new heir), or hands the duty over.
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
                int offer = ((Volatile.Read(in _handoff) + 2) & ~Offered) | Offered;
                Interlocked.Exchange(ref _handoff, offer);     // full fence before looking at the queue
                Interlocked.Increment(ref SyncStats.HandoffsOffered);
                Hook(SyncStats.PointAfterOffer);
                if (QueueIsEmpty) return;                       // a waiter will push, then find the offer
                Hook(SyncStats.PointBeforeRetract);
                if (Interlocked.CompareExchange(ref _handoff, offer & ~Offered, offer) != offer) return;   // taken
                Interlocked.Increment(ref SyncStats.HandoffsRetracted);
            }
        }

        // After pushing a record: takes an outstanding offer, making us the consumer.
        private bool TakeHandoff()
        {
            int h = Volatile.Read(in _handoff);
            if ((h & Offered) == 0) return false;
            if (Interlocked.CompareExchange(ref _handoff, h & ~Offered, h) != h) return false;
            Interlocked.Increment(ref SyncStats.HandoffsTaken);
            return true;
        }

        // ---- condition-variable support (wait morphing) ----

        // The caller holds the mutex: releases it completely, whatever the depth; returns the depth.
        internal int ReleaseAll()
        {
            if (Volatile.Read(in _owner) != (nint)Parking.CurrentThread())
                Panic.Fail("condvar: wait without holding the mutex");
            int depth = _depth + 1;
            _depth = 0;
            Release();
            return depth;
        }

        // Registers the thread parked on `w` as a waiter and queues `w`, without running on that
        // thread; the thread is woken as the heir. `w` must not be touched by the caller afterwards.
        internal void SendLock(WaitRecord* w)
        {
            Interlocked.Increment(ref SyncStats.LocksSent);
            bool consumer;
            while (true)
            {
                int s = Volatile.Read(in _state);
                consumer = (s & (Held | Waking)) == 0;      // free, nobody waiting: nobody would wake it
                int next = (s + OneWaiter) | (consumer ? Waking : 0);
                if (Interlocked.CompareExchange(ref _state, next, s) == s) break;
            }
            Hook(SyncStats.PointBeforePush);
            Push(w);
            Hook(SyncStats.PointAfterPush);
            if (consumer)
            {
                WakeNext();
            }
            else if (TakeHandoff())
            {
                WaitRecord* next = Pop();
                if (next == null) Panic.Fail("mutex: took a hand-off but the waiter queue is empty");
                WaitRecord.Wake(next);
            }
        }

        // Called by a thread woken through SendLock (it is the heir): competes for the mutex, waiting
        // again if a barger has it, and returns holding it with the depth ReleaseAll returned.
        internal void ReceiveLock(WaitRecord* w, int depth)
        {
            nint me = (nint)Parking.CurrentThread();
            if (!CompeteAsHeir(w, me)) WaitForTurns(w, me);
            Volatile.Write(ref _owner, me);
            _depth = depth - 1;
            SyncTrace.MutexLock.Hit((ulong)Unsafe.AsPointer(ref this));
        }

        // Lock() then restore a recursion depth saved by ReleaseAll.
        internal void LockWithDepth(int depth)
        {
            Lock();
            _depth = depth - 1;
        }

        // Lets a hosted test stop a thread between two steps of the protocol to force an exact
        // interleaving. Only on paths that are about to park or wake a thread; null in the kernel.
        private static void Hook(int point)
        {
            delegate*<int, void> hook = SyncStats.TestHook;
            if (hook != null) hook(point);
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
        public static long HandoffsOffered;      // a consumer found waiters registered but not queued
        public static long HandoffsTaken;        // a waiter took such an offer
        public static long HandoffsRetracted;    // a consumer took its own offer back
        public static long HeirRequeues;         // a woken heir found the mutex taken and queued again
        public static long LocksSent;            // wait morphing: a condvar waiter moved to a mutex
        public static long MorphedAfterTimeout;  // a timed condvar wait expired after it was signalled
        public static long PolledAcquisitions;   // a locker got the mutex by polling while its holder ran (racy count)

        // Test hook (see Mutex.Hook) and its points.
        public static delegate*<int, void> TestHook;
        public const int PointBeforePush = 1;      // Lock/SendLock: registered as a waiter, record not queued
        public const int PointAfterPush = 2;       // Lock/SendLock: queued, offer not looked at yet
        public const int PointAfterOffer = 3;      // consumer: offer published, queue not looked at yet
        public const int PointBeforeRetract = 4;   // consumer: queue found non-empty, about to take the offer back
        public const int PointHeir = 5;            // Lock: woken as the heir, about to compete
    }
}
