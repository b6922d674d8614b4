using System.Diagnostics;
using System.Text;

namespace Nimbus.Cli;

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed, bool TimedOut)
{
    public string Output => Stdout + Stderr;
}

// The one way the CLI runs external tools (csc, ilc, as, ld, gcc, qemu, apt-get, dpkg-deb, dotnet)
// and captures what they say.
public static class ProcessRunner
{
    // readStdout: stdout is handed over as a stream and read by that function (e.g. a tar archive
    // that dpkg-deb writes); what it does not read is drained so the tool never blocks.
    public static ProcessResult Run(string file, IEnumerable<string> args, string? workingDirectory = null,
        TimeSpan? timeout = null, bool inheritOutput = false, IDictionary<string, string>? environment = null,
        Func<string, bool>? passStderrLine = null, Action<string>? onStdoutLine = null, Stream? rawStdout = null,
        Action<Stream>? readStdout = null)
    {
        // With inheritOutput and a stderr filter, stdout goes straight to ours and stderr lines the
        // filter accepts are forwarded. With inheritOutput and onStdoutLine, stdout is read line by
        // line: each line is echoed to ours as it arrives and handed to onStdoutLine (a partial line
        // shows once its newline arrives).
        bool filterStderr = inheritOutput && passStderrLine != null;
        bool teeStdout = inheritOutput && onStdoutLine != null;
        bool pumpStdout = rawStdout != null || readStdout != null;
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = !inheritOutput || teeStdout || pumpStdout,
            RedirectStandardError = !inheritOutput || filterStderr,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment != null) foreach (var kv in environment) psi.Environment[kv.Key] = kv.Value;

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var sw = Stopwatch.StartNew();
        using var p = new Process { StartInfo = psi };
        try { p.Start(); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new NimbusException($"cannot run '{file}': {e.Message}");
        }
        Task? pump = null;
        if (readStdout != null)
        {
            pump = Task.Run(() =>
            {
                var source = p.StandardOutput.BaseStream;
                try { readStdout(source); }
                finally { source.CopyTo(Stream.Null); }
            });
        }
        else if (pumpStdout)
        {
            // Bytes as they come (an application's output), serial line endings (CR LF) made LF.
            pump = Task.Run(() =>
            {
                var buffer = new byte[4096];
                bool pendingCr = false;
                var source = p.StandardOutput.BaseStream;
                int n;
                while ((n = source.Read(buffer, 0, buffer.Length)) > 0)
                {
                    var outBytes = new List<byte>(n + 1);
                    for (int i = 0; i < n; i++)
                    {
                        byte b = buffer[i];
                        if (pendingCr && b != (byte)'\n') outBytes.Add((byte)'\r');
                        pendingCr = b == (byte)'\r';
                        if (!pendingCr) outBytes.Add(b);
                    }
                    var chunk = outBytes.ToArray();
                    rawStdout!.Write(chunk);
                    rawStdout.Flush();
                    lock (stdout) stdout.Append(System.Text.Encoding.UTF8.GetString(chunk));
                }
                if (pendingCr) rawStdout!.Write([(byte)'\r']);
                rawStdout!.Flush();
            });
        }
        else if (!inheritOutput)
        {
            p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (stdout) stdout.AppendLine(e.Data); };
            p.BeginOutputReadLine();
        }
        if (!inheritOutput)
        {
            p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
            p.BeginErrorReadLine();
        }
        if (filterStderr)
        {
            p.ErrorDataReceived += (_, e) => { if (e.Data != null && passStderrLine!(e.Data)) Console.Error.WriteLine(e.Data); };
            p.BeginErrorReadLine();
        }
        if (teeStdout)
        {
            p.OutputDataReceived += (_, e) => { if (e.Data != null) { Console.Out.WriteLine(e.Data); onStdoutLine!(e.Data); } };
            p.BeginOutputReadLine();
        }
        bool timedOut = false;
        if (!p.WaitForExit(timeout ?? Timeout.InfiniteTimeSpan))
        {
            timedOut = true;
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit();
        }
        p.WaitForExit();   // drain async readers
        try { pump?.Wait(); }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1) { throw e.InnerExceptions[0]; }
        sw.Stop();
        return new ProcessResult(timedOut ? -1 : p.ExitCode, stdout.ToString(), stderr.ToString(), sw.Elapsed, timedOut);
    }

    public static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}

// A failure the user must see as one clear message (no stack trace).
public sealed class NimbusException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
