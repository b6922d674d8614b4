using System.Threading;
using Nimbus.Kernel.Sched;
using Nimbus.Kernel.Time;
using Nimbus.Kernel.Console;
using Nimbus.Kernel.Diagnostics;

namespace Nimbus.Kernel.Profiling
{
    // --perf-stat=LIST: a thread prints, every second, how often each enabled tracepoint fired in
    // that second (like `perf stat -I 1000`), and a total line at exit.
    internal static unsafe class PerfStat
    {
        private static KThread* s_thread;
        private static int s_stop;
        private static ulong s_startNs;
        private struct Counts { public fixed ulong Last[Trace.MaxTracepoints]; }
        private static Counts s_last;

        public static void Start()
        {
            if (s_thread != null) return;
            s_startNs = Clock.NowNs();
            s_thread = Scheduler.Spawn(&Loop, null, "perf-stat");
        }

        public static void Stop()
        {
            if (s_thread == null) return;
            Volatile.Write(ref s_stop, 1);
            Parking.Unpark(s_thread);
            Scheduler.Join(s_thread);
            s_thread = null;
            PrintLine(true);
        }

        private static void Loop(void* unused)
        {
            PrintHeader();
            ulong next = s_startNs + 1_000_000_000;
            while (true)
            {
                fixed (int* stop = &s_stop)
                    if (Parking.Park(stop, next)) break;      // stopped before the second ended
                PrintLine(false);
                next += 1_000_000_000;
            }
        }

        private static void PrintHeader()
        {
            var line = new KernelText(0, 0);
            line.AppendLiteral("perf-stat:      time");
            for (int i = 0; i < Trace.Count; i++)
                if (Trace.At(i)->Enabled && !Trace.At(i)->Recording) line.AppendFormatted(Trace.NameOf(i), 18);
            Log.Line(ref line);
        }

        private static void PrintLine(bool total)
        {
            var line = new KernelText(0, 0);
            ulong us = (Clock.NowNs() - s_startNs) / 1000;
            line.AppendLiteral("perf-stat: ");
            var t = new KernelText(0, 0);
            if (total) t.AppendLiteral("total");
            else { t.AppendFormatted(us / 1000, "f3"); t.AppendLiteral("s"); }
            line.AppendFormatted(t.Bytes, 9);
            fixed (Counts* c = &s_last)
            {
                for (int i = 0; i < Trace.Count; i++)
                {
                    Tracepoint* tp = Trace.At(i);
                    if (!tp->Enabled || tp->Recording) continue;
                    ulong now = tp->Count;
                    line.AppendFormatted((long)(total ? now : now - c->Last[i]), 18);
                    c->Last[i] = now;
                }
            }
            Log.Line(ref line);
        }
    }
}
