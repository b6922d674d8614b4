using System.Diagnostics;
using Nimbus.Kernel.Diagnostics;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Sync;
using Xunit;
using Xunit.Abstractions;
using Semaphore = Nimbus.Kernel.Sync.Semaphore;

namespace Nimbus.Tests;

[Collection("Sync")]
public unsafe class SyncSemaphoreTests(ITestOutputHelper output) : IDisposable
{
    private readonly SyncHarness.NativeBlock _mem = new();
    public void Dispose() => _mem.Dispose();

    [Fact]
    public void CountsUnits() => SyncHarness.Guard(CountsUnitsBody);

    private void CountsUnitsBody()
    {
        var s = _mem.Alloc<Semaphore>();
        Assert.Equal(0, s->Count);
        Assert.False(s->TryWait());             // zeroed memory: count 0
        *s = new Semaphore(3);
        Assert.True(s->TryWait());
        Assert.True(s->TryWait());
        Assert.True(s->TryWait());
        Assert.False(s->TryWait());
        s->Post(2);
        Assert.Equal(2, s->Count);
        s->Wait();
        Assert.True(s->WaitUntil(Parking.NowNs()));     // available: no need to wait at all
        Assert.Equal(0, s->Count);
        s->Post(0);
        Assert.Equal(0, s->Count);
        Assert.Throws<KernelPanicException>(() => s->Post(-1));

        var sw = Stopwatch.StartNew();
        Assert.False(s->WaitUntil(SyncHarness.DeadlineIn(TimeSpan.FromMilliseconds(60))));
        Assert.True(sw.ElapsedMilliseconds >= 59, $"{sw.ElapsedMilliseconds} ms");
        Assert.Equal(0, s->Count);
    }

    [Fact]
    public void PostWakesExactlyAsManyWaitersAsUnits() => SyncHarness.Guard(PostWakesExactlyAsManyWaitersAsUnitsBody);

    private void PostWakesExactlyAsManyWaitersAsUnitsBody()
    {
        var s = _mem.Alloc<Semaphore>();
        const int Waiters = 6;
        int passed = 0;
        var g = new SyncHarness.Group();
        for (int i = 0; i < Waiters; i++)
            g.Start($"waiter {i}", () =>
            {
                s->Wait();
                Interlocked.Increment(ref passed);
            });
        Thread.Sleep(50);
        Assert.Equal(0, Volatile.Read(ref passed));
        s->Post(4);
        Assert.True(SyncHarness.WaitFor(() => Volatile.Read(ref passed) == 4));
        Thread.Sleep(50);
        Assert.Equal(4, Volatile.Read(ref passed));     // no more than the units posted
        Assert.Equal(0, s->Count);
        s->Post();
        s->Post();
        g.Join(TimeSpan.FromSeconds(10));
        Assert.Equal(Waiters, passed);
        Assert.Equal(0, s->Count);
    }

    // Units are conserved under a mix of blocking, non-blocking and timed waits (timed-out waiters
    // must leave without taking a unit, granted ones must not lose theirs). Producers stop at their
    // quota or the time budget; consumers drain exactly what was posted.
    [Fact]
    public void UnitsAreConservedUnderStress() => SyncHarness.Guard(UnitsAreConservedUnderStressBody);

    private void UnitsAreConservedUnderStressBody()
    {
        var s = _mem.Alloc<Semaphore>();
        const int Consumers = 4, Producers = 2, PerProducer = 40_000;
        long posted = 0, consumed = 0, timeouts = 0;
        int producersLeft = Producers;
        var g = new SyncHarness.Group();
        var sw = Stopwatch.StartNew();
        for (int p = 0; p < Producers; p++)
        {
            int id = p;
            g.Start($"producer {id}", () =>
            {
                var rng = new Random(id);
                int left = PerProducer;
                while (left > 0 && sw.ElapsedMilliseconds < SyncHarness.StressBudgetMs)
                {
                    int n = Math.Min(left, rng.Next(1, 4));
                    Interlocked.Add(ref posted, n);         // before the units exist: consumed <= posted
                    s->Post(n);
                    left -= n;
                    if (rng.Next(8) == 0) Thread.Yield();
                }
                Interlocked.Decrement(ref producersLeft);
            });
        }
        for (int c = 0; c < Consumers; c++)
        {
            int id = c;
            g.Start($"consumer {id}", () =>
            {
                var rng = new Random(50 + id);
                // Until the producers are done and every posted unit has been taken.
                while (Volatile.Read(ref producersLeft) > 0 || Interlocked.Read(ref consumed) < Interlocked.Read(ref posted))
                {
                    bool got = (rng.Next(3)) switch
                    {
                        0 => s->TryWait(),
                        1 => s->WaitUntil(Parking.NowNs() + (ulong)rng.Next(1000, 200_000)),
                        _ => s->WaitUntil(SyncHarness.DeadlineIn(TimeSpan.FromMilliseconds(20))),
                    };
                    if (got) Interlocked.Increment(ref consumed);
                    else Interlocked.Increment(ref timeouts);
                }
            });
        }
        g.Join();
        sw.Stop();
        output.WriteLine($"{consumed} units in {sw.ElapsedMilliseconds} ms, {timeouts} empty waits");
        Assert.Equal(posted, consumed);
        Assert.Equal(0, s->Count);
        Assert.True(posted >= 1000, $"only {posted} units posted");
    }

    // Two threads pass a token back and forth through two semaphores with untimed waits: every Post
    // races the other side's Wait going to sleep, and one lost wake-up stops the game.
    [Fact]
    public void PingPongWithUntimedWaitsNeverStalls() => SyncHarness.Guard(PingPongWithUntimedWaitsNeverStallsBody);

    private void PingPongWithUntimedWaitsNeverStallsBody()
    {
        var ping = _mem.Alloc<Semaphore>();
        var pong = _mem.Alloc<Semaphore>();
        const int Rounds = 50_000;
        int stop = 0;
        long rounds = 0;
        var sw = Stopwatch.StartNew();
        SyncHarness.Run(2, id =>
        {
            if (id == 0)
            {
                for (; rounds < Rounds && sw.ElapsedMilliseconds < SyncHarness.StressBudgetMs; rounds++)
                {
                    ping->Post();
                    pong->Wait();
                }
                Volatile.Write(ref stop, 1);
                ping->Post();
            }
            else
            {
                while (true)
                {
                    ping->Wait();
                    if (Volatile.Read(ref stop) != 0) break;
                    pong->Post();
                }
            }
        });
        output.WriteLine($"{rounds} round trips in {sw.ElapsedMilliseconds} ms");
        Assert.True(rounds >= 100, $"only {rounds} round trips");
        Assert.Equal(0, ping->Count);
        Assert.Equal(0, pong->Count);
    }

    [Fact]
    public void SemaphoreOfOneIsAMutex() => SyncHarness.Guard(SemaphoreOfOneIsAMutexBody);

    private void SemaphoreOfOneIsAMutexBody()
    {
        var s = _mem.Alloc<Semaphore>();
        *s = new Semaphore(1);
        long counter = 0;
        int inside = 0, overlaps = 0;
        long total = 0;
        var sw = Stopwatch.StartNew();
        SyncHarness.Run(4, _ =>
        {
            int i = 0;
            for (; i < 30_000 && ((i & 255) != 0 || sw.ElapsedMilliseconds < SyncHarness.StressBudgetMs); i++)
            {
                s->Wait();
                if (Interlocked.Increment(ref inside) != 1) Interlocked.Increment(ref overlaps);
                long v = Volatile.Read(ref counter);
                Volatile.Write(ref counter, v + 1);
                Interlocked.Decrement(ref inside);
                s->Post();
            }
            Interlocked.Add(ref total, i);
        });
        Assert.Equal(0, overlaps);
        Assert.Equal(total, counter);
        Assert.Equal(1, s->Count);
    }
}
