using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Nimbus.Tests.Layering;

// The declared layer order of src/ (src/Kernel/Layers.txt): each line names a layer and the folders
// (relative to src/) that belong to it, lowest layer first. Code may name its own layer and lower ones.
public sealed class LayerSpec
{
    public readonly List<(string Name, string[] Folders)> Layers = [];

    public static LayerSpec Parse(string text)
    {
        var spec = new LayerSpec();
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.Split('#')[0].Trim();
            if (line.Length == 0) continue;
            var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2) throw new FormatException($"layer line '{line}' names no folder");
            spec.Layers.Add((words[0], words[1..]));
        }
        return spec;
    }

    // The layer index of a path relative to src/ (forward slashes), by its longest matching folder.
    public int LayerOf(string relativePath)
    {
        int best = -1, bestLength = -1;
        for (int i = 0; i < Layers.Count; i++)
            foreach (var folder in Layers[i].Folders)
                if (relativePath.StartsWith(folder + "/", StringComparison.Ordinal) && folder.Length > bestLength)
                    (best, bestLength) = (i, folder.Length);
        return best;
    }
}

public sealed record LayerViolation(string File, int Line, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Message}";
}

// Binds every name in the sources with Roslyn and reports each reference from a file to a symbol
// declared in a higher layer, each `using` of a higher layer's namespace, each file outside every
// layer, and each namespace that does not match its folder. Compile errors are ignored: only what
// the names bind to matters.
public static class LayerChecker
{
    public const string KernelNamespace = "Nimbus.Kernel";

    public static List<LayerViolation> Check(string srcRoot, LayerSpec spec)
    {
        var violations = new List<LayerViolation>();
        var files = spec.Layers.SelectMany(l => l.Folders)
            .Select(f => Path.Combine(srcRoot, f))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.GetFiles(d, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/") && !f.Contains("/bin/"))
            .Distinct().OrderBy(f => f, StringComparer.Ordinal).ToList();
        foreach (var f in Directory.GetFiles(srcRoot, "*.cs", SearchOption.AllDirectories))
            if (!f.Contains("/obj/") && !f.Contains("/bin/") && spec.LayerOf(Rel(srcRoot, f)) < 0 && IsUnderLayeredTree(srcRoot, f, spec))
                violations.Add(new(Rel(srcRoot, f), 1, "file is in no declared layer (add its folder to Layers.txt)"));

        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, path: f)).ToList();
        var compilation = CSharpCompilation.Create("LayerCheck", trees, [],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));

        foreach (var tree in trees)
        {
            string rel = Rel(srcRoot, tree.FilePath);
            int layer = spec.LayerOf(rel);
            if (layer < 0) continue;
            var model = compilation.GetSemanticModel(tree);
            var root = tree.GetRoot();
            CheckNamespaces(root, rel, violations);
            var seen = new HashSet<(int, string)>();
            foreach (var node in root.DescendantNodes())
            {
                string? target = null;
                if (node is UsingDirectiveSyntax u && u.Name != null)
                {
                    target = FolderOfNamespace(u.Name.ToString().Replace("static ", ""), spec, model.GetSymbolInfo(u.Name).Symbol);
                }
                else if (node is SimpleNameSyntax name && node.Parent is not UsingDirectiveSyntax && !IsInsideUsing(node))
                {
                    var symbol = model.GetSymbolInfo(name).Symbol ?? model.GetSymbolInfo(name).CandidateSymbols.FirstOrDefault();
                    target = DeclaringFile(symbol, srcRoot);
                }
                if (target == null) continue;
                int targetLayer = spec.LayerOf(target);
                if (targetLayer <= layer) continue;
                int line = node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                string what = node is UsingDirectiveSyntax ? $"using {((UsingDirectiveSyntax)node).Name}" : ((SimpleNameSyntax)node).Identifier.Text;
                if (!seen.Add((line, what))) continue;
                violations.Add(new(rel, line,
                    $"{spec.Layers[layer].Name} must not name {spec.Layers[targetLayer].Name}: '{what}' (declared in {target})"));
            }
        }
        return violations;
    }

    private static bool IsUnderLayeredTree(string srcRoot, string file, LayerSpec spec)
    {
        // Only files below a folder that holds layered code need a layer (src/Nimbus.Cli is a host tool).
        string rel = Rel(srcRoot, file);
        string top = rel.Split('/')[0];
        return spec.Layers.SelectMany(l => l.Folders).Any(f => f.Split('/')[0] == top);
    }

    private static bool IsInsideUsing(SyntaxNode node) => node.Ancestors().Any(a => a is UsingDirectiveSyntax);

    // A using of a namespace points at the folder that namespace lives in (namespaces match folders).
    private static string? FolderOfNamespace(string ns, LayerSpec spec, ISymbol? symbol)
    {
        if (symbol is INamedTypeSymbol) return null;    // `using static T` binds T: checked as a name
        if (!ns.StartsWith(KernelNamespace + ".", StringComparison.Ordinal)) return null;
        string folder = "Kernel/" + ns[(KernelNamespace.Length + 1)..].Replace('.', '/');
        return folder + "/";
    }

    private static string? DeclaringFile(ISymbol? symbol, string srcRoot)
    {
        if (symbol == null) return null;
        symbol = symbol.OriginalDefinition;
        switch (symbol)
        {
            case INamespaceSymbol or ILocalSymbol or IParameterSymbol or ILabelSymbol or IRangeVariableSymbol or ITypeParameterSymbol:
                return null;
            case IMethodSymbol { MethodKind: MethodKind.ReducedExtension } m:
                symbol = m.ReducedFrom ?? m;
                break;
        }
        var reference = symbol.DeclaringSyntaxReferences.FirstOrDefault();
        if (reference == null) return null;
        return Rel(srcRoot, reference.SyntaxTree.FilePath);
    }

    private static void CheckNamespaces(SyntaxNode root, string rel, List<LayerViolation> violations)
    {
        string folder = Path.GetDirectoryName(rel)!.Replace('\\', '/');
        string expected = folder.StartsWith("Kernel/", StringComparison.Ordinal) || folder == "Kernel"
            ? KernelNamespace + folder["Kernel".Length..].Replace('/', '.')
            : string.Join('.', folder.Split('/').Skip(1));      // CoreLib/System/Threading -> System.Threading
        foreach (var ns in root.DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>())
        {
            if (ns.Parent is BaseNamespaceDeclarationSyntax) continue;
            string name = ns.Name.ToString();
            if (name != expected)
                violations.Add(new(rel, ns.GetLocation().GetLineSpan().StartLinePosition.Line + 1,
                    $"namespace {name} does not match its folder (expected {expected})"));
        }
    }

    private static string Rel(string srcRoot, string path) => Path.GetRelativePath(srcRoot, path).Replace('\\', '/');
}
