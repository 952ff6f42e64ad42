using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Architecture;

/// <summary>
/// The layers point one way (Tools → Pipeline → Graph → Kernels; WeightsLoader alone), the Pipeline is one folder
/// per stage of the paper, and kernels are launched only by the op families' callers that may: the graph's ops and
/// Pipeline/Warping. A new dependency that breaks this fails here, naming it.
/// </summary>
public class ArchitectureTests
{
    private static readonly Assembly Kernels = typeof(ComputeDevice).Assembly;
    private static readonly Assembly Graph = typeof(CineKernel.Graph.ComputeGraph).Assembly;
    private static readonly Assembly WeightsLoader = typeof(CineKernel.WeightsLoader.TensorData).Assembly;
    private static readonly Assembly Pipeline = typeof(CineKernel.Pipeline.Cinemagraph.WeightFreeRenderer).Assembly;

    private static IEnumerable<string> OurReferences(Assembly a) =>
        a.GetReferencedAssemblies().Select(r => r.Name!).Where(n => n.StartsWith("CineKernel", StringComparison.Ordinal)).Order();

    [Test]
    public void ProjectsDependOneWay()
    {
        Assert.That(OurReferences(Kernels), Is.Empty, "Kernels depends on nothing of ours");
        Assert.That(OurReferences(WeightsLoader), Is.Empty, "WeightsLoader stands alone");
        Assert.That(OurReferences(Graph), Is.EqualTo(new[] { "CineKernel.Kernels" }));
        Assert.That(OurReferences(Pipeline), Is.SubsetOf(new[] { "CineKernel.Graph", "CineKernel.Kernels", "CineKernel.WeightsLoader" }));
    }

    /// <summary>The paper's stages, plus the weights folder and the inputs and outputs.</summary>
    private static readonly string[] PipelineFolders = ["Inversion", "Mask", "Motion", "Synthesis", "Warping", "Cinemagraph", "Weights", "IO"];

    [Test]
    public void PipelineTypesLiveInTheirStagesNamespace()
    {
        var misplaced = Pipeline.GetTypes()
            .Where(t => t.Namespace is not null && t.Namespace.StartsWith("CineKernel", StringComparison.Ordinal) && !IsGenerated(t))
            .Where(t => !PipelineFolders.Any(f => t.Namespace == $"CineKernel.Pipeline.{f}"))
            .Select(t => t.FullName);
        Assert.That(misplaced, Is.Empty);
        string root = RepositoryRoot();
        var folders = Directory.GetDirectories(Path.Combine(root, "Pipeline")).Select(Path.GetFileName)
            .Where(f => f is not ("bin" or "obj"));
        Assert.That(folders, Is.EquivalentTo(PipelineFolders), "one folder per stage, named as its namespace");
    }

    /// <summary>
    /// Pipeline code outside Warping/ composes graphs; it does not call kernel op families itself. The renderers build
    /// their frame programs as graphs (architecture issue, item 3), so no type is excused: the list is empty and must
    /// stay so (an entry that no longer launches anything fails too).
    /// </summary>
    private static readonly string[] LaunchingOutsideWarping = [];

    [Test]
    public void OnlyWarpingAndTheGraphLaunchKernels()
    {
        var families = BackendCompiler.DiscoverKernels(Kernels).Select(k => k.Method.DeclaringType!).ToHashSet();
        var launchers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in Pipeline.GetTypes())
        {
            var outer = Outermost(type);
            if (outer.Namespace == "CineKernel.Pipeline.Warping") continue;
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                         .Cast<MethodBase>().Concat(type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)))
                if (IlReader.MethodOperands(method).Any(m => m.DeclaringType is { } d && families.Contains(d) && IsLaunch(m)))
                    launchers.Add(outer.FullName!);
        }
        Assert.That(launchers.Except(LaunchingOutsideWarping), Is.Empty, "Pipeline types outside Warping/ that launch kernels themselves");
        Assert.That(LaunchingOutsideWarping.Except(launchers), Is.Empty, "listed as launching kernels but no longer do: remove them from the list");
    }

    /// <summary>Op families launch through void methods; the others are host helpers (a scale, a filter's taps).</summary>
    private static bool IsLaunch(MethodBase m) => m is MethodInfo { ReturnType: var r } && r == typeof(void);

    private static Type Outermost(Type t)
    {
        while (t.DeclaringType is not null) t = t.DeclaringType;
        return t;
    }

    private static bool IsGenerated(Type t) => t.IsDefined(typeof(CompilerGeneratedAttribute), false) || t.Name.StartsWith('<');

    private static string RepositoryRoot() => RepositoryPaths.Root;

    /// <summary>The engine's own source files (not tests, build outputs or the fuzz harnesses).</summary>
    private static IEnumerable<string> SourceFiles() =>
        new[] { "Kernels", "Graph", "WeightsLoader", "Pipeline", "Tools", "Bench" }
            .SelectMany(p => Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), p), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));

    private static string Relative(string file) => Path.GetRelativePath(RepositoryRoot(), file).Replace('\\', '/');

    private static readonly Regex TopLevelPublicType = new(
        @"^public (?:(?:sealed|static|abstract|readonly|partial|unsafe) )*(?:record struct|record|class|struct|enum|interface|delegate [\w<>\[\], ]+?) (\w+)",
        RegexOptions.Multiline);

    [Test]
    public void OnePublicTypePerFileNamedAfterIt()
    {
        var offenders = new List<string>();
        foreach (var file in SourceFiles())
        {
            string rel = Relative(file);
            var names = TopLevelPublicType.Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value).ToList();
            // Graph/Ops keeps op families, one family per file: several ops, and nothing that is not an op.
            if (rel.StartsWith("Graph/Ops/", StringComparison.Ordinal) && (names.Count <= 1 || names.All(n => n.EndsWith("Op", StringComparison.Ordinal))))
                continue;
            if (names.Count > 1)
                offenders.Add($"{rel}: {string.Join(", ", names)}");
            else if (names.Count == 1 && names[0] != Path.GetFileNameWithoutExtension(file))
                offenders.Add($"{rel}: holds {names[0]}");
        }
        Assert.That(offenders, Is.Empty);
    }

    private static readonly Regex MeasuredFigure = new(
        @"^\s*///.*(\bMeasured\b|\d\s?(GFLOP/s|GB/s|ms|µs)\b|\d\.\d+ s\b)", RegexOptions.Multiline);

    /// <summary>Figures from measurements go stale in doc comments; they live in Bench and the README.</summary>
    [Test]
    public void DocCommentsHoldNoMeasuredFigures()
    {
        var offenders = SourceFiles()
            .Where(f => !Relative(f).StartsWith("Bench/", StringComparison.Ordinal))
            .SelectMany(f => MeasuredFigure.Matches(File.ReadAllText(f)).Select(m => $"{Relative(f)}: {m.Value.Trim()}"))
            .ToList();
        Assert.That(offenders, Is.Empty);
    }
}
