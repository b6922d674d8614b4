using System.Text.RegularExpressions;

namespace Nimbus.Cli;

// docs/abi.md against the kernel's export table: every name the kernel exports (out/kernel/kexports.S,
// which the build writes from the abi_ symbols and Aliases.txt) must be listed in the table's functions
// column, in backticks, and every name listed there must be exported. A listed word may use {a,b}
// alternatives and an optional (suffix): `fseek(o)` is fseek and fseeko.
public static class AbiDoc
{
    public static string? Problems(string docPath, string exportTablePath)
    {
        var exported = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Match m in Regex.Matches(File.ReadAllText(exportTablePath), "\\.asciz \"([^\"]+)\""))
            exported.Add(m.Groups[1].Value);
        if (exported.Count == 0) return $"{exportTablePath}: no exports found";

        var listed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(docPath))
        {
            var cells = line.Split('|');
            if (cells.Length < 5 || !line.StartsWith('|') || cells[1].Trim() is "area" or "---") continue;
            foreach (Match span in Regex.Matches(cells[2], "`([^`]*)`"))
                foreach (var word in span.Groups[1].Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                    foreach (var name in Expand(word)) listed.Add(name);
        }
        var undocumented = exported.Where(n => !listed.Contains(n)).ToList();
        var unexported = listed.Where(n => !exported.Contains(n)).ToList();
        if (undocumented.Count == 0 && unexported.Count == 0) return null;
        var report = new List<string>();
        if (undocumented.Count > 0) report.Add($"exported but not in {Path.GetFileName(docPath)}: {string.Join(' ', undocumented)}");
        if (unexported.Count > 0) report.Add($"in {Path.GetFileName(docPath)} but not exported: {string.Join(' ', unexported)}");
        return string.Join('\n', report);
    }

    // "pthread_{mutex,cond}attr_init" -> two names; "lseek(64)" -> lseek, lseek64.
    private static IEnumerable<string> Expand(string word)
    {
        var m = Regex.Match(word, @"\{([^{}]*)\}|\(([^()]*)\)");
        if (!m.Success) { yield return word; yield break; }
        var choices = m.Groups[1].Success ? m.Groups[1].Value.Split(',') : ["", m.Groups[2].Value];
        foreach (var c in choices)
            foreach (var rest in Expand(word[..m.Index] + c + word[(m.Index + m.Length)..])) yield return rest;
    }
}
