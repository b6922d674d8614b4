using System.Diagnostics;
using Nimbus.Kernel.Sync;
using Xunit;
using Xunit.Abstractions;
using Mutex = Nimbus.Kernel.Sync.Mutex;

namespace Nimbus.Tests;

[Collection("Sync")]
public unsafe class SyncWaitQueueTests(ITestOutputHelper output) : IDisposable
{
    private readonly SyncHarness.NativeBlock _mem = new();
    public void Dispose() => _mem.Dispose();

    private struct Level
    {
        public long Value;
        public long Target;
    }

    private static bool Reached(void* state) => ((Level*)state)->Value >= ((Level*)state)->Target;

    private struct Threshold
    {
        public long* Value;
        public long Target;
    }

    private static bool AtLeast(void* state) => *((Threshold*)state)->Value >= ((Threshold*)state)->Target;

    [Fact]
    public void WaitersReturnExactlyWhenTheirPredicateHolds() => SyncHarness.Guard(WaitersReturnExactlyWhenTheirPredicateHoldsBody);

    private void WaitersReturnExactlyWhenTheirPredicateHoldsBody()
    {
        var m = _mem.Alloc<Mutex>();
        var q = _mem.Alloc<WaitQueue>();
        var value = _mem.Alloc<long>();
        const int Waiters = 6;
        var seen = new long[Waiters];
        var g = new SyncHarness.Group();
        for (int i = 0; i < Waiters; i++)
        {
            int id = i;
            g.Start($"waiter {id}", () =>
            {
                Threshold t = new() { Value = value, Target = (id + 1) * 10 };
                m->Lock();
                q->WaitUntil(m, &AtLeast, &t);
                Assert.True(m->IsLockedByCurrentThread);
                seen[id] = *value;              // under the mutex: what the predicate saw
                m->Unlock();
            });
        }
        for (int step = 1; step <= Waiters * 10; step++)
        {
            m->Lock();
            *value = step;
            q->WakeAll();
            m->Unlock();
            if (step % 10 == 5) Thread.Sleep(1);
        }
        g.Join(TimeSpan.FromSeconds(10));
        for (int i = 0; i < Waiters; i++) Assert.True(seen[i] >= (i + 1) * 10, $"waiter {i} returned at {seen[i]}");
    }

    private struct Turn
    {
        public int Who;         // the thread this state belongs to
        public int* Shared;     // whose turn it is
        public int* Stop;
    }

    private static bool MyTurn(void* state) => *((Turn*)state)->Shared == ((Turn*)state)->Who || *((Turn*)state)->Stop != 0;

    // Two threads alternate strictly through WakeOne: any lost wake-up stops the ping-pong. Thread 0
    // ends the game at 20000 rounds or the time budget.
    [Fact]
    public void PingPongWithWakeOneNeverStalls() => SyncHarness.Guard(PingPongWithWakeOneNeverStallsBody);

    private void PingPongWithWakeOneNeverStallsBody()
    {
        var m = _mem.Alloc<Mutex>();
        var q = _mem.Alloc<WaitQueue>();
        var turn = _mem.Alloc<int>();
        var stop = _mem.Alloc<int>();
        var rounds = new long[2];
        var sw = Stopwatch.StartNew();
        SyncHarness.Run(2, id =>
        {
            Turn t = new() { Who = id, Shared = turn, Stop = stop };
            long n = 0;
            while (true)
            {
                m->Lock();
                q->WaitUntil(m, &MyTurn, &t);
                Assert.True(m->IsLockedByCurrentThread);
                if (*stop != 0)
                {
                    m->Unlock();
                    break;
                }
                if (id == 0 && (n == 20_000 || sw.ElapsedMilliseconds > SyncHarness.StressBudgetMs)) *stop = 1;
                else
                {
                    n++;
                    *turn = 1 - id;
                }
                q->WakeOne();
                m->Unlock();
            }
            rounds[id] = n;
        });
        output.WriteLine($"{rounds[0] + rounds[1]} turns in {sw.ElapsedMilliseconds} ms");
        Assert.Equal(rounds[0], rounds[1]);         // strict alternation: thread 0 stops on its own turn
        Assert.True(rounds[0] >= 100, $"only {rounds[0]} rounds");
        Assert.Equal(0, *turn);
    }

    [Fact]
    public void TimedPredicateWaitReportsTheOutcome() => SyncHarness.Guard(TimedPredicateWaitReportsTheOutcomeBody);

    private void TimedPredicateWaitReportsTheOutcomeBody()
    {
        var m = _mem.Alloc<Mutex>();
        var q = _mem.Alloc<WaitQueue>();
        var level = _mem.Alloc<Level>();
        level->Target = 1;
        m->Lock();
        var sw = Stopwatch.StartNew();
        Assert.False(q->WaitUntil(m, &Reached, level, SyncHarness.DeadlineIn(TimeSpan.FromMilliseconds(50))));
        Assert.True(sw.ElapsedMilliseconds >= 49);
        Assert.True(m->IsLockedByCurrentThread);
        m->Unlock();

        bool result = false;
        var g = new SyncHarness.Group();
        g.Start("waiter", () =>
        {
            m->Lock();
            result = q->WaitUntil(m, &Reached, level, SyncHarness.DeadlineIn(TimeSpan.FromSeconds(30)));
            m->Unlock();
        });
        Thread.Sleep(30);
        m->Lock();
        level->Value = 1;
        q->WakeOne();
        m->Unlock();
        g.Join(TimeSpan.FromSeconds(10));
        Assert.True(result);
    }
}
