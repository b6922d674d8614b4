using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Time;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Sched
{
    // The sampling half of --profile[=HZ] (like `perf record`): HZ times a second each CPU notes where
    // the code its timer interrupted was running. Taking a sample is one store into a per-CPU buffer
    // in the timer interrupt; Profiling/ProfileReport.cs names and counts them at exit. While
    // profiling, CPUs are not tickless: each takes an interrupt every period, idle or not (idle
    // samples are counted apart).
    internal static unsafe class Profiler
    {
        public static bool Enabled;
        public static ulong PeriodNs => s_periodNs;
        private static ulong s_periodNs;
        private const int SamplesPerCpu = 32768;
        private static int s_capacity;                  // samples per CPU
        public const ulong Idle = 1;                   // a sample taken in a CPU's idle thread

        public struct CpuSamples
        {
            public ulong* Rips;
            public int Count;
            public long Dropped;
            public ulong NextNs;
        }
        private static CpuSamples* s_cpus;
        public static CpuSamples* Samples(int cpu) => &s_cpus[cpu];

        // Allocates the buffers (1 MiB in all, at most 32768 samples a CPU) and starts sampling on
        // every CPU. False when there is no memory for them.
        public static bool Start(long rate)
        {
            int cpus = PerCpu.Count;
            s_capacity = SamplesPerCpu * cpus > 131072 ? 131072 / cpus : SamplesPerCpu;
            s_cpus = (CpuSamples*)KernelHeap.AllocZeroed((ulong)(cpus * sizeof(CpuSamples)));
            if (s_cpus == null) return false;
            for (int i = 0; i < cpus; i++)
            {
                s_cpus[i].Rips = (ulong*)KernelHeap.Alloc((ulong)s_capacity * sizeof(ulong));
                if (s_cpus[i].Rips == null) return false;
            }
            s_periodNs = 1_000_000_000 / (ulong)rate;
            ulong first = Clock.NowNs() + s_periodNs;
            for (int i = 0; i < cpus; i++) s_cpus[i].NextNs = first;
            Enabled = true;
            // The other CPUs may sleep with no timer armed: a wake-up makes them arm one.
            for (int i = 0; i < cpus; i++)
                if (i != PerCpu.CurrentIndex) LocalApic.SendIpi(PerCpu.Get(i)->ApicId, Scheduler.WakeVector);
            Scheduler.ReprogramTimer();
            return true;
        }

        // When this CPU's next sample is due (ulong.MaxValue when not profiling).
        public static ulong NextSampleNs => Enabled ? s_cpus[PerCpu.CurrentIndex].NextNs : ulong.MaxValue;

        // From the timer interrupt (interrupts off).
        public static void Sample(InterruptFrame* frame)
        {
            CpuSamples* c = &s_cpus[PerCpu.CurrentIndex];
            ulong now = Clock.NowNs();
            if (now < c->NextNs) return;
            c->NextNs = c->NextNs + s_periodNs > now ? c->NextNs + s_periodNs : now + s_periodNs;
            if (c->Count == s_capacity) { c->Dropped++; return; }
            bool idle = Scheduler.Current == PerCpu.Current->Idle;
            c->Rips[c->Count++] = idle ? Idle : frame->Rip;
        }
    }
}
