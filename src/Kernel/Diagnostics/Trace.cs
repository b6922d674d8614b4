using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Nimbus.Kernel.Arch.X64;
using Nimbus.Kernel.Console;

namespace Nimbus.Kernel.Diagnostics
{
    // A tracepoint, declared as a static field next to the code it observes and registered by name at
    // initialisation. Disabled, Hit() costs one load and one predictable branch. Enabled, it counts
    // (for --perf-stat) and, when recording (--trace=PATTERN), appends a timestamped record to the ring.
    [StructLayout(LayoutKind.Sequential)]
    internal struct Tracepoint
    {
        public bool Enabled;
        public bool Recording;
        public ushort Id;
        public ulong Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Hit(ulong a = 0, ulong b = 0)
        {
            if (Enabled) Trace.Fire(ref this, a, b);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct TraceRecord
    {
        public ulong Tsc;
        public ushort Tracepoint;
        public ushort Cpu;
        public uint Thread;
        public ulong A, B;
    }

    internal static unsafe class Trace
    {
        public const int MaxTracepoints = 64;
        public const int RingRecords = 1 << 14;        // per CPU: 512 KiB of records

        private struct Registry { public fixed ulong Points[MaxTracepoints]; }
        private static Registry s_registry;
        private static string[]? s_names;
        private static int s_count;
        // One ring per CPU: a CPU appends to its own with interrupts off, no atomics, no shared lines.
        private static TraceRecord** s_rings;          // [cpu] -> ring
        private static ulong* s_next;                  // [cpu] -> records written (index = next % size)
        private static int s_ringCount;

        public static int Count => s_count;
        public static ulong RecordsWritten
        {
            get { ulong n = 0; for (int i = 0; i < s_ringCount; i++) n += s_next[i]; return n; }
        }

        // Hooks the layers above install at boot: the current thread's id for records (Sched), and
        // zeroed memory for the rings (Memory).
        public static delegate*<ulong> CurrentThreadId;
        public static delegate*<ulong, void*> AllocateZeroed;

        // Tracepoints of subsystems that have no initialisation of their own.
        public static Tracepoint TimerFire, Irq;

        public static void Register(ref Tracepoint tp, string name)
        {
            if (s_count == MaxTracepoints) Panic.Fail("too many tracepoints");
            s_names ??= new string[MaxTracepoints];
            tp.Id = (ushort)s_count;
            s_names[s_count] = name;
            fixed (Registry* r = &s_registry) r->Points[s_count] = (ulong)Unsafe.AsPointer(ref tp);
            s_count++;
        }

        public static Tracepoint* At(int i)
        {
            fixed (Registry* r = &s_registry) return (Tracepoint*)r->Points[i];
        }

        public static string NameOf(int i) => s_names![i];

        public static void RegisterCore()
        {
            Register(ref TimerFire, "timer_fire");
            Register(ref Irq, "irq");
        }

        // --trace=PATTERN: '*' is a wildcard; several patterns separated by ','. Returns how many matched.
        public static int Enable(ReadOnlySpan<byte> patterns, bool record)
        {
            int matched = 0;
            for (int i = 0; i < s_count; i++)
            {
                if (!MatchesAny(NameOf(i), patterns)) continue;
                Tracepoint* tp = At(i);
                tp->Recording |= record;
                tp->Enabled = true;
                matched++;
            }
            if (record && matched > 0 && s_rings == null)
            {
                int cpus = PerCpu.Count < 1 ? 1 : PerCpu.Count;
                s_next = (ulong*)AllocateZeroed((ulong)(cpus * 8));
                var rings = (TraceRecord**)AllocateZeroed((ulong)(cpus * 8));
                for (int i = 0; i < cpus; i++) rings[i] = (TraceRecord*)AllocateZeroed((ulong)(RingRecords * sizeof(TraceRecord)));
                s_ringCount = cpus;
                System.Threading.Interlocked.MemoryBarrier();   // rings complete before they are published
                s_rings = rings;
            }
            return matched;
        }

        private static bool MatchesAny(string name, ReadOnlySpan<byte> patterns)
        {
            int start = 0;
            for (int i = 0; i <= patterns.Length; i++)
            {
                if (i < patterns.Length && patterns[i] != (byte)',') continue;
                if (i > start && Glob(name, 0, patterns.Slice(start, i - start))) return true;
                start = i + 1;
            }
            return false;
        }

        public static bool Glob(string name, int n, ReadOnlySpan<byte> p)
        {
            if (p.Length == 0) return n == name.Length;
            if (p[0] == (byte)'*')
            {
                for (int k = n; k <= name.Length; k++) if (Glob(name, k, p.Slice(1))) return true;
                return false;
            }
            return n < name.Length && name[n] == (char)p[0] && Glob(name, n + 1, p.Slice(1));
        }

        public static void Fire(ref Tracepoint tp, ulong a, ulong b)
        {
            System.Threading.Interlocked.Increment(ref tp.Count);
            if (!tp.Recording || s_rings == null) return;
            bool irq = Cpu.SaveAndDisableInterrupts();
            int cpu = PerCpu.CurrentIndex;
            if (cpu >= s_ringCount) { Cpu.RestoreInterrupts(irq); return; }
            TraceRecord* r = &s_rings[cpu][s_next[cpu] % RingRecords];
            s_next[cpu]++;
            r->Tsc = Cpu.ReadTsc();
            r->Tracepoint = tp.Id;
            r->Cpu = (ushort)PerCpu.CurrentIndex;
            var threadId = CurrentThreadId;
            r->Thread = threadId == null ? 0 : (uint)threadId();
            r->A = a;
            r->B = b;
            Cpu.RestoreInterrupts(irq);
        }

        // Writes the rings to the console between markers, for `nimbus trace`: a header line with the
        // TSC rate and tracepoint names, then one hex line per record, all CPUs merged by time.
        public static void Dump(ulong tscHz, ulong bootTsc)
        {
            if (s_rings == null) return;
            ulong* pos = stackalloc ulong[s_ringCount];
            ulong total = 0, lost = 0;
            for (int c = 0; c < s_ringCount; c++)
            {
                pos[c] = s_next[c] > RingRecords ? s_next[c] - RingRecords : 0;
                lost += pos[c];
                total += s_next[c] - pos[c];
            }
            Log.Line($"nimbus-trace-begin tsc_hz={tscHz} boot_tsc={bootTsc} records={total} lost={lost}");
            for (int i = 0; i < s_count; i++) Log.Line($"nimbus-trace-point {i} {NameOf(i)}");
            for (ulong k = 0; k < total; k++)
            {
                int best = -1;
                for (int c = 0; c < s_ringCount; c++)
                    if (pos[c] < s_next[c] && (best < 0 || s_rings[c][pos[c] % RingRecords].Tsc < s_rings[best][pos[best] % RingRecords].Tsc)) best = c;
                TraceRecord* r = &s_rings[best][pos[best] % RingRecords];
                pos[best]++;
                Log.Line($"nimbus-trace {r->Tsc:x} {(ulong)r->Tracepoint:x} {(ulong)r->Cpu:x} {(ulong)r->Thread:x} {r->A:x} {r->B:x}");
            }
            Log.Line("nimbus-trace-end");
        }
    }
}
