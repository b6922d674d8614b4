using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Nimbus.Kernel.Sched
{
    // Hosted stand-in for the scheduler's parking contract (src/Kernel/Sched/Parking.cs), over real
    // .NET threads: each thread gets a HostThread with a semaphore; its identity (void*) is a GCHandle
    // to it, stable for the thread's life. Unpark releases the semaphore, so a wake-up that arrives
    // before the thread parks is not lost; extra permits only cause spurious wake-ups, which Park
    // absorbs by re-checking the flag, exactly as the contract allows.
    internal static unsafe class Parking
    {
        private sealed class HostThread
        {
            public readonly SemaphoreSlim Permits = new(0, int.MaxValue);
            public nint Handle;
            public long Unparks;
        }

        [ThreadStatic] private static HostThread? t_self;

        // Test statistics: process-wide, and per target thread (not disturbed by other tests' threads).
        public static long UnparkCalls;
        public static long ParkCalls;

        public static long UnparksOf(void* thread) => Interlocked.Read(ref ((HostThread)GCHandle.FromIntPtr((nint)thread).Target!).Unparks);

        public static void* CurrentThread()
        {
            HostThread? self = t_self;
            if (self == null)
            {
                self = new HostThread();
                self.Handle = GCHandle.ToIntPtr(GCHandle.Alloc(self));   // lives as long as the process
                t_self = self;
            }
            return (void*)self.Handle;
        }

        private static HostThread Self()
        {
            CurrentThread();
            return t_self!;
        }

        public static void Park(int* flag)
        {
            if (Volatile.Read(ref *flag) != 0) return;
            Interlocked.Increment(ref ParkCalls);
            HostThread self = Self();
            while (Volatile.Read(ref *flag) == 0) self.Permits.Wait();
        }

        public static bool Park(int* flag, ulong deadlineNs)
        {
            if (Volatile.Read(ref *flag) != 0) return true;
            Interlocked.Increment(ref ParkCalls);
            HostThread self = Self();
            while (true)
            {
                if (Volatile.Read(ref *flag) != 0) return true;
                ulong now = NowNs();
                if (now >= deadlineNs) return Volatile.Read(ref *flag) != 0;
                ulong waitNs = deadlineNs - now;
                int ms = waitNs >= int.MaxValue * 1_000_000UL ? int.MaxValue : (int)((waitNs + 999_999) / 1_000_000);
                self.Permits.Wait(ms);
            }
        }

        public static void Unpark(void* thread)
        {
            Interlocked.Increment(ref UnparkCalls);
            var target = (HostThread)GCHandle.FromIntPtr((nint)thread).Target!;
            Interlocked.Increment(ref target.Unparks);
            target.Permits.Release();
        }

        // Host threads are always "running" as far as the mutex's brief poll is concerned.
        // Tests of the hand-off protocol turn the mutex's brief poll off (it would take most of the
        // races those tests need).
        public static volatile bool HoldersRun = true;
        public static bool RunsElsewhere(void* thread) => HoldersRun && thread != CurrentThread();
        public static void Relax() => Thread.SpinWait(4);

        public static ulong NowNs() => (ulong)((UInt128)(ulong)Stopwatch.GetTimestamp() * 1_000_000_000UL / (ulong)Stopwatch.Frequency);
    }
}
