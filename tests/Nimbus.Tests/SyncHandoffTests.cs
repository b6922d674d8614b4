using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Sync;
using Xunit;
using Mutex = Nimbus.Kernel.Sync.Mutex;

namespace Nimbus.Tests;

// Each branch of the waking-duty hand-off protocol, forced deterministically: the mutex calls
// SyncStats.TestHook at its interleaving points, and a thread with a script stops there until the
// test lets it go. (The stress tests reach these branches too, but only by chance.)
[Collection("Sync")]
public unsafe class SyncHandoffTests : IDisposable
{
    private readonly SyncHarness.NativeBlock _mem = new();
    [ThreadStatic] private static Action<int>? t_script;

    private static void Dispatch(int point) => t_script?.Invoke(point);

    public SyncHandoffTests() => SyncStats.TestHook = &Dispatch;

    public void Dispose()
    {
        SyncStats.TestHook = null;
        _mem.Dispose();
    }

    private static void Await(ManualResetEventSlim e, string what)
    {
        if (!e.Wait(TimeSpan.FromSeconds(10))) throw new TimeoutException("timed out waiting for: " + what);
    }

    private readonly record struct Stats(long Offered, long Taken, long Retracted)
    {
        public static Stats Now => new(Interlocked.Read(ref SyncStats.HandoffsOffered), Interlocked.Read(ref SyncStats.HandoffsTaken), Interlocked.Read(ref SyncStats.HandoffsRetracted));
        public static Stats operator -(Stats a, Stats b) => new(a.Offered - b.Offered, a.Taken - b.Taken, a.Retracted - b.Retracted);
    }

    // The statistics are process-wide: threads left behind by an earlier failed test could add to
    // them, never subtract. So they are checked as lower bounds, and each test also checks the
    // behaviour that only its branch produces, through per-thread observations.
    private static void AssertAtLeast(Stats expected, Stats delta)
    {
        Assert.True(delta.Offered >= expected.Offered && delta.Taken >= expected.Taken && delta.Retracted >= expected.Retracted,
            $"hand-off statistics {delta}, expected at least {expected}");
    }

    // The unlocker finds the locker registered but not queued: it publishes an offer, sees the queue
    // still empty and leaves; the locker, once queued, takes the offer and pops its own record.
    [Fact]
    public void LockerQueuedAfterTheOfferTakesIt() => SyncHarness.Guard(LockerQueuedAfterTheOfferTakesItBody);

    private void LockerQueuedAfterTheOfferTakesItBody()
    {
        var m = _mem.Alloc<Mutex>();
        m->Lock();
        var atBeforePush = new ManualResetEventSlim();
        var go = new ManualResetEventSlim();
        int acquired = 0;
        long lockerParks = -1;
        var g = new SyncHarness.Group();
        g.Start("locker", () =>
        {
            t_script = p => { if (p == SyncStats.PointBeforePush) { atBeforePush.Set(); Await(go, "go"); } };
            long unparks = Parking.UnparksOf(Parking.CurrentThread());
            m->Lock();
            lockerParks = Parking.UnparksOf(Parking.CurrentThread()) - unparks;
            t_script = null;
            Assert.True(m->IsLockedByCurrentThread);
            Volatile.Write(ref acquired, 1);
            m->Unlock();
        });
        Await(atBeforePush, "locker registered");
        var before = Stats.Now;
        m->Unlock();
        AssertAtLeast(new Stats(1, 0, 0), Stats.Now - before);
        Assert.True(m->IsLocked);                   // nobody holds it, but a waiter is registered
        Assert.True(m->Owner == null);
        Assert.Equal(0, Volatile.Read(ref acquired));
        go.Set();
        g.Join(TimeSpan.FromSeconds(10));
        AssertAtLeast(new Stats(1, 1, 0), Stats.Now - before);
        Assert.Equal(1, acquired);
        Assert.Equal(0, lockerParks);               // nobody woke it: it took the mutex through the offer
        Assert.False(m->IsLocked);
    }

    // The locker queues between the offer and the unlocker's second look at the queue, and has not
    // looked for the offer yet: the unlocker takes its offer back and wakes the locker itself.
    [Fact]
    public void UnlockerTakesItsOfferBackWhenALockerQueuedMeanwhile() => SyncHarness.Guard(UnlockerTakesItsOfferBackWhenALockerQueuedMeanwhileBody);

    private void UnlockerTakesItsOfferBackWhenALockerQueuedMeanwhileBody()
    {
        var m = _mem.Alloc<Mutex>();
        m->Lock();
        var atBeforePush = new ManualResetEventSlim();
        var atAfterPush = new ManualResetEventSlim();
        var go1 = new ManualResetEventSlim();
        var go2 = new ManualResetEventSlim();
        int acquired = 0;
        void* locker = null;
        var g = new SyncHarness.Group();
        g.Start("locker", () =>
        {
            locker = Parking.CurrentThread();
            t_script = p =>
            {
                if (p == SyncStats.PointBeforePush) { atBeforePush.Set(); Await(go1, "go1"); }
                if (p == SyncStats.PointAfterPush) { atAfterPush.Set(); Await(go2, "go2"); }
            };
            m->Lock();
            t_script = null;
            Assert.True(m->IsLockedByCurrentThread);
            Volatile.Write(ref acquired, 1);
            m->Unlock();
        });
        Await(atBeforePush, "locker registered");
        long lockerWakes = Parking.UnparksOf(locker);
        var before = Stats.Now;
        t_script = p => { if (p == SyncStats.PointAfterOffer) { go1.Set(); Await(atAfterPush, "locker queued"); } };
        m->Unlock();
        t_script = null;
        AssertAtLeast(new Stats(1, 0, 1), Stats.Now - before);
        // The unlocker itself popped and woke the locker, which has not even looked for the offer yet.
        Assert.Equal(lockerWakes + 1, Parking.UnparksOf(locker));
        go2.Set();
        g.Join(TimeSpan.FromSeconds(10));
        Assert.Equal(1, acquired);
        Assert.False(m->IsLocked);
    }

    // The unlocker sees the queued locker and is about to take its offer back, but the locker takes
    // the offer first: the unlocker's CAS fails and it leaves; the locker holds the mutex.
    [Fact]
    public void LockerWinsTheOfferAgainstTheUnlockersRetraction() => SyncHarness.Guard(LockerWinsTheOfferAgainstTheUnlockersRetractionBody);

    private void LockerWinsTheOfferAgainstTheUnlockersRetractionBody()
    {
        var m = _mem.Alloc<Mutex>();
        m->Lock();
        var atBeforePush = new ManualResetEventSlim();
        var atAfterPush = new ManualResetEventSlim();
        var go1 = new ManualResetEventSlim();
        var go2 = new ManualResetEventSlim();
        var acquired = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        void* lockerId = null;
        var g = new SyncHarness.Group();
        g.Start("locker", () =>
        {
            lockerId = Parking.CurrentThread();
            t_script = p =>
            {
                if (p == SyncStats.PointBeforePush) { atBeforePush.Set(); Await(go1, "go1"); }
                if (p == SyncStats.PointAfterPush) { atAfterPush.Set(); Await(go2, "go2"); }
            };
            m->Lock();
            t_script = null;
            acquired.Set();
            Await(release, "release");
            m->Unlock();
        });
        Await(atBeforePush, "locker registered");
        long lockerWakes = Parking.UnparksOf(lockerId);
        var before = Stats.Now;
        t_script = p =>
        {
            if (p == SyncStats.PointAfterOffer) { go1.Set(); Await(atAfterPush, "locker queued"); }
            if (p == SyncStats.PointBeforeRetract) { go2.Set(); Await(acquired, "locker took the offer"); }
        };
        m->Unlock();
        t_script = null;
        AssertAtLeast(new Stats(1, 1, 0), Stats.Now - before);
        Assert.True(m->Owner == lockerId);
        Assert.Equal(lockerWakes, Parking.UnparksOf(lockerId));     // it got the mutex without a wake-up
        Assert.False(m->IsLockedByCurrentThread);
        release.Set();
        g.Join(TimeSpan.FromSeconds(10));
        Assert.False(m->IsLocked);
    }

    // Wait morphing meets the hand-off: the mutex is in limbo (offer outstanding, locker not queued
    // yet) when a condition variable is signalled. SendLock queues the waiter's record, takes the
    // offer and wakes the waiter, which then holds the mutex before the locker that was first in line
    // to count itself; the locker gets it next.
    [Fact]
    public void SignalledWaiterTakesAnOutstandingOffer() => SyncHarness.Guard(SignalledWaiterTakesAnOutstandingOfferBody);

    private void SignalledWaiterTakesAnOutstandingOfferBody()
    {
        var m = _mem.Alloc<Mutex>();
        var cv = _mem.Alloc<CondVar>();
        var order = new List<string>();
        var waiterIn = new ManualResetEventSlim();
        var waiterGo = new ManualResetEventSlim();
        var g = new SyncHarness.Group();
        void* waiter = null;
        g.StartParked("waiter", () =>
        {
            waiter = Parking.CurrentThread();
            m->Lock();
            cv->Wait(m);
            order.Add("waiter");
            waiterIn.Set();
            Await(waiterGo, "waiterGo");
            m->Unlock();
        });
        m->Lock();
        var atBeforePush = new ManualResetEventSlim();
        var go = new ManualResetEventSlim();
        g.Start("locker", () =>
        {
            t_script = p => { if (p == SyncStats.PointBeforePush) { atBeforePush.Set(); Await(go, "go"); } };
            m->Lock();
            t_script = null;
            order.Add("locker");
            m->Unlock();
        });
        Await(atBeforePush, "locker registered");
        var before = Stats.Now;
        m->Unlock();                                   // offer outstanding
        AssertAtLeast(new Stats(1, 0, 0), Stats.Now - before);
        long waiterWakes = Parking.UnparksOf(waiter);
        cv->Signal();                                  // SendLock takes it and wakes the waiter
        AssertAtLeast(new Stats(1, 1, 0), Stats.Now - before);
        Assert.Equal(waiterWakes + 1, Parking.UnparksOf(waiter));
        Await(waiterIn, "waiter holds the mutex");
        go.Set();                                      // the locker queues and sleeps
        Thread.Sleep(20);
        waiterGo.Set();
        g.Join(TimeSpan.FromSeconds(10));
        Assert.Equal(new[] { "waiter", "locker" }, order);
        Assert.False(m->IsLocked);
    }

    // Barging: the unlocker wakes its waiter (the heir) and takes the mutex again before the heir
    // runs. The heir finds it held, gives the waking duty back and waits again; the next unlock wakes
    // it and it gets the mutex. Nothing is lost and nobody is woken twice for one unlock.
    [Fact]
    public void AnUnlockerRetakesTheMutexBeforeItsWokenHeirAndTheHeirWaitsAgain() => SyncHarness.Guard(() =>
    {
        Parking.HoldersRun = false;             // no polling: the heir must queue again, not wait for the barger
        try { AnUnlockerRetakesTheMutexBody(); }
        finally { Parking.HoldersRun = true; }
    });

    private void AnUnlockerRetakesTheMutexBody()
    {
        var m = _mem.Alloc<Mutex>();
        m->Lock();
        var atHeir = new ManualResetEventSlim();
        var go = new ManualResetEventSlim();
        int heirs = 0, acquired = 0;
        void* waiter = null;
        var g = new SyncHarness.Group();
        g.StartParked("waiter", () =>
        {
            waiter = Parking.CurrentThread();
            t_script = p =>
            {
                if (p == SyncStats.PointHeir && Interlocked.Increment(ref heirs) == 1) { atHeir.Set(); Await(go, "go"); }
            };
            m->Lock();
            t_script = null;
            Assert.True(m->IsLockedByCurrentThread);
            Volatile.Write(ref acquired, 1);
            m->Unlock();
        });
        long requeuesBefore = Interlocked.Read(ref SyncStats.HeirRequeues);
        long wakesBefore = Parking.UnparksOf(waiter);
        m->Unlock();                                    // wakes the waiter as the heir
        Await(atHeir, "waiter woken as the heir");
        Assert.Equal(wakesBefore + 1, Parking.UnparksOf(waiter));
        Assert.True(m->TryLock());                      // barge: free, although a waiter is registered
        m->Unlock();                                    // the heir is awake: no second wake-up
        m->Lock();
        Assert.Equal(wakesBefore + 1, Parking.UnparksOf(waiter));
        long parksBeforeGo = Interlocked.Read(ref Parking.ParkCalls);
        go.Set();
        Assert.True(SpinWait.SpinUntil(() => Interlocked.Read(ref Parking.ParkCalls) > parksBeforeGo, 10_000), "the heir did not wait again");
        Assert.True(Interlocked.Read(ref SyncStats.HeirRequeues) > requeuesBefore, "the heir did not queue again");
        Assert.Equal(0, Volatile.Read(ref acquired));
        m->Unlock();                                    // wakes it again; now it gets the mutex
        g.Join(TimeSpan.FromSeconds(10));
        Assert.Equal(1, acquired);
        Assert.Equal(2, heirs);
        Assert.Equal(wakesBefore + 2, Parking.UnparksOf(waiter));
        Assert.False(m->IsLocked);
    }
}
