using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Nimbus.Cli;

// `nimbus trace` and `nimbus run --trace-out`: converts the trace block that a kernel booted with
// `--trace=PATTERN --trace-dump` prints at exit (src/Kernel/Diagnostics/Trace.cs, Dump) into Chrome
// Trace Event Format JSON, which Perfetto UI (ui.perfetto.dev) and chrome://tracing load.
//
// Console lines (a trailing '\r' is ignored; other lines are other console output, and are skipped):
//   nimbus-trace-begin tsc_hz=N boot_tsc=N records=N lost=N     decimal
//   nimbus-trace-point INDEX NAME                                one per tracepoint, INDEX decimal
//   nimbus-trace TSC POINT CPU THREAD A B                        one per record, hex, oldest first
//   nimbus-trace-end
//   nimbus-trace-thread ID NAME                                  optional, anywhere: names thread ID (hex)
// Anything doubtful (a truncated or garbled block, an undeclared tracepoint, a record count that does
// not match the header) is an error naming the line, never a silently wrong picture.
//
// Output: one track per CPU (pid 0 "nimbus", tid = CPU) holding a complete ("X") slice for each
// stretch a thread ran, from sched_switch records, and every record as an instant ("i") event.
public static class TraceConverter
{
    public sealed record Record(int Line, ulong Tsc, int Point, int Cpu, ulong Thread, ulong A, ulong B);

    public sealed class TraceLog
    {
        public ulong TscHz, BootTsc, Lost;
        public readonly Dictionary<int, string> Points = [];
        public readonly List<Record> Records = [];
        public readonly Dictionary<ulong, string> ThreadNames = [];

        // Microseconds since boot, to the nanosecond.
        public double Us(ulong tsc)
        {
            double ticks = tsc >= BootTsc ? tsc - BootTsc : -(double)(BootTsc - tsc);
            return Math.Round(ticks * 1e6 / TscHz, 3);
        }
    }

    public sealed record Summary(int Records, ulong Lost, int Tracepoints, int TracepointsSeen, double SpanMs, int Slices, string Output)
    {
        public override string ToString() =>
            $"{Records} records{(Lost > 0 ? $" ({Lost} older ones lost: the ring overflowed)" : "")} of {TracepointsSeen} tracepoints " +
            $"({Tracepoints} registered), spanning {SpanMs.ToString("F3", CultureInfo.InvariantCulture)} ms, " +
            $"{Slices} thread slices -> {Output}";
    }

    private const string Hint = "boot with -e \"--trace=PATTERN --trace-dump COMMAND\" to print one, " +
        "e.g. nimbus run -e \"--trace=sched* --trace-dump selftest sched\" --trace-out trace.json";

    public static Summary ConvertFile(string logPath, string outPath)
    {
        if (Path.GetFullPath(logPath) == Path.GetFullPath(outPath))
            throw new NimbusException($"the output would overwrite the log {logPath}; choose another with -o", Program.UsageError);
        string[] lines;
        try { lines = File.ReadAllLines(logPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NimbusException($"cannot read {logPath}: {e.Message}");
        }
        return Convert(lines, logPath, outPath);
    }

    // source names the log in messages ("trace.log:12: ...").
    public static Summary Convert(IReadOnlyList<string> lines, string source, string outPath)
    {
        var log = Parse(lines, source);
        var events = ToEvents(log, out int slices);
        try { File.WriteAllText(outPath, ToJson(events, log, source)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NimbusException($"cannot write {outPath}: {e.Message}");
        }
        double span = log.Records.Count == 0 ? 0 : (log.Us(log.Records[^1].Tsc) - log.Us(log.Records[0].Tsc)) / 1000;
        return new Summary(log.Records.Count, log.Lost, log.Points.Count,
            log.Records.Select(r => r.Point).Distinct().Count(), span, slices, outPath);
    }

    public static TraceLog Parse(IReadOnlyList<string> lines, string source)
    {
        var log = new TraceLog();
        int begin = 0, end = 0;                 // line numbers of the markers, 0 = not seen
        ulong announced = 0;
        var lastTsc = new Dictionary<int, ulong>();    // per CPU: time only moves forward
        for (int n = 1; n <= lines.Count; n++)
        {
            string line = lines[n - 1].TrimEnd('\r');
            if (!line.StartsWith("nimbus-trace")) continue;
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Exception Bad(string problem) => new NimbusException($"{source}:{n}: {problem}: '{Shorten(line)}'");
            bool inBlock = begin != 0 && end == 0;
            switch (f[0])
            {
                case "nimbus-trace-begin":
                    if (inBlock) throw new NimbusException($"{source}:{n}: a second nimbus-trace-begin, but the block begun at line {begin} has no nimbus-trace-end (truncated log?)");
                    if (end != 0) throw new NimbusException($"{source}:{n}: a second trace block (the first is at lines {begin}-{end}); keep one boot's output per log");
                    begin = n;
                    log.TscHz = HeaderField(f, "tsc_hz") ?? throw Bad("malformed trace header: no decimal tsc_hz=");
                    log.BootTsc = HeaderField(f, "boot_tsc") ?? throw Bad("malformed trace header: no decimal boot_tsc=");
                    announced = HeaderField(f, "records") ?? throw Bad("malformed trace header: no decimal records=");
                    log.Lost = HeaderField(f, "lost") ?? throw Bad("malformed trace header: no decimal lost=");
                    if (log.TscHz == 0) throw Bad("malformed trace header: tsc_hz=0");
                    break;
                case "nimbus-trace-point":
                    if (!inBlock) throw Bad("tracepoint declaration outside a nimbus-trace-begin/-end block (missing begin?)");
                    if (f.Length != 3 || !int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                        throw Bad("malformed tracepoint declaration (expected: nimbus-trace-point INDEX NAME)");
                    if (!log.Points.TryAdd(index, f[2])) throw Bad($"tracepoint {index} declared twice");
                    break;
                case "nimbus-trace":
                    if (!inBlock) throw Bad("trace record outside a nimbus-trace-begin/-end block (missing begin?)");
                    if (f.Length != 7 || !Hex(f[1], out ulong tsc) || !Hex(f[2], out ulong point) || !Hex(f[3], out ulong cpu)
                        || !Hex(f[4], out ulong thread) || !Hex(f[5], out ulong a) || !Hex(f[6], out ulong b)
                        || point > ushort.MaxValue || cpu > ushort.MaxValue)
                        throw Bad("malformed trace record (expected: nimbus-trace TSC POINT CPU THREAD A B, in hex)");
                    if (lastTsc.TryGetValue((int)cpu, out ulong before) && tsc < before)
                        throw Bad($"record goes back in time on CPU {cpu} (TSC {tsc:x} after {before:x})");
                    lastTsc[(int)cpu] = tsc;
                    log.Records.Add(new Record(n, tsc, (int)point, (int)cpu, thread, a, b));
                    break;
                case "nimbus-trace-end":
                    if (!inBlock) throw Bad("nimbus-trace-end without a nimbus-trace-begin before it (missing begin?)");
                    end = n;
                    if ((ulong)log.Records.Count != announced)
                        throw new NimbusException($"{source}:{n}: the trace header (line {begin}) announces {announced} records but the block holds {log.Records.Count} (lines lost or garbled?)");
                    break;
                case "nimbus-trace-thread":
                    if (f.Length < 3 || !Hex(f[1], out ulong id)) throw Bad("malformed thread name (expected: nimbus-trace-thread ID NAME)");
                    log.ThreadNames[id] = string.Join(' ', f.Skip(2));
                    break;
                default:
                    if (inBlock) throw Bad("unknown kind of trace line");
                    break;
            }
        }
        if (begin == 0)
            throw new NimbusException($"{source}: no trace block (no nimbus-trace-begin line in {lines.Count} line{(lines.Count == 1 ? "" : "s")}); {Hint}");
        if (end == 0)
            throw new NimbusException($"{source}:{begin}: the trace block begun here has no nimbus-trace-end (the log is truncated after line {lines.Count}?)");
        foreach (var r in log.Records)
            if (!log.Points.ContainsKey(r.Point))
                throw new NimbusException($"{source}:{r.Line}: record of tracepoint {r.Point:x}, which no nimbus-trace-point line declares");
        return log;
    }

    // "key=DECIMAL" among the header's fields, or null.
    private static ulong? HeaderField(string[] fields, string key)
    {
        foreach (var f in fields)
            if (f.StartsWith(key + "=") && ulong.TryParse(f.AsSpan(key.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ulong v))
                return v;
        return null;
    }

    private static bool Hex(string s, out ulong value) =>
        ulong.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);

    private static string Shorten(string s) => s.Length <= 100 ? s : s[..100] + "...";

    public static List<JsonObject> ToEvents(TraceLog log, out int slices)
    {
        int Point(string name) => log.Points.FirstOrDefault(p => p.Value == name, new(-1, "")).Key;
        int switchPoint = Point("sched_switch"), idlePoint = Point("sched_idle");

        // The idle thread: the one switched to right before a sched_idle record on that CPU.
        var idle = new HashSet<ulong>();
        var previous = new Dictionary<int, Record>();
        foreach (var r in log.Records)
        {
            if (r.Point == idlePoint)
                idle.Add(previous.TryGetValue(r.Cpu, out var p) && p.Point == switchPoint ? p.B : r.Thread);
            previous[r.Cpu] = r;
        }
        string Label(ulong id) => idle.Contains(id) ? "idle" : log.ThreadNames.TryGetValue(id, out var name) ? name : $"thread {id}";

        var events = new List<JsonObject>
        {
            new() { ["name"] = "process_name", ["ph"] = "M", ["pid"] = 0, ["args"] = new JsonObject { ["name"] = "nimbus" } },
        };
        foreach (int cpu in log.Records.Select(r => r.Cpu).Append(0).Distinct().Order())
        {
            events.Add(new() { ["name"] = "thread_name", ["ph"] = "M", ["pid"] = 0, ["tid"] = cpu, ["args"] = new JsonObject { ["name"] = $"cpu {cpu}" } });
            events.Add(new() { ["name"] = "thread_sort_index", ["ph"] = "M", ["pid"] = 0, ["tid"] = cpu, ["args"] = new JsonObject { ["sort_index"] = cpu } });
        }

        // Who ran when, per CPU: a slice from each switch to the next; before the first switch, the
        // thread the first record ran on (sched_switch records carry the thread switched to); after
        // the last one, until the last record of the trace.
        int sliceCount = 0;
        double traceEnd = log.Records.Count == 0 ? 0 : log.Us(log.Records[^1].Tsc);
        foreach (var cpuRecords in log.Records.GroupBy(r => r.Cpu))
        {
            ulong? running = null;
            double start = 0;
            foreach (var r in cpuRecords)
            {
                if (running == null) { running = r.Point == switchPoint ? r.A : r.Thread; start = log.Us(r.Tsc); }
                if (r.Point != switchPoint) continue;
                AddSlice(r.Cpu, r.A, start, log.Us(r.Tsc));
                running = r.B;
                start = log.Us(r.Tsc);
            }
            if (running != null) AddSlice(cpuRecords.Key, running.Value, start, traceEnd);
        }

        void AddSlice(int cpu, ulong thread, double from, double to)
        {
            if (to <= from) return;     // nothing to show (the start of the trace, or its very end)
            sliceCount++;
            events.Add(new()
            {
                ["name"] = Label(thread), ["cat"] = "sched", ["ph"] = "X", ["ts"] = from, ["dur"] = Math.Round(to - from, 3),
                ["pid"] = 0, ["tid"] = cpu, ["args"] = new JsonObject { ["thread"] = thread },
            });
        }

        foreach (var r in log.Records)
        {
            string name = log.Points[r.Point];
            var args = new JsonObject { ["a"] = $"0x{r.A:x}", ["b"] = $"0x{r.B:x}", ["thread"] = Label(r.Thread) };
            switch (name)       // what the arguments of the known tracepoints mean
            {
                case "sched_switch": args["prev"] = Label(r.A); args["next"] = Label(r.B); break;
                case "sched_wake": args["woken"] = Label(r.A); break;
                case "thread_create": args["created"] = Label(r.A); break;
                case "thread_exit": args["exited"] = Label(r.A); break;
                case "irq": args["vector"] = r.A; break;
                case "timer_fire": args["deadline_ns"] = r.B; break;
            }
            events.Add(new()
            {
                ["name"] = name, ["cat"] = "tracepoint", ["ph"] = "i", ["s"] = "t", ["ts"] = log.Us(r.Tsc),
                ["pid"] = 0, ["tid"] = r.Cpu, ["args"] = args,
            });
        }
        slices = sliceCount;
        return events;
    }

    // The object form, one event per line so that the file stays readable and greppable.
    private static string ToJson(List<JsonObject> events, TraceLog log, string source)
    {
        var json = new StringBuilder("{\"traceEvents\": [\n");
        for (int i = 0; i < events.Count; i++)
            json.Append(events[i].ToJsonString()).Append(i + 1 < events.Count ? ",\n" : "\n");
        var other = new JsonObject
        {
            ["source"] = source, ["tsc_hz"] = log.TscHz.ToString(CultureInfo.InvariantCulture),
            ["boot_tsc"] = log.BootTsc.ToString(CultureInfo.InvariantCulture),
            ["records"] = log.Records.Count.ToString(CultureInfo.InvariantCulture), ["lost"] = log.Lost.ToString(CultureInfo.InvariantCulture),
        };
        json.Append("],\n\"displayTimeUnit\": \"ns\",\n\"otherData\": ").Append(other.ToJsonString()).Append("}\n");
        return json.ToString();
    }
}
