using System.Diagnostics;
using Nimbus.Kernel.Diagnostics;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Sync;
using Xunit;
using Xunit.Abstractions;
using Mutex = Nimbus.Kernel.Sync.Mutex;

namespace Nimbus.Tests;

[Collection("Sync")]
public unsafe class SyncCondVarTests(ITestOutputHelper output) : IDisposable
{
    private readonly SyncHarness.NativeBlock _mem = new();
    public void Dispose() => _mem.Dispose();

    private struct Ring
    {
        public const int Capacity = 4;
        public fixed long Items[Capacity];
        public int Head, Count;
        public long Produced, Consumed, ProducedSum;
        public int ProducersDone;
        public long FullWaits, EmptyWaits;
    }

    // Bounded buffer, several producers and consumers, Signal only for the data (two condition
    // variables): a single lost wake-up leaves a thread blocked forever, which the deadline catches.
    // Producers stop after PerProducer items or the time budget; the last one to stop broadcasts so
    // that idle consumers see the end.
    [Fact]
    public void ProducerConsumerOverABoundedBufferLosesNothing() => SyncHarness.Guard(ProducerConsumerOverABoundedBufferLosesNothingBody);

    private void ProducerConsumerOverABoundedBufferLosesNothingBody()
    {
        var m = _mem.Alloc<Mutex>();
        var notFull = _mem.Alloc<CondVar>();
        var notEmpty = _mem.Alloc<CondVar>();
        var r = _mem.Alloc<Ring>();
        const int Producers = 3, Consumers = 3, PerProducer = 50_000;
        long consumedSum = 0;
        var perConsumer = new long[Consumers];
        long sentBefore = Interlocked.Read(ref SyncStats.LocksSent);
        var sw = Stopwatch.StartNew();
        var g = new SyncHarness.Group();
        for (int p = 0; p < Producers; p++)
        {
            int id = p;
            g.Start($"producer {id}", () =>
            {
                var rng = new Random(id);
                for (int i = 1; i <= PerProducer; i++)
                {
                    if ((i & 255) == 0 && sw.ElapsedMilliseconds > SyncHarness.StressBudgetMs) break;
                    // Bursts and pauses on both sides, so the buffer runs both full and empty.
                    if (rng.Next(64) == 0) Thread.Yield();
                    long item = (long)id * PerProducer + i;
                    m->Lock();
                    while (r->Count == Ring.Capacity) { notFull->Wait(m); r->FullWaits++; }
                    Assert.True(m->IsLockedByCurrentThread);
                    r->Items[(r->Head + r->Count) % Ring.Capacity] = item;
                    r->Count++;
                    r->Produced++;
                    r->ProducedSum += item;
                    notEmpty->Signal();
                    m->Unlock();
                }
                m->Lock();
                if (++r->ProducersDone == Producers) notEmpty->Broadcast();
                m->Unlock();
            });
        }
        for (int c = 0; c < Consumers; c++)
        {
            int id = c;
            g.Start($"consumer {id}", () =>
            {
                var rng = new Random(100 + id);
                long sum = 0, n = 0;
                while (true)
                {
                    if (rng.Next(64) == 0) Thread.Yield();
                    m->Lock();
                    while (r->Count == 0 && r->ProducersDone < Producers) { notEmpty->Wait(m); r->EmptyWaits++; }
                    if (r->Count == 0)
                    {
                        m->Unlock();
                        break;
                    }
                    sum += r->Items[r->Head];
                    r->Head = (r->Head + 1) % Ring.Capacity;
                    r->Count--;
                    r->Consumed++;
                    n++;
                    notFull->Signal();
                    m->Unlock();
                }
                Interlocked.Add(ref consumedSum, sum);
                perConsumer[id] = n;
            });
        }
        g.Join();
        sw.Stop();

        long sent = Interlocked.Read(ref SyncStats.LocksSent) - sentBefore;
        output.WriteLine($"{r->Consumed} items through a {Ring.Capacity}-slot buffer in {sw.ElapsedMilliseconds} ms ({r->Consumed / sw.Elapsed.TotalSeconds / 1e3:F0} k items/s), waits: {r->FullWaits} on full, {r->EmptyWaits} on empty; {sent} waiters morphed onto the mutex; per consumer: {string.Join(", ", perConsumer)}");
        Assert.Equal(r->Produced, r->Consumed);
        Assert.Equal(r->Produced, perConsumer.Sum());
        Assert.Equal(r->ProducedSum, consumedSum);
        Assert.Equal(0, r->Count);
        Assert.True(r->Produced >= 1_000, $"only {r->Produced} items produced");
        Assert.True(r->FullWaits > 0 && r->EmptyWaits > 0, "the buffer never ran full or never ran empty: the condition variables were not exercised");
        Assert.True(sent > 0, "no signalled waiter was moved to the mutex");
        Assert.False(m->IsLocked);
    }

    private struct Gate
    {
        public int Go, Waiting, Inside, Woken, Overlaps;
    }

    [Fact]
    public void BroadcastWakesEveryWaiterEachHoldingTheMutex() => SyncHarness.Guard(BroadcastWakesEveryWaiterEachHoldingTheMutexBody);

    private void BroadcastWakesEveryWaiterEachHoldingTheMutexBody()
    {
        var m = _mem.Alloc<Mutex>();
        var cv = _mem.Alloc<CondVar>();
        var s = _mem.Alloc<Gate>();
        const int Waiters = 8;
        var g = new SyncHarness.Group();
        for (int i = 0; i < Waiters; i++)
            g.Start($"waiter {i}", () =>
            {
                m->Lock();
                s->Waiting++;
                while (s->Go == 0) cv->Wait(m);
                // Wait morphing hands the mutex to one waiter at a time.
                if (!m->IsLockedByCurrentThread || Interlocked.Increment(ref s->Inside) != 1) Interlocked.Increment(ref s->Overlaps);
                Thread.SpinWait(200);
                Interlocked.Decrement(ref s->Inside);
                s->Woken++;
                m->Unlock();
            });
        Assert.True(SyncHarness.WaitFor(() => { m->Lock(); int w = s->Waiting; m->Unlock(); return w == Waiters; }), "waiters did not all start");
        Thread.Sleep(20);       // let the last one reach Park
        m->Lock();
        Assert.Equal(0, s->Woken);
        s->Go = 1;
        cv->Broadcast();
        Assert.Equal(0, s->Woken);      // nobody can run while we hold the mutex
        m->Unlock();
        g.Join(TimeSpan.FromSeconds(10));
        Assert.Equal(Waiters, s->Woken);
        Assert.Equal(0, s->Overlaps);
        Assert.False(m->IsLocked);
    }

    [Fact]
    public void WaitUntilTimesOutWhenNobodySignals() => SyncHarness.Guard(WaitUntilTimesOutWhenNobodySignalsBody);

    private void WaitUntilTimesOutWhenNobodySignalsBody()
    {
        var m = _mem.Alloc<Mutex>();
        var cv = _mem.Alloc<CondVar>();
        m->Lock();
        var sw = Stopwatch.StartNew();
        bool signalled = cv->WaitUntil(m, SyncHarness.DeadlineIn(TimeSpan.FromMilliseconds(100)));
        sw.Stop();
        Assert.False(signalled);
        Assert.True(sw.ElapsedMilliseconds >= 99, $"returned after {sw.ElapsedMilliseconds} ms");
        Assert.True(sw.ElapsedMilliseconds < 5000, $"returned after {sw.ElapsedMilliseconds} ms");
        Assert.True(m->IsLockedByCurrentThread);
        Assert.Equal(1, m->Depth);

        // A deadline already in the past returns at once, still holding the mutex.
        Assert.False(cv->WaitUntil(m, Parking.NowNs() - 1));
        Assert.True(m->IsLockedByCurrentThread);
        m->Unlock();

        // The timed-out records left the list: a signal now finds nobody, and a later waiter still
        // gets its own signal.
        cv->Signal();
        int done = 0;
        var g = new SyncHarness.Group();
        g.StartParked("waiter", () =>
        {
            m->Lock();
            bool ok = cv->WaitUntil(m, SyncHarness.DeadlineIn(TimeSpan.FromSeconds(20)));
            m->Unlock();
            Volatile.Write(ref done, ok ? 1 : 2);
        });
        m->Lock();
        cv->Signal();
        m->Unlock();
        g.Join(TimeSpan.FromSeconds(10));
        Assert.Equal(1, done);
    }

    [Fact]
    public void WaitUntilReturnsTrueWhenSignalledBeforeTheDeadline() => SyncHarness.Guard(WaitUntilReturnsTrueWhenSignalledBeforeTheDeadlineBody);

    private void WaitUntilReturnsTrueWhenSignalledBeforeTheDeadlineBody()
    {
        var m = _mem.Alloc<Mutex>();
        var cv = _mem.Alloc<CondVar>();
        var flag = _mem.Alloc<int>();
        bool result = false;
        long elapsedMs = 0;
        var g = new SyncHarness.Group();
        g.Start("waiter", () =>
        {
            var sw = Stopwatch.StartNew();
            m->Lock();
            bool r = true;
            while (*flag == 0 && r) r = cv->WaitUntil(m, SyncHarness.DeadlineIn(TimeSpan.FromSeconds(30)));
            Assert.True(m->IsLockedByCurrentThread);
            m->Unlock();
            result = r && *flag == 1;
            elapsedMs = sw.ElapsedMilliseconds;
        });
        Thread.Sleep(50);
        m->Lock();
        *flag = 1;
        cv->Signal();
        m->Unlock();
        g.Join(TimeSpan.FromSeconds(10));
        Assert.True(result);
        Assert.True(elapsedMs < 10_000, $"took {elapsedMs} ms");
    }

    // Wait morphing, observed: a Signal issued while the signaller holds the mutex does not wake the
    // waiter (no Unpark at all); the waiter is woken once, by the Unlock that hands it the mutex.
    [Fact]
    public void SignalMovesTheWaiterOntoTheMutexInsteadOfWakingIt() => SyncHarness.Guard(SignalMovesTheWaiterOntoTheMutexInsteadOfWakingItBody);

    private void SignalMovesTheWaiterOntoTheMutexInsteadOfWakingItBody()
    {
        var m = _mem.Alloc<Mutex>();
        var cv = _mem.Alloc<CondVar>();
        var flag = _mem.Alloc<int>();
        int returned = 0;
        void* waiter = null;
        var g = new SyncHarness.Group();
        g.StartParked("waiter", () =>
        {
            waiter = Parking.CurrentThread();
            m->Lock();
            while (*flag == 0) cv->Wait(m);
            Assert.True(m->IsLockedByCurrentThread);
            Volatile.Write(ref returned, 1);
            m->Unlock();
        });
        long sentBefore = Interlocked.Read(ref SyncStats.LocksSent);
        m->Lock();
        long unparks = Parking.UnparksOf(waiter);
        *flag = 1;
        cv->Signal();
        Thread.Sleep(100);
        Assert.Equal(unparks, Parking.UnparksOf(waiter));                      // not woken to contend
        Assert.Equal(0, Volatile.Read(ref returned));
        Assert.True(Interlocked.Read(ref SyncStats.LocksSent) > sentBefore);
        m->Unlock();                                                           // hands it the mutex
        Assert.Equal(unparks + 1, Parking.UnparksOf(waiter));
        g.Join(TimeSpan.FromSeconds(10));
        Assert.Equal(1, returned);
        Assert.False(m->IsLocked);
    }

    // The race between a timeout and a signal, forced: the waiter is signalled (its record moved to
    // the mutex queue) while the signaller holds the mutex, and then its deadline passes. It must
    // not leave (its record is queued on the mutex): it goes back to sleep until the mutex is handed
    // to it, and reports the signal.
    [Fact]
    public void DeadlinePassingAfterTheSignalStillReturnsTrueWithTheMutex() => SyncHarness.Guard(DeadlinePassingAfterTheSignalStillReturnsTrueWithTheMutexBody);

    private void DeadlinePassingAfterTheSignalStillReturnsTrueWithTheMutexBody()
    {
        var m = _mem.Alloc<Mutex>();
        var cv = _mem.Alloc<CondVar>();
        int result = 0;
        var g = new SyncHarness.Group();
        g.StartParked("waiter", () =>
        {
            m->Lock();
            bool r = cv->WaitUntil(m, SyncHarness.DeadlineIn(TimeSpan.FromMilliseconds(150)));
            Assert.True(m->IsLockedByCurrentThread);
            Volatile.Write(ref result, r ? 1 : 2);
            m->Unlock();
        });
        long lateBefore = Interlocked.Read(ref SyncStats.MorphedAfterTimeout);
        m->Lock();
        cv->Signal();
        // Hold the mutex well past the waiter's deadline.
        Assert.True(SyncHarness.WaitFor(() => Interlocked.Read(ref SyncStats.MorphedAfterTimeout) > lateBefore, TimeSpan.FromSeconds(10)),
            "the waiter did not notice it had been moved when its deadline passed");
        Thread.Sleep(20);
        Assert.Equal(0, Volatile.Read(ref result));     // still waiting for the mutex
        m->Unlock();
        g.Join(TimeSpan.FromSeconds(10));
        Assert.Equal(1, result);
        Assert.False(m->IsLocked);
    }

    // Signal without holding the mutex (allowed): the mutex is free, so SendLock acquires it for the
    // waiter and wakes it directly.
    [Fact]
    public void SignalWithoutTheMutexHandsTheFreeMutexToTheWaiter() => SyncHarness.Guard(SignalWithoutTheMutexHandsTheFreeMutexToTheWaiterBody);

    private void SignalWithoutTheMutexHandsTheFreeMutexToTheWaiterBody()
    {
        var m = _mem.Alloc<Mutex>();
        var cv = _mem.Alloc<CondVar>();
        int returned = 0;
        var g = new SyncHarness.Group();
        g.StartParked("waiter", () =>
        {
            m->Lock();
            cv->Wait(m);
            Assert.True(m->IsLockedByCurrentThread);
            Volatile.Write(ref returned, 1);
            m->Unlock();
        });
        cv->Signal();
        g.Join(TimeSpan.FromSeconds(10));
        Assert.Equal(1, returned);
        Assert.False(m->IsLocked);
    }

    [Fact]
    public void WaitReleasesARecursiveMutexCompletelyAndRestoresTheDepth() => SyncHarness.Guard(WaitReleasesARecursiveMutexCompletelyAndRestoresTheDepthBody);

    private void WaitReleasesARecursiveMutexCompletelyAndRestoresTheDepthBody()
    {
        var m = _mem.Alloc<Mutex>();
        var cv = _mem.Alloc<CondVar>();
        var flag = _mem.Alloc<int>();
        int depthAfter = 0;
        bool ownerAfter = false;
        var g = new SyncHarness.Group();
        g.StartParked("waiter", () =>
        {
            m->Lock();
            m->Lock();
            m->Lock();
            while (*flag == 0) cv->Wait(m);
            depthAfter = m->Depth;
            ownerAfter = m->IsLockedByCurrentThread;
            m->Unlock();
            m->Unlock();
            m->Unlock();
        });
        m->Lock();              // possible only because Wait released all three levels
        *flag = 1;
        cv->Signal();
        m->Unlock();
        g.Join(TimeSpan.FromSeconds(10));
        Assert.Equal(3, depthAfter);
        Assert.True(ownerAfter);
        Assert.False(m->IsLocked);
    }

    [Fact]
    public void WaitWithoutHoldingTheMutexPanics() => SyncHarness.Guard(WaitWithoutHoldingTheMutexPanicsBody);

    private void WaitWithoutHoldingTheMutexPanicsBody()
    {
        var m = _mem.Alloc<Mutex>();
        var cv = _mem.Alloc<CondVar>();
        var e = Assert.Throws<KernelPanicException>(() => cv->Wait(m));
        Assert.Contains("without holding the mutex", e.Message);
    }

    // Short timed waits racing Signal and Broadcast: timeouts that lose the race to a signal (the
    // record is already on the mutex queue) must still return holding the mutex, exactly once.
    [Fact]
    public void TimedWaitsRacingSignalsAlwaysReturnHoldingTheMutex() => SyncHarness.Guard(TimedWaitsRacingSignalsAlwaysReturnHoldingTheMutexBody);

    private void TimedWaitsRacingSignalsAlwaysReturnHoldingTheMutexBody()
    {
        var m = _mem.Alloc<Mutex>();
        var cv = _mem.Alloc<CondVar>();
        var inside = _mem.Alloc<int>();
        long trues = 0, falses = 0, overlaps = 0, signals = 0;
        long lateBefore = Interlocked.Read(ref SyncStats.MorphedAfterTimeout);
        var stop = Stopwatch.StartNew();
        // Run for 1.5 s and until both outcomes were seen (a loaded host can starve either), at most 10 s.
        bool Running() => stop.ElapsedMilliseconds < 1500
            || (stop.ElapsedMilliseconds < 10_000 && (Interlocked.Read(ref trues) == 0 || Interlocked.Read(ref falses) == 0));
        var g = new SyncHarness.Group();
        for (int i = 0; i < 4; i++)
        {
            int id = i;
            g.Start($"waiter {id}", () =>
            {
                var rng = new Random(id);
                while (Running())
                {
                    m->Lock();
                    bool r = cv->WaitUntil(m, Parking.NowNs() + (ulong)rng.Next(0, 300_000));
                    if (!m->IsLockedByCurrentThread || Interlocked.Increment(ref *inside) != 1) Interlocked.Increment(ref overlaps);
                    Interlocked.Decrement(ref *inside);
                    m->Unlock();
                    Interlocked.Increment(ref r ? ref trues : ref falses);
                }
            });
        }
        for (int i = 0; i < 2; i++)
        {
            int id = i;
            g.Start($"signaller {id}", () =>
            {
                var rng = new Random(100 + id);
                while (Running())
                {
                    // Now and then a quiet spell longer than any deadline, so that waits also time out.
                    if (rng.Next(64) == 0) Thread.Sleep(1);
                    bool hold = rng.Next(2) == 0;
                    if (hold) m->Lock();
                    if (rng.Next(4) == 0) cv->Broadcast(); else cv->Signal();
                    if (hold) m->Unlock();
                    Interlocked.Increment(ref signals);
                    Thread.SpinWait(rng.Next(50, 2000));
                }
            });
        }
        g.Join();
        // Wake anyone still waiting (none should be: every wait had a short deadline).
        long late = Interlocked.Read(ref SyncStats.MorphedAfterTimeout) - lateBefore;
        output.WriteLine($"{trues} signalled, {falses} timed out, {signals} signal/broadcast calls, {late} timeouts that found themselves already moved to the mutex");
        Assert.Equal(0, overlaps);
        Assert.True(trues > 0 && falses > 0, "both outcomes should occur");
        Assert.False(m->IsLocked);
    }
}
