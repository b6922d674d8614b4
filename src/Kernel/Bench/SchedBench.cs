using System.Threading;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Sync;
using Nimbus.Kernel.Time;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Bench
{
    // `bench-sched`: the measurements of the OSv paper's table 6, printed as "sched-bench: METRIC VALUE"
    // lines that `nimbus bench sched` compares with the same C program under a Linux guest.
    internal static unsafe class SchedBench
    {
        private const int PingPongRounds = 6000;    // per thread, as bench/sched/sched_bench.c

        private struct PingPong
        {
            public Mutex Lock;
            public CondVar Turn;
            public int Whose;        // 0 or 1: which thread may proceed
            public int Rounds;
        }

        private static PingPong s_pp;

        private static void PingPongThread(void* me)
        {
            int self = (int)(ulong)me;
            fixed (PingPong* p = &s_pp)
            {
                p->Lock.Lock();
                for (int i = 0; i < p->Rounds; i++)
                {
                    while (p->Whose != self) p->Turn.Wait(&p->Lock);
                    p->Whose = 1 - self;
                    p->Turn.Signal();
                }
                p->Lock.Unlock();
            }
        }

        // Two threads hand the turn back and forth through a condition variable; ns per hand-over.
        private static ulong ContextSwitchNs(int cpuA, int cpuB)
        {
            s_pp = default;
            s_pp.Rounds = PingPongRounds;
            KThread* a = Scheduler.Create(&PingPongThread, (void*)0, "ping");
            KThread* b = Scheduler.Create(&PingPongThread, (void*)1UL, "pong");
            a->Pinned = b->Pinned = 1;
            ulong start = Clock.NowNs();
            Scheduler.StartOn(a, cpuA);
            Scheduler.StartOn(b, cpuB);
            Scheduler.Join(a);
            Scheduler.Join(b);
            return (Clock.NowNs() - start) / (2UL * PingPongRounds);
        }

        private static Mutex s_mutex;
        private static long s_counter;
        private static int s_stop;

        private static ulong UncontendedNs()
        {
            const int N = 3_000_000;
            fixed (Mutex* m = &s_mutex)
            {
                ulong start = Clock.NowNs();
                for (int i = 0; i < N; i++) { m->Lock(); m->Unlock(); }
                return (Clock.NowNs() - start) / N;
            }
        }

        private static int s_ready, s_go;

        private static void Contender(void* unused)
        {
            Interlocked.Increment(ref s_ready);
            while (Volatile.Read(ref s_go) == 0) Scheduler.Yield();
            fixed (Mutex* m = &s_mutex)
                while (Volatile.Read(ref s_stop) == 0)
                {
                    m->Lock();
                    s_counter++;
                    m->Unlock();
                }
        }

        private static ulong ContendedOpsPerSecond(int threads)
        {
            s_counter = 0;
            s_stop = 0;
            s_ready = 0;
            s_go = 0;
            KThread** ts = stackalloc KThread*[threads];
            // Thread i on CPU i % CPUs, as the C peer pins them; timing starts when all are ready.
            for (int i = 0; i < threads; i++)
            {
                ts[i] = Scheduler.Create(&Contender, null, "contender");
                ts[i]->Pinned = 1;
                Scheduler.StartOn(ts[i], i % PerCpu.Count);
            }
            while (Volatile.Read(ref s_ready) < threads) Scheduler.SleepNs(100_000);
            ulong start = Clock.NowNs();
            Volatile.Write(ref s_go, 1);
            Scheduler.SleepNs(300_000_000);
            Volatile.Write(ref s_stop, 1);
            for (int i = 0; i < threads; i++) Scheduler.Join(ts[i]);
            ulong elapsed = Clock.NowNs() - start;
            return (ulong)s_counter * 1_000_000_000UL / elapsed;
        }

        private static void Nothing(void* unused) { }

        private static ulong CreateJoinNs()
        {
            const int N = 600;
            ulong start = Clock.NowNs();
            for (int i = 0; i < N; i++)
            {
                // On this CPU, as the C peer keeps its children on CPU 0.
                KThread* t = Scheduler.Create(&Nothing, null, "empty");
                Scheduler.StartOn(t, PerCpu.CurrentIndex);
                Scheduler.Join(t);
            }
            return (Clock.NowNs() - start) / N;
        }

        // Measured on an ordinary kernel thread (the boot thread's stack is not a thread stack).
        public static int Run()
        {
            KThread* t = Scheduler.Create(&RunOnThread, null, "bench-sched");
            Scheduler.StartOn(t, PerCpu.CurrentIndex);
            Scheduler.Join(t);
            return 0;
        }

        private static void RunOnThread(void* unused)
        {
            int here = PerCpu.CurrentIndex;
            int other = PerCpu.Count > 1 ? (here == 0 ? 1 : 0) : here;
            Log.Line($"sched-bench: ctxsw_colocated_ns {ContextSwitchNs(here, here)}");
            if (PerCpu.Count > 1) Log.Line($"sched-bench: ctxsw_apart_ns {ContextSwitchNs(here, other)}");
            else Log.Line("sched-bench: ctxsw_apart_ns skipped (one CPU; run with --cpus 2)");
            Log.Line($"sched-bench: mutex_uncontended_ns {UncontendedNs()}");
            Log.Line($"sched-bench: mutex_contended_2_ops_per_s {ContendedOpsPerSecond(2)}");
            Log.Line($"sched-bench: mutex_contended_4_ops_per_s {ContendedOpsPerSecond(4)}");
            ulong ns = CreateJoinNs();
            Log.Line($"sched-bench: thread_create_join_us {ns / 1000}.{ns % 1000 / 100}");
        }
    }
}
