using System.Threading;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Time;
using static Nimbus.Kernel.Selftest.SelftestRunner;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Sync
{
    // In-kernel tests of the synchronization primitives over real kernel threads and the real
    // Parking (scheduler). Kernel only (not in the hosted build). Register with
    // SyncSelftests.RegisterAll() from the selftest runner; run with `selftest sync`.
    internal static unsafe class SyncSelftests
    {
        public static void RegisterAll()
        {
            Add("sync.mutex_exclusion", &MutexExclusion);
            Add("sync.mutex_handoff_stress", &HandoffStress);
            Add("sync.condvar_bounded_buffer", &BoundedBuffer);
            Add("sync.condvar_timeout", &CondVarTimeout);
            Add("sync.semaphore_pingpong", &SemaphorePingPong);
            Add("sync.rwlock_exclusion", &RwLockExclusion);
        }

        private const int Workers = 4;

        private struct Shared
        {
            public Mutex M;
            public CondVar NotFull, NotEmpty;
            public Semaphore Ping, Pong;
            public RwLock Rw;
            public long Counter;
            public long A, B;
            public int Iterations;
            public int Violations;
            public int Count, Head;
            public long Taken, Total, Sum;
            public fixed long Ring[4];
        }

        private static Shared* NewShared()
        {
            return (Shared*)KernelHeap.AllocZeroed((ulong)sizeof(Shared));
        }

        private static void RunWorkers(delegate*<void*, void> body, Shared* s, int n)
        {
            var threads = stackalloc ulong[8];
            for (int i = 0; i < n; i++) threads[i] = (ulong)Scheduler.Spawn(body, s, "sync-worker");
            for (int i = 0; i < n; i++) Scheduler.Join((KThread*)threads[i]);
        }

        private static void CountingWorker(void* arg)
        {
            var s = (Shared*)arg;
            for (int i = 0; i < s->Iterations; i++)
            {
                s->M.Lock();
                long v = s->Counter;
                if ((i & 255) == 0) Scheduler.Yield();      // get preempted inside, now and then
                Volatile.Write(ref s->Counter, v + 1);
                s->M.Unlock();
            }
        }

        private static void MutexExclusion()
        {
            Shared* s = NewShared();
            s->Iterations = 10_000;
            ulong start = Clock.NowNs();
            RunWorkers(&CountingWorker, s, Workers);
            ulong ms = (Clock.NowNs() - start) / 1_000_000;
            Check(s->Counter == (long)Workers * s->Iterations, $"counter {s->Counter}, expected {(long)Workers * s->Iterations}");
            Check(!s->M.IsLocked, "mutex left locked");
            Log.Line($"    {Workers} threads x {s->Iterations} lock/unlock with yields inside: {ms} ms");
            KernelHeap.Free(s);
        }

        private static void StressWorker(void* arg)
        {
            var s = (Shared*)arg;
            uint rng = (uint)Scheduler.CurrentId * 2654435761u + 1;
            for (int i = 0; i < s->Iterations; i++)
            {
                s->M.Lock();
                s->Counter++;
                s->M.Unlock();
                rng = rng * 1664525 + 1013904223;
                if ((rng >> 28) == 0) Scheduler.Yield();
            }
        }

        private static void HandoffStress()
        {
            Shared* s = NewShared();
            s->Iterations = 10_000;
            long taken = Interlocked.Add(ref SyncStats.HandoffsTaken, 0);
            long offered = Interlocked.Add(ref SyncStats.HandoffsOffered, 0);
            long requeues = Interlocked.Add(ref SyncStats.HeirRequeues, 0);
            RunWorkers(&StressWorker, s, 6);
            Check(s->Counter == 6L * s->Iterations, $"counter {s->Counter}, expected {6L * s->Iterations}");
            Log.Line($"    hand-offs offered {SyncStats.HandoffsOffered - offered}, taken {SyncStats.HandoffsTaken - taken}; " +
                     $"heirs that queued again {SyncStats.HeirRequeues - requeues}");
            KernelHeap.Free(s);
        }

        private static void Producer(void* arg)
        {
            var s = (Shared*)arg;
            for (int i = 1; i <= s->Iterations; i++)
            {
                s->M.Lock();
                while (s->Count == 4) s->NotFull.Wait(&s->M);
                s->Ring[(s->Head + s->Count) % 4] = i;
                s->Count++;
                s->NotEmpty.Signal();
                s->M.Unlock();
            }
        }

        private static void Consumer(void* arg)
        {
            var s = (Shared*)arg;
            while (true)
            {
                s->M.Lock();
                while (s->Count == 0 && s->Taken < s->Total) s->NotEmpty.Wait(&s->M);
                if (s->Count == 0)
                {
                    s->M.Unlock();
                    return;
                }
                s->Sum += s->Ring[s->Head];
                s->Head = (s->Head + 1) % 4;
                s->Count--;
                if (++s->Taken == s->Total) s->NotEmpty.Broadcast();
                s->NotFull.Signal();
                s->M.Unlock();
            }
        }

        private static void BoundedBuffer()
        {
            Shared* s = NewShared();
            s->Iterations = 5_000;
            s->Total = 2L * s->Iterations;
            var threads = stackalloc ulong[4];
            threads[0] = (ulong)Scheduler.Spawn(&Producer, s, "producer");
            threads[1] = (ulong)Scheduler.Spawn(&Producer, s, "producer");
            threads[2] = (ulong)Scheduler.Spawn(&Consumer, s, "consumer");
            threads[3] = (ulong)Scheduler.Spawn(&Consumer, s, "consumer");
            for (int i = 0; i < 4; i++) Scheduler.Join((KThread*)threads[i]);
            long expected = 2L * s->Iterations * (s->Iterations + 1) / 2;
            Check(s->Taken == s->Total, $"{s->Taken} items consumed, expected {s->Total}");
            Check(s->Sum == expected, $"sum {s->Sum}, expected {expected}");
            KernelHeap.Free(s);
        }

        private static void CondVarTimeout()
        {
            Shared* s = NewShared();
            s->M.Lock();
            ulong start = Clock.NowNs();
            bool signalled = s->NotEmpty.WaitUntil(&s->M, start + 5_000_000);
            ulong took = Clock.NowNs() - start;
            Check(!signalled, "WaitUntil reported a signal nobody sent");
            Check(took >= 5_000_000, $"returned after {took} ns, before the 5 ms deadline");
            Check(s->M.IsLockedByCurrentThread, "mutex not held after the timeout");
            s->M.Unlock();
            KernelHeap.Free(s);
        }

        private static void Ponger(void* arg)
        {
            var s = (Shared*)arg;
            for (int i = 0; i < s->Iterations; i++)
            {
                s->Ping.Wait();
                s->Pong.Post();
            }
        }

        private static void SemaphorePingPong()
        {
            Shared* s = NewShared();
            s->Iterations = 5_000;
            KThread* t = Scheduler.Spawn(&Ponger, s, "ponger");
            for (int i = 0; i < s->Iterations; i++)
            {
                s->Ping.Post();
                s->Pong.Wait();
            }
            Scheduler.Join(t);
            Check(s->Ping.Count == 0 && s->Pong.Count == 0, "units left over");
            KernelHeap.Free(s);
        }

        private static void RwWorker(void* arg)
        {
            var s = (Shared*)arg;
            for (int i = 0; i < s->Iterations; i++)
            {
                if ((i & 3) == 0)
                {
                    s->Rw.WriteLock();
                    long a = s->A;
                    if ((i & 63) == 0) Scheduler.Yield();
                    s->A = a + 1;
                    s->B = s->B + 1;
                    s->Rw.WriteUnlock();
                }
                else
                {
                    s->Rw.ReadLock();
                    if (s->A != s->B) Interlocked.Increment(ref s->Violations);
                    if ((i & 63) == 1) Scheduler.Yield();
                    s->Rw.ReadUnlock();
                }
            }
        }

        private static void RwLockExclusion()
        {
            Shared* s = NewShared();
            s->Iterations = 8_000;
            RunWorkers(&RwWorker, s, Workers);
            long writes = (long)Workers * (s->Iterations / 4);
            Check(s->A == writes && s->B == writes, $"A {s->A}, B {s->B}, expected {writes}");
            Check(s->Violations == 0, $"{s->Violations} readers saw a write in progress");
            KernelHeap.Free(s);
        }
    }
}
