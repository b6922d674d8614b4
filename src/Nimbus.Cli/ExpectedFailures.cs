namespace Nimbus.Cli;

// A list of tests that are known to fail, each with its reason: "NAME: reason" a line, '#' comments.
// The suites that read one (libc-test, Debian programs) fail a listed test that passes, so the list
// can only shrink.
public static class ExpectedFailures
{
    public static Dictionary<string, string> Load(string path)
    {
        var list = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path)) return list;
        foreach (var line in File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            int colon = line.IndexOf(':');
            if (colon < 0) throw new NimbusException($"{path}: '{line}' is not 'name: reason'");
            list[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return list;
    }

    // The symbols a load refused to bind, from the kernel's "missing symbol: NAME" lines, sorted.
    public static List<string> MissingSymbols(string output) =>
        System.Text.RegularExpressions.Regex.Matches(output, @"missing symbol: (\S+)").Select(m => m.Groups[1].Value)
            .Distinct().Order(StringComparer.Ordinal).ToList();
}
