using System.Diagnostics;
using Spectre.Console;

namespace Nimbus.Cli;

// What the user sees besides a command's own output, through Spectre.Console: tables, and a spinner
// for long steps (building the kernel, publishing with dotnet, fetching the Linux guest). Decorated
// only when stderr is a terminal outside CI; otherwise plain text: tables in Markdown, one line per message.
public static class Ui
{
    // Off for `nimbus test` (its output is read by CI) and wherever stderr is not a terminal.
    public static bool Decorate { get; set; } =
        !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb" && !InCi;

    // A log that must stay quiet (e.g. under --json): steps given it show no spinner either.
    public static readonly Action<string> Silent = _ => { };

    public static bool InCi => Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ci && ci != "0" && ci != "false";

    private static IAnsiConsole? s_err;
    private static IAnsiConsole Err => s_err ??= AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.Detect, ColorSystem = ColorSystemSupport.Detect, Interactive = InteractionSupport.Yes,
        Out = new AnsiConsoleOutput(Console.Error),
    });

    // Runs a long step. On a terminal: a spinner showing the step's latest message, then one line
    // saying it is done. Otherwise each message is logged as a line, as it comes.
    public static T Step<T>(string title, Action<string> log, Func<Action<string>, T> work)
    {
        if (log == Silent || !Decorate) return work(log);
        var sw = Stopwatch.StartNew();
        T result = Err.Status().Spinner(Spinner.Known.Dots).Start(Markup.Escape(title),
            ctx => work(message => ctx.Status(Markup.Escape($"{title}: {message.Trim()}"))));
        if (sw.Elapsed.TotalSeconds >= 1)      // a step that was only a check leaves no trace
            Err.MarkupLine($"[green]done[/] {Markup.Escape(title)} [grey]({sw.Elapsed.TotalSeconds:F1} s)[/]");
        return result;
    }

    // A table on stdout: boxed on a terminal, else Markdown (plain, and pastes into docs/benchmarks.md).
    public static void WriteTable(string[] headers, IEnumerable<string[]> rows, int leftAligned = 1)
    {
        bool boxed = Decorate && !Console.IsOutputRedirected;
        var table = new Table().Border(boxed ? TableBorder.Rounded : TableBorder.Markdown);
        for (int i = 0; i < headers.Length; i++)
        {
            var column = new TableColumn(Markup.Escape(headers[i])).NoWrap();
            table.AddColumn(i < leftAligned ? column.LeftAligned() : column.RightAligned());
        }
        foreach (var row in rows) table.AddRow(row.Select(Markup.Escape).ToArray());
        if (boxed)
        {
            AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) }).Write(table);
            return;
        }
        var text = new StringWriter();
        var plain = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(text),
        });
        plain.Profile.Width = 400;     // never wrap a row when the reader is a file or CI
        plain.Write(table);
        foreach (var line in text.ToString().Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0))
            Console.WriteLine(line);
    }
}
