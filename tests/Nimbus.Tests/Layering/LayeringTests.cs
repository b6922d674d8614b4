using Nimbus.Tests.Layering;
using Xunit;

namespace Nimbus.Tests;

// The kernel's declared layer order (src/Kernel/Layers.txt) holds: no file names a higher layer.
// Edges not yet untangled are listed in Layering/known-violations.txt as "FILE -> LAYER"; the list
// may only shrink: a listed edge that no longer exists fails the test too, so it gets deleted.
public class LayeringTests
{
    [Fact]
    public void KernelSourcesRespectTheDeclaredLayers()
    {
        string src = RepoFiles.Path("src");
        var spec = LayerSpec.Parse(File.ReadAllText(Path.Combine(src, "Kernel", "Layers.txt")));
        var violations = LayerChecker.Check(src, spec);
        var known = KnownViolations(RepoFiles.Path("tests/Nimbus.Tests/Layering/known-violations.txt"));

        var unexpected = violations.Where(v => !known.Contains(KeyOf(v, spec))).ToList();
        var stale = known.Where(k => !violations.Any(v => KeyOf(v, spec) == k)).ToList();
        Assert.True(unexpected.Count == 0,
            $"{unexpected.Count} references break the layer order of src/Kernel/Layers.txt (a lower layer must " +
            "reach up through a hook it owns; see docs/architecture.md):\n" + string.Join('\n', unexpected));
        Assert.True(stale.Count == 0,
            "known-violations.txt lists edges that no longer exist; delete these lines:\n" + string.Join('\n', stale));
    }

    // "Kernel/Arch/X64/Smp.cs -> Sched": the file and the layer it may still name, for now.
    private static string KeyOf(LayerViolation v, LayerSpec spec)
    {
        int i = v.Message.IndexOf(" must not name ", StringComparison.Ordinal);
        if (i < 0) return v.File + " -> " + v.Message;     // namespace or unlayered-file findings are never allowed
        string target = v.Message[(i + " must not name ".Length)..].Split(':')[0];
        return v.File + " -> " + target;
    }

    private static HashSet<string> KnownViolations(string path) =>
        File.Exists(path)
            ? File.ReadAllLines(path).Select(l => l.Split('#')[0].Trim()).Where(l => l.Length > 0).ToHashSet()
            : [];

    // The checker itself, on a synthetic tree: it must catch what it exists to catch.
    private sealed class SyntheticTree : IDisposable
    {
        public readonly string Src = Path.Combine(Path.GetTempPath(), "nimbus-layers-" + Guid.NewGuid().ToString("N"), "src");
        public readonly LayerSpec Spec = LayerSpec.Parse("Low Kernel/Low\nHigh Kernel/High\n");

        public SyntheticTree()
        {
            Write("Kernel/Low/Clock.cs", "namespace Nimbus.Kernel.Low { static class Clock { public static int Now() => 1; } }");
            Write("Kernel/High/Shell.cs", "namespace Nimbus.Kernel.High { static class Commands { public static int Run() => Low.Clock.Now(); public static bool Verbose; } }");
        }

        public void Write(string rel, string text)
        {
            string path = Path.Combine(Src, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }

        public void Dispose() => Directory.Delete(Path.GetDirectoryName(Src)!, recursive: true);
    }

    [Fact]
    public void CheckerAcceptsATreeThatOnlyReachesDown()
    {
        using var tree = new SyntheticTree();
        Assert.Empty(LayerChecker.Check(tree.Src, tree.Spec));
    }

    [Fact]
    public void CheckerReportsAReferenceToAHigherLayerWithFileAndLine()
    {
        using var tree = new SyntheticTree();
        tree.Write("Kernel/Low/Clock.cs", "namespace Nimbus.Kernel.Low\n{\n    static class Clock\n    {\n        public static int Now() => High.Commands.Verbose ? 2 : 1;\n    }\n}");
        var v = Assert.Single(LayerChecker.Check(tree.Src, tree.Spec).Where(x => x.Message.Contains("Verbose")));
        Assert.Equal("Kernel/Low/Clock.cs", v.File);
        Assert.Equal(5, v.Line);
        Assert.Contains("Low must not name High", v.Message);
    }

    [Fact]
    public void CheckerReportsAForbiddenUsingEvenWhenNothingFromItIsUsed()
    {
        using var tree = new SyntheticTree();
        tree.Write("Kernel/Low/Timer.cs", "using Nimbus.Kernel.High;\n\nnamespace Nimbus.Kernel.Low { static class Timer { } }");
        var v = Assert.Single(LayerChecker.Check(tree.Src, tree.Spec));
        Assert.Equal(("Kernel/Low/Timer.cs", 1), (v.File, v.Line));
        Assert.Contains("using Nimbus.Kernel.High", v.Message);
    }

    [Fact]
    public void CheckerReportsNamespacesThatDoNotMatchTheirFolderAndFilesOutsideEveryLayer()
    {
        using var tree = new SyntheticTree();
        tree.Write("Kernel/Low/Misplaced.cs", "namespace Nimbus.Kernel { static class Misplaced { } }");
        tree.Write("Kernel/Orphan/Thing.cs", "namespace Nimbus.Kernel.Orphan { static class Thing { } }");
        var messages = LayerChecker.Check(tree.Src, tree.Spec).Select(v => v.ToString()).ToList();
        Assert.Contains(messages, m => m.StartsWith("Kernel/Low/Misplaced.cs:1: namespace Nimbus.Kernel does not match", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Kernel/Orphan/Thing.cs:1: file is in no declared layer", StringComparison.Ordinal));
    }
}
