using System.Runtime.InteropServices;
using System.Text;
using Nimbus.Kernel.Libc.Fnmatch;
using Xunit;

namespace Nimbus.Tests;

// fnmatch against the host's glibc: a corpus of patterns and names under every flag combination, then
// random patterns and names over a small alphabet (where the corner cases meet).
public unsafe class FnmatchTests
{
    [DllImport("libc", EntryPoint = "fnmatch")] private static extern int HostFnmatch(byte* pattern, byte* name, int flags);

    private static readonly string[] Patterns =
    {
        "", "*", "?", "a", "abc", "a*", "*c", "a*c", "a?c", "*.c", ".*", "*/*", "a/*", "a/?", "*a*b*", "**", "a**c", "[abc]",
        "[!abc]", "[^abc]", "[a-c]x", "[]]", "[]a]", "[!]]", "[a-]", "[-a]", "[", "[a", "a[", "\\*", "\\", "a\\", "\\a",
        "[\\]]", "[\\!a]", "[[:alpha:]]", "[[:digit:][:upper:]]*", "[![:space:]]", "[[:foo:]]", "[[.a.]]", "[[=b=]]", "[[.-.]a]",
        "[a-z]*[0-9]", "*[/]*", "a[/]b", "*/", "/*", "?*", "*?", "*.*", "[.]*", "?bc", "A*", "[A-C]*", "[[:lower:]]*",
        "[[:upper:]]", "x*y*z", "*x*", "a/b/*", "a/*/c", "*/b", ".a", "\\.a", "[z-a]", "[a-a]", "[!a-y]*", "[*]", "[?]*",
    };

    private static readonly string[] Names =
    {
        "", "a", "b", "c", "abc", "abd", "aXc", "a.c", ".c", ".hidden", "a/b", "a/.b", "a/b/c", "a/bc", "/a", "a/", "]", "-",
        "*", "\\", "[", "[a", "a[", "A", "ABC", "aBc", "x1", "Z9", " ", "zz", "xyz", "xaybzc", "a/b/c/d", "ab/c", ".", "..",
        "a.b.c", "a]", "!", "?", "dir/.x", "Abc", "bc",
    };

    private static int Guest(string pattern, string name, int flags)
    {
        byte[] p = Encoding.Latin1.GetBytes(pattern + "\0"), n = Encoding.Latin1.GetBytes(name + "\0");
        fixed (byte* pp = p) fixed (byte* np = n) return Fnmatch.Match(pp, np, flags);
    }

    private static int Host(string pattern, string name, int flags)
    {
        byte[] p = Encoding.Latin1.GetBytes(pattern + "\0"), n = Encoding.Latin1.GetBytes(name + "\0");
        fixed (byte* pp = p) fixed (byte* np = n) return HostFnmatch(pp, np, flags);
    }

    private static void Compare(IEnumerable<(string, string, int)> cases)
    {
        var failures = new List<string>();
        int count = 0;
        foreach (var (pattern, name, flags) in cases)
        {
            count++;
            int host = Host(pattern, name, flags), guest = Guest(pattern, name, flags);
            if (host != guest) failures.Add($"fnmatch(\"{pattern}\", \"{name}\", {flags:x}): host {host}, ours {guest}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} differ:\n" + string.Join("\n", failures.Take(40)));
    }

    [Fact]
    public void CorpusUnderEveryFlagCombination()
    {
        IEnumerable<(string, string, int)> Cases()
        {
            foreach (var p in Patterns)
                foreach (var n in Names)
                    for (int flags = 0; flags < 32; flags++)
                        yield return (p, n, flags);
        }
        Compare(Cases());
    }

    [Fact]
    public void RandomPatterns()
    {
        var random = new Random(11);
        const string patternAlphabet = "aAb.*?/[]!-\\^=:";
        const string nameAlphabet = "ab./B-";
        IEnumerable<(string, string, int)> Cases()
        {
            for (int i = 0; i < 200000; i++)
            {
                var p = new string(Enumerable.Range(0, random.Next(0, 7)).Select(_ => patternAlphabet[random.Next(patternAlphabet.Length)]).ToArray());
                var n = new string(Enumerable.Range(0, random.Next(0, 7)).Select(_ => nameAlphabet[random.Next(nameAlphabet.Length)]).ToArray());
                yield return (p, n, random.Next(32));
            }
        }
        Compare(Cases());
    }

    [Fact]
    public void PathologicalPatternIsQuick()
    {
        string pattern = string.Concat(Enumerable.Repeat("*a", 30)) + "b";
        string name = new string('a', 5000);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(Fnmatch.NoMatch, Guest(pattern, name, 0));
        Assert.True(watch.ElapsedMilliseconds < 2000, $"took {watch.ElapsedMilliseconds} ms");
    }
}
