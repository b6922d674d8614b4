using System.Diagnostics;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Sched;
using Xunit;

namespace Nimbus.Tests;

// The Sync tests run one class at a time (they measure time and read global statistics) while the
// rest of the suite runs in parallel with them.
[CollectionDefinition("Sync", DisableParallelization = true)]
public sealed class SyncCollection;

// Threads for the synchronization tests: every thread is a background thread (a deadlock fails the
// test instead of hanging the run), every join has a deadline, and exceptions in a thread (failed
// asserts, kernel panics) are carried back to the test.
public static class SyncHarness
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    // Stress loops stop after this long even if they have not done all their iterations (on a
    // loaded host every hand-off to a parked thread waits for the host scheduler).
    public const int StressBudgetMs = 4000;
    private static readonly List<Thread> s_allThreads = new();

    public sealed class Group
    {
        private readonly List<Thread> _threads = new();
        private readonly List<Exception> _errors = new();

        // Starts a thread and returns once it has called Parking.Park (it is blocked, or about to be,
        // in whatever it calls first).
        public void StartParked(string name, Action body)
        {
            long parks = Interlocked.Read(ref Parking.ParkCalls);
            Start(name, body);
            Assert.True(WaitFor(() => Interlocked.Read(ref Parking.ParkCalls) > parks), $"{name} never blocked");
        }

        public void Start(string name, Action body)
        {
            var t = new Thread(() =>
            {
                try { body(); }
                catch (Exception e) { lock (_errors) _errors.Add(e); }
            }) { IsBackground = true, Name = name };
            _threads.Add(t);
            lock (s_allThreads) s_allThreads.Add(t);
            t.Start();
        }

        // Joins every thread within `timeout` overall; fails the test naming the threads still running.
        public void Join(TimeSpan? timeout = null)
        {
            var deadline = Stopwatch.StartNew();
            var limit = timeout ?? DefaultTimeout;
            var stuck = new List<string>();
            foreach (var t in _threads)
            {
                var left = limit - deadline.Elapsed;
                if (!t.Join(left < TimeSpan.Zero ? TimeSpan.Zero : left)) stuck.Add(t.Name ?? "?");
            }
            lock (_errors)
                if (_errors.Count > 0) throw new AggregateException("a test thread failed", _errors);
            Assert.True(stuck.Count == 0, $"threads still blocked after {limit.TotalSeconds} s (lost wake-up or deadlock): {string.Join(", ", stuck)}");
        }

        public bool AllFinished => _threads.All(t => !t.IsAlive);
    }

    // Runs body(0..threads-1) on that many threads, released together once all have started.
    public static void Run(int threads, Action<int> body, TimeSpan? timeout = null)
    {
        var g = new Group();
        using var start = new Barrier(threads);
        for (int i = 0; i < threads; i++)
        {
            int id = i;
            g.Start($"worker {id}", () =>
            {
                if (!start.SignalAndWait(TimeSpan.FromSeconds(10))) throw new TimeoutException("workers did not all start");
                body(id);
            });
        }
        g.Join(timeout);
    }

    // Runs a test body on its own thread with a deadline, so that even the test's own thread
    // blocking forever (say, in Lock after a lost wake-up) fails the test instead of hanging the run.
    public static void Guard(Action body, TimeSpan? timeout = null)
    {
        Exception? error = null;
        var t = new Thread(() =>
        {
            try { body(); }
            catch (Exception e) { error = e; }
        }) { IsBackground = true, Name = "test body" };
        lock (s_allThreads) s_allThreads.Add(t);
        t.Start();
        var limit = timeout ?? TimeSpan.FromSeconds(40);
        if (!t.Join(limit)) Assert.Fail($"the test body was still blocked after {limit.TotalSeconds} s (deadlock or lost wake-up)");
        if (error != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
    }

    // Polls `condition` until it holds or `timeout` passes; returns whether it held.
    public static bool WaitFor(Func<bool> condition, TimeSpan? timeout = null)
    {
        var sw = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (sw.Elapsed > limit) return false;
            Thread.Sleep(1);
        }
        return true;
    }

    public static ulong DeadlineIn(TimeSpan t) => Parking.NowNs() + (ulong)(t.TotalMilliseconds * 1_000_000);

    // Zeroed native memory for a primitive (zero = its initial state); freed when the test class is
    // disposed, unless a failed test left threads running that might still use it (then it leaks).
    public sealed unsafe class NativeBlock : IDisposable
    {
        private readonly List<IntPtr> _blocks = new();

        public T* Alloc<T>() where T : unmanaged
        {
            var p = NativeMemory.AllocZeroed((nuint)sizeof(T));
            _blocks.Add((IntPtr)p);
            return (T*)p;
        }

        public void Dispose()
        {
            lock (s_allThreads)
            {
                s_allThreads.RemoveAll(t => !t.IsAlive);
                if (s_allThreads.Count > 0) return;
            }
            foreach (var p in _blocks) NativeMemory.Free((void*)p);
        }
    }
}
