using System.Threading;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Time;
using static Nimbus.Kernel.Selftest.SelftestRunner;

namespace Nimbus.Kernel.Selftest
{
    // Threads and the scheduler, on the real machine.
    internal static unsafe class ThreadTests
    {
        public static void RegisterAll()
        {
            Add("sched.lifecycle", &Lifecycle);
            Add("sched.sleep_accuracy", &SleepAccuracy);
            Add("sched.preempts_busy_thread", &Preemption);
            Add("sched.fairness", &Fairness);
            Add("sched.nice_weights", &NiceWeights);
            Add("sched.join_waits_for_exit", &JoinWaits);
            Add("sched.detached_thread_frees_itself", &Detached);
            Add("sched.timed_park", &TimedPark);
            Add("sched.yield_pingpong", &YieldPingPong);
            Add("smp.all_cpus_online", &AllCpusOnline);
            Add("smp.cross_cpu_wake", &CrossCpuWake);
            Add("smp.load_balancing", &LoadBalancing);
            Add("smp.parallel_counter", &ParallelCounter);
        }

        private static int s_counter;

        private static void Increment(void* arg) => Interlocked.Increment(ref s_counter);

        private static void Lifecycle()
        {
            // Warm-up round: thread records are recycled, not freed, so the first round may grow the cache.
            var warm = stackalloc ulong[16];
            for (int i = 0; i < 16; i++) warm[i] = (ulong)Scheduler.Spawn(&Increment, null, "warm-up");
            for (int i = 0; i < 16; i++) Scheduler.Join((KThread*)warm[i]);
            ulong freePages = KernelMemory.Pages.FreePages;
            ulong heap = KernelMemory.KernelHeap.BytesInUse;
            int live = Scheduler.LiveThreads;
            s_counter = 0;
            var threads = stackalloc ulong[16];
            for (int round = 0; round < 3; round++)
            {
                for (int i = 0; i < 16; i++) threads[i] = (ulong)Scheduler.Spawn(&Increment, null, "worker");
                Check(Scheduler.LiveThreads == live + 16, $"{Scheduler.LiveThreads} live threads, expected {live + 16}");
                for (int i = 0; i < 16; i++) Scheduler.Join((KThread*)threads[i]);
            }
            Check(s_counter == 48, $"counter {s_counter}, expected 48");
            Check(Scheduler.LiveThreads == live, "threads not freed after join");
            Check(KernelMemory.Pages.FreePages + 4 * Heap.ClassCount >= freePages, $"stacks not returned: {freePages - KernelMemory.Pages.FreePages} pages");
            Check(KernelMemory.KernelHeap.BytesInUse == heap, $"thread structures leaked: {KernelMemory.KernelHeap.BytesInUse - heap} bytes (records are recycled)");
        }

        private static void SleepAccuracy()
        {
            for (int i = 0; i < 3; i++)
            {
                ulong ns = (ulong)(i + 1) * 2_000_000;
                ulong start = Clock.NowNs();
                Scheduler.SleepNs(ns);
                ulong took = Clock.NowNs() - start;
                Check(took >= ns, $"slept {took} ns, asked for {ns}");
                Check(took < ns + 30_000_000, $"slept {took} ns, asked for {ns} (too late)");
            }
        }

        private static int s_stopBusy;
        private static void Busy(void* arg)
        {
            while (Volatile.Read(ref s_stopBusy) == 0) { }
        }

        private static void Preemption()
        {
            s_stopBusy = 0;
            KThread* busy = Scheduler.Spawn(&Busy, null, "busy");
            ulong start = Clock.NowNs();
            Scheduler.SleepNs(10_000_000);          // only possible if the busy thread is preempted
            ulong took = Clock.NowNs() - start;
            Volatile.Write(ref s_stopBusy, 1);
            Scheduler.Join(busy);
            Check(took < 100_000_000, $"sleeping 10 ms next to a busy thread took {took} ns");
        }

        private static ulong SpinFor(ulong ns)
        {
            ulong end = Clock.NowNs() + ns;
            ulong n = 0;
            while (Clock.NowNs() < end) n++;
            return n;
        }

        private static void BusyUntilStopped(void* counter)
        {
            while (Volatile.Read(ref s_stopBusy) == 0) (*(ulong*)counter)++;
        }

        private static void RunPair(int niceA, int niceB, out ulong runtimeA, out ulong runtimeB)
        {
            s_stopBusy = 0;
            ulong ca = 0, cb = 0;
            KThread* a = Scheduler.Create(&BusyUntilStopped, &ca, "busy-a");
            KThread* b = Scheduler.Create(&BusyUntilStopped, &cb, "busy-b");
            a->Nice = niceA;
            b->Nice = niceB;
            // Both on one CPU's run queue: fairness is a per-CPU property. (This thread may migrate
            // meanwhile, so the CPU is chosen once.)
            a->Pinned = b->Pinned = 1;
            int cpu = PerCpu.CurrentIndex;
            Scheduler.StartOn(a, cpu);
            Scheduler.StartOn(b, cpu);
            Scheduler.SleepNs(120_000_000);
            Volatile.Write(ref s_stopBusy, 1);
            runtimeA = a->RuntimeNs;
            runtimeB = b->RuntimeNs;
            Scheduler.Join(a);
            Scheduler.Join(b);
        }

        // Run time is measured with the TSC, which also counts time the host took the vCPU away: on a
        // loaded host that lands on whichever thread was running. So a pair gets up to three tries,
        // and a scheduler that is really unfair fails all of them.
        private const int PairAttempts = 3;

        private static void Fairness()
        {
            ulong ra = 0, rb = 0;
            for (int attempt = 0; attempt < PairAttempts; attempt++)
            {
                RunPair(0, 0, out ra, out rb);
                ulong max = ra > rb ? ra : rb, min = ra > rb ? rb : ra;
                if (min > 20_000_000 && max * 10 < min * 13) break;
            }
            Check(ra > 20_000_000 && rb > 20_000_000, $"a busy thread starved: {ra} / {rb} ns");
            ulong most = ra > rb ? ra : rb, least = ra > rb ? rb : ra;
            Check(most * 10 < least * 13, $"equal threads got {ra} and {rb} ns ({PairAttempts} tries)");
        }

        private static void NiceWeights()
        {
            ulong high = 0, low = 0;
            for (int attempt = 0; attempt < PairAttempts; attempt++)
            {
                RunPair(-5, 5, out high, out low);
                if (low > 0 && high > low * 3) break;
            }
            Check(low > 0, "the nice 5 thread never ran");
            Check(high > low * 3, $"nice -5 got {high} ns, nice 5 got {low} ns (expected ~9x; {PairAttempts} tries)");
        }

        private static void SleepThenExit(void* ns) => Scheduler.SleepNs((ulong)ns);

        private static void JoinWaits()
        {
            ulong start = Clock.NowNs();
            KThread* t = Scheduler.Spawn(&SleepThenExit, (void*)20_000_000UL, "sleeper");
            Scheduler.Join(t);
            ulong took = Clock.NowNs() - start;
            Check(took >= 20_000_000, $"join returned after {took} ns, before the thread exited");
        }

        private static void Detached()
        {
            Scheduler.EnsureHousekeepers();     // started lazily; counted before the baseline
            int live = Scheduler.LiveThreads;
            s_counter = 0;
            KThread* t = Scheduler.Spawn(&Increment, null, "detached");
            Scheduler.Detach(t);
            for (int i = 0; i < 100 && Scheduler.LiveThreads != live; i++) Scheduler.SleepNs(1_000_000);
            Check(s_counter == 1, "the detached thread did not run");
            Check(Scheduler.LiveThreads == live, "the detached thread was not freed");
        }

        private static int s_flag;
        private static void SetFlagLater(void* main)
        {
            Scheduler.SleepNs(2_000_000);
            Volatile.Write(ref s_flag, 1);
            Parking.Unpark(main);
        }

        private static void TimedPark()
        {
            s_flag = 0;
            ulong start = Clock.NowNs();
            bool got;
            fixed (int* f = &s_flag) got = Parking.Park(f, start + 3_000_000);
            ulong took = Clock.NowNs() - start;
            Check(!got && took >= 3_000_000, $"timed park: result {got} after {took} ns");
            KThread* t = Scheduler.Spawn(&SetFlagLater, Scheduler.Current, "setter");
            start = Clock.NowNs();
            fixed (int* f = &s_flag) got = Parking.Park(f, start + 1_000_000_000);
            took = Clock.NowNs() - start;
            Scheduler.Join(t);
            Check(got && took < 500_000_000, $"park woken by another thread: result {got} after {took} ns");
        }

        private static void AllCpusOnline()
        {
            int online = 0;
            for (int i = 0; i < PerCpu.Count; i++) if (Volatile.Read(ref PerCpu.Get(i)->Online) != 0) online++;
            Check(online == PerCpu.Count, $"{online} of {PerCpu.Count} CPUs online");
        }

        private static int s_wakeFlag, s_ranOn;
        private static ulong s_wokenAt;
        private static void ParkThenRecord(void* unused)
        {
            fixed (int* f = &s_wakeFlag) Parking.Park(f);
            s_wokenAt = Clock.NowNs();
            s_ranOn = PerCpu.CurrentIndex;
        }

        private static void CrossCpuWake()
        {
            if (PerCpu.Count < 2) { Skip("needs two CPUs"); return; }
            int other = PerCpu.CurrentIndex == 0 ? 1 : 0;
            for (int round = 0; round < 5; round++)
            {
                s_wakeFlag = 0;
                s_ranOn = -1;
                KThread* t = Scheduler.Create(&ParkThenRecord, null, "far-waiter");
                t->Pinned = 1;
                Scheduler.StartOn(t, other);
                Scheduler.SleepNs(2_000_000);        // let it park (and its CPU halt)
                ulong start = Clock.NowNs();
                Volatile.Write(ref s_wakeFlag, 1);
                Parking.Unpark(t);
                Scheduler.Join(t);
                Check(s_ranOn == other, $"woken thread ran on CPU {s_ranOn}, expected {other}");
                Check(s_wokenAt - start < 50_000_000, $"cross-CPU wake-up took {s_wokenAt - start} ns");
            }
        }

        private static void CpuRecorder(void* slot)
        {
            ulong end = Clock.NowNs() + 150_000_000;
            while (Clock.NowNs() < end) *(int*)slot |= 1 << PerCpu.CurrentIndex;   // every CPU it ran on
        }

        private static void LoadBalancing()
        {
            if (PerCpu.Count < 2) { Skip("needs two CPUs"); return; }
            int* where = stackalloc int[4];
            KThread** ts = stackalloc KThread*[4];
            int cpu = PerCpu.CurrentIndex;
            long runs = Scheduler.BalanceRuns, moves = Scheduler.Migrations;
            for (int i = 0; i < 4; i++)
            {
                where[i] = 0;
                ts[i] = Scheduler.Create(&CpuRecorder, &where[i], "spinner");
                Scheduler.StartOn(ts[i], cpu);      // all on one CPU: the balancer must spread them
            }
            for (int i = 0; i < 4; i++) Scheduler.Join(ts[i]);
            int union = 0, distinct = 0;
            for (int i = 0; i < 4; i++) union |= where[i];
            for (int c = 0; c < PerCpu.Count && c < 31; c++) if ((union & (1 << c)) != 0) distinct++;
            Check(distinct >= 2, $"4 busy threads started on CPU {cpu} only ever ran on {distinct} CPU(s) (mask {union}); balancer runs {Scheduler.BalanceRuns - runs}, migrations {Scheduler.Migrations - moves}");
        }

        private static long s_parallel;
        private static void AddMany(void* unused)
        {
            for (int i = 0; i < 20000; i++) Interlocked.Increment(ref s_parallel);
        }

        private static void ParallelCounter()
        {
            s_parallel = 0;
            KThread** ts = stackalloc KThread*[8];
            for (int i = 0; i < 8; i++) ts[i] = Scheduler.Spawn(&AddMany, null, "adder");
            for (int i = 0; i < 8; i++) Scheduler.Join(ts[i]);
            Check(s_parallel == 160000, $"atomic counter {s_parallel}, expected 160000");
        }

        private static int s_turn, s_rounds;
        private static void PingPong(void* me)
        {
            int self = (int)(ulong)me;
            while (Volatile.Read(ref s_rounds) < 1000)
            {
                if (Volatile.Read(ref s_turn) == self)
                {
                    Interlocked.Increment(ref s_rounds);
                    Volatile.Write(ref s_turn, 1 - self);
                }
                Scheduler.Yield();
            }
        }

        private static void YieldPingPong()
        {
            s_turn = 0;
            s_rounds = 0;
            KThread* a = Scheduler.Spawn(&PingPong, (void*)0, "ping");
            KThread* b = Scheduler.Spawn(&PingPong, (void*)1UL, "pong");
            Scheduler.Join(a);
            Scheduler.Join(b);
            Check(s_rounds >= 1000, $"{s_rounds} rounds");
        }
    }
}
