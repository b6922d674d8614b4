// hello-dotnet: what a small .NET service does at start-up, on Nimbus. The same published binary
// runs on Linux: its output there and on Nimbus must be the same (the tests compare them).
using System.Diagnostics;

Console.WriteLine($"Hello from .NET on {(OperatingSystem.IsLinux() ? "a Linux ABI" : "?")}!");
Console.WriteLine($"Arguments: [{string.Join(", ", args)}]");
Console.WriteLine($"GREETING = {Environment.GetEnvironmentVariable("GREETING") ?? "(unset)"}");

// Threads and tasks.
int total = 0;
var thread = new Thread(() => Interlocked.Add(ref total, 1000)) { Name = "worker" };
thread.Start();
thread.Join();
var sums = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => Task.Run(() => Enumerable.Range(1, i * 1000).Sum(x => (long)x))));
Console.WriteLine($"Thread added {total}; tasks summed {sums.Sum()}");

// The GC under allocation pressure.
long kept = 0;
for (int round = 0; round < 20; round++)
{
    var list = new List<byte[]>();
    for (int i = 0; i < 1000; i++) list.Add(new byte[1024]);
    kept += list.Count;
}
GC.Collect();
Console.WriteLine($"Allocated {kept} buffers; collections so far: {(GC.CollectionCount(0) > 0 ? "some" : "none")}");

// Files.
string path = Path.Combine(Path.GetTempPath(), "nimbus-hello.txt");
File.WriteAllText(path, "written and read back");
Console.WriteLine($"File: {File.ReadAllText(path)}");
File.Delete(path);

// A real null dereference becomes a NullReferenceException.
try
{
    string? nothing = args.Length > 100 ? "x" : null;
    Console.WriteLine(nothing!.Length);
}
catch (NullReferenceException)
{
    Console.WriteLine("Caught NullReferenceException");
}

var started = DateTime.UtcNow;
Console.WriteLine($"Clock: year {started.Year} ok: {started.Year >= 2024}");
Console.WriteLine($"Stopwatch works: {Stopwatch.GetTimestamp() > 0}");
return args.Contains("fail") ? 3 : 0;
