using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Console;
using Nimbus.Kernel.Diagnostics;
using Nimbus.Kernel.Elf;
using Nimbus.Kernel.Fs;
using Nimbus.Kernel.Memory;
using Nimbus.Kernel.Sched;

namespace Nimbus.Kernel.Profiling
{
    // The report half of --profile[=HZ] (like `perf report`): at exit, the samples Sched/Profiler.cs
    // took are attributed and the functions with the most are printed on stderr: kernel functions by
    // name, application code by its function (from the file's .symtab, or the nearest dynamic
    // symbol when it is stripped).
    internal static unsafe class ProfileReport
    {
        // HZ from --profile=HZ ("" for the default).
        public static bool TryParseRate(System.ReadOnlySpan<byte> hz, out long rate)
        {
            rate = 1000;
            if (!hz.IsEmpty && !CommandLine.TryParseInt(hz, out rate)) return false;
            return rate >= 1 && rate <= 20_000;
        }

        // Prints the report: the 30 places with the most samples, over all CPUs.
        public static void Report()
        {
            if (!Profiler.Enabled) return;
            Profiler.Enabled = false;
            int cpus = PerCpu.Count, total = 0;
            long dropped = 0;
            for (int i = 0; i < cpus; i++) { total += Profiler.Samples(i)->Count; dropped += Profiler.Samples(i)->Dropped; }
            if (total == 0) { Log.Error($"profile: no samples (the run was shorter than one period)"); return; }
            // Every sample becomes the address of what it is attributed to; sorting groups them.
            var keys = (ulong*)KernelHeap.Alloc((ulong)total * sizeof(ulong));
            if (keys == null) { Log.Error($"profile: no memory for the report"); return; }
            int n = 0, idle = 0;
            for (int i = 0; i < cpus; i++)
                for (int j = 0; j < Profiler.Samples(i)->Count; j++)
                {
                    ulong rip = Profiler.Samples(i)->Rips[j];
                    if (rip == Profiler.Idle) idle++;
                    else keys[n++] = Attribute(rip);
                }
            Sort(keys, n);
            Log.Error($"profile: {total} samples at {1_000_000_000 / Profiler.PeriodNs} Hz on {cpus} CPU(s), {idle * 100L / total}% idle, {dropped} dropped (buffers full)");
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
            ElfImage* o = AppSymbols.ObjectAt(rip);
            if (o == null) return rip;
            return AppSymbols.Function(o, rip, out ulong start, out _) ? start : o->Start;
        }

        private static void Print(ulong key, int count, int busy)
        {
            long tenths = count * 1000L / busy, whole = tenths / 10, tenth = tenths % 10;
            if (KernelSymbols.IsText(key) && KernelSymbols.Lookup(key, out byte* name, out int length, out _))
            {
                var text = new System.ReadOnlySpan<byte>(name, length);
                const string prefix = "Nimbus_Kernel_Nimbus_Kernel_";      // every C# method's symbol starts so
                if (text.Length > prefix.Length && CommandLine.StartsWith(text, prefix)) text = text.Slice(prefix.Length);
                Log.Error($"  {whole,3}.{tenth}% {count,7}  kernel  {text}");
                return;
            }
            ElfImage* o = AppSymbols.ObjectAt(key);
            if (o == null) { Log.Error($"  {whole,3}.{tenth}% {count,7}  ?       0x{key:x}"); return; }
            var path = Vfs.Span(o->Path);
            if (AppSymbols.Function(o, key, out ulong start, out byte* function) && start == key)
                Log.Error($"  {whole,3}.{tenth}% {count,7}  app     {path}: {Vfs.Span(function)}");
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
