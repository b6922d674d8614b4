using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Time;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Diagnostics
{
    // --profile[=HZ]: a sampling profiler, like `perf record` + `perf report`. HZ times a second each
    // CPU notes where the code its timer interrupted was running; at exit the functions with the most
    // samples are printed on stderr: kernel functions by name, application code by its function
    // (from the file's .symtab, or the nearest dynamic symbol when it is stripped). Taking a sample is one store into a per-CPU buffer in the timer
    // interrupt; everything else happens at exit. While profiling, CPUs are not tickless: each takes
    // an interrupt every period, idle or not (idle samples are counted apart).
    internal static unsafe class Profiler
    {
        public static bool Enabled;
        private static ulong s_periodNs;
        private const int SamplesPerCpu = 32768;
        private static int s_capacity;                  // samples per CPU
        private const ulong Idle = 1;                   // a sample taken in a CPU's idle thread

        private struct CpuSamples
        {
            public ulong* Rips;
            public int Count;
            public long Dropped;
            public ulong NextNs;
        }
        private static CpuSamples* s_cpus;

        // HZ from --profile=HZ ("" for the default).
        public static bool TryParseRate(System.ReadOnlySpan<byte> hz, out long rate)
        {
            rate = 1000;
            if (!hz.IsEmpty && !Shell.CommandLine.TryParseInt(hz, out rate)) return false;
            return rate >= 1 && rate <= 20_000;
        }

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
                if (i != PerCpu.CurrentIndex) LocalApic.SendIpi(PerCpu.Get(i)->ApicId, Sched.Scheduler.WakeVector);
            Sched.Scheduler.ReprogramTimer();
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
            bool idle = Sched.Scheduler.Current == PerCpu.Current->Idle;
            c->Rips[c->Count++] = idle ? Idle : frame->Rip;
        }

        // Prints the report: the 30 places with the most samples, over all CPUs.
        public static void Report()
        {
            if (!Enabled) return;
            Enabled = false;
            int cpus = PerCpu.Count, total = 0;
            long dropped = 0;
            for (int i = 0; i < cpus; i++) { total += s_cpus[i].Count; dropped += s_cpus[i].Dropped; }
            if (total == 0) { Log.Error($"profile: no samples (the run was shorter than one period)"); return; }
            // Every sample becomes the address of what it is attributed to; sorting groups them.
            var keys = (ulong*)KernelHeap.Alloc((ulong)total * sizeof(ulong));
            if (keys == null) { Log.Error($"profile: no memory for the report"); return; }
            int n = 0, idle = 0;
            for (int i = 0; i < cpus; i++)
                for (int j = 0; j < s_cpus[i].Count; j++)
                {
                    ulong rip = s_cpus[i].Rips[j];
                    if (rip == Idle) idle++;
                    else keys[n++] = Attribute(rip);
                }
            Sort(keys, n);
            Log.Error($"profile: {total} samples at {1_000_000_000 / s_periodNs} Hz on {cpus} CPU(s), {idle * 100L / total}% idle, {dropped} dropped (buffers full)");
            if (n == 0) return;
            Log.Error($"profile: the busiest places ({n} busy samples):");
            // Runs of equal keys become (key, count) pairs at the front of the array.
            var counts = (int*)KernelHeap.Alloc((ulong)n * sizeof(int));
            if (counts == null) { KernelHeap.Free(keys); return; }
            int places = 0;
            for (int i = 0; i < n;)
            {
                int j = i;
                while (j < n && keys[j] == keys[i]) j++;
                keys[places] = keys[i];
                counts[places++] = j - i;
                i = j;
            }
            for (int shown = 0; shown < 30 && shown < places; shown++)
            {
                int best = 0;
                for (int i = 1; i < places; i++) if (counts[i] > counts[best]) best = i;
                Print(keys[best], counts[best], n);
                counts[best] = -1;                      // printed
            }
            KernelHeap.Free(counts);
            KernelHeap.Free(keys);
        }

        // Kernel code: the start of its function. Application code: the start of its function, or
        // its object's start. Anything else: the address itself.
        private static ulong Attribute(ulong rip)
        {
            if (KernelSymbols.IsText(rip)) return KernelSymbols.Lookup(rip, out _, out _, out ulong kernelStart) ? kernelStart : rip;
            Elf.ElfImage* o = Elf.AppSymbols.ObjectAt(rip);
            if (o == null) return rip;
            return Elf.AppSymbols.Function(o, rip, out ulong start, out _) ? start : o->Start;
        }

        private static void Print(ulong key, int count, int busy)
        {
            long tenths = count * 1000L / busy, whole = tenths / 10, tenth = tenths % 10;
            if (KernelSymbols.IsText(key) && KernelSymbols.Lookup(key, out byte* name, out int length, out _))
            {
                var text = new System.ReadOnlySpan<byte>(name, length);
                const string prefix = "Nimbus_Kernel_Nimbus_Kernel_";      // every C# method's symbol starts so
                if (text.Length > prefix.Length && Shell.CommandLine.StartsWith(text, prefix)) text = text.Slice(prefix.Length);
                Log.Error($"  {whole,3}.{tenth}% {count,7}  kernel  {text}");
                return;
            }
            Elf.ElfImage* o = Elf.AppSymbols.ObjectAt(key);
            if (o == null) { Log.Error($"  {whole,3}.{tenth}% {count,7}  ?       0x{key:x}"); return; }
            var path = Fs.Vfs.Span(o->Path);
            if (Elf.AppSymbols.Function(o, key, out ulong start, out byte* function) && start == key)
                Log.Error($"  {whole,3}.{tenth}% {count,7}  app     {path}: {Fs.Vfs.Span(function)}");
            else Log.Error($"  {whole,3}.{tenth}% {count,7}  app     {path} (no symbol)");
        }

        // Heap sort: no recursion, no extra memory.
        private static void Sort(ulong* a, int n)
        {
            for (int i = n / 2 - 1; i >= 0; i--) SiftDown(a, i, n);
            for (int end = n - 1; end > 0; end--)
            {
                ulong t = a[0]; a[0] = a[end]; a[end] = t;
                SiftDown(a, 0, end);
            }
        }

        private static void SiftDown(ulong* a, int i, int n)
        {
            while (true)
            {
                int child = 2 * i + 1;
                if (child >= n) return;
                if (child + 1 < n && a[child + 1] > a[child]) child++;
                if (a[i] >= a[child]) return;
                ulong t = a[i]; a[i] = a[child]; a[child] = t;
                i = child;
            }
        }
    }
}
