using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using CineKernel.Pipeline.Weights;
using CineKernel.Tests.Support;
using CineKernel.Tests.WeightsLoader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;

namespace CineKernel.Tests.Docs;

/// <summary>
/// The README's "Using the library" code is compiled as it stands (Roslyn, against the engine's assemblies) and
/// run as a new console project would (its implicit usings): the C# blocks in order as one program, with the usings the
/// text says to add at the top, and its relative paths pointed at the repository's samples, a folder of tiny random
/// weights and this test's folder, where the outputs are already there (as on a second run, which the README says works).
/// A README example that no longer matches the API fails here.
/// </summary>
[NonParallelizable]
public class ReadmeExampleTests : FileTestBase
{
    private static readonly Regex CSharpBlock = new(@"^```csharp\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline);

    /// <summary>"add `using X;` at the top": a using the text asks the reader to add rather than showing it mid-snippet.</summary>
    private static readonly Regex AddedUsing = new(@"add `(using [\w.]+;)` at the top");

    [Test]
    public void TheLibraryExamplesCompileAndRun()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md")).Replace("\r\n", "\n");
        var blocks = CSharpBlock.Matches(readme).Select(m => m.Groups[1].Value).ToList();
        Assert.That(blocks, Has.Count.GreaterThanOrEqualTo(2), "README: the two library examples");

        string weights = Path.Combine(Dir, "weights");
        RandomWeightsFolder.Write(weights, RandomWeightsFolder.TinyGenerator, RandomWeightsFolder.TinyEncoder, seed: 1);
        var lines = AddedUsing.Matches(readme).Select(m => m.Groups[1].Value).Concat(string.Join("\n", blocks).Split('\n')).ToList();
        string program = ImplicitUsings + string.Join("\n", lines.Where(l => l.StartsWith("using ", StringComparison.Ordinal) && !l.Contains('(')).Distinct()
            .Concat(lines.Where(l => !(l.StartsWith("using ", StringComparison.Ordinal) && !l.Contains('(')))));
        program = Substitute(program, "\"samples/", Literal(Path.Combine(RepositoryPaths.Root, "samples")) + " + \"/");
        program = Substitute(program, "\"out.mp4\"", Literal(Path.Combine(Dir, "out.mp4")));
        program = Substitute(program, "\"weights\"", Literal(weights));
        program = Substitute(program, "\"full.mp4\"", Literal(Path.Combine(Dir, "full.mp4")));

        var assembly = Compile(program);
        foreach (string earlier in new[] { "out.mp4", "full.mp4" }) File.WriteAllBytes(Path.Combine(Dir, earlier), [1, 2, 3]); // an earlier run's
        var output = new StringWriter();
        var console = Console.Out;
        Console.SetOut(output);
        try
        {
            assembly.EntryPoint!.Invoke(null, assembly.EntryPoint.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
        }
        finally
        {
            Console.SetOut(console);
        }
        Assert.That(new FileInfo(Path.Combine(Dir, "out.mp4")).Length, Is.GreaterThan(1000), "the first example writes out.mp4");
        Assert.That(new FileInfo(Path.Combine(Dir, "full.mp4")).Length, Is.GreaterThan(1000), "the full method's example writes full.mp4");
        Assert.That(output.ToString(), Does.Match(@"integrate \d+\.\d s, frames \d+\.\d s"));
    }

    /// <summary>The usings a new console project (<c>dotnet new console</c>, ImplicitUsings) gives every file.</summary>
    private const string ImplicitUsings =
        "global using System;\nglobal using System.Collections.Generic;\nglobal using System.IO;\nglobal using System.Linq;\n" +
        "global using System.Net.Http;\nglobal using System.Threading;\nglobal using System.Threading.Tasks;\n";

    private static string Substitute(string program, string text, string replacement)
    {
        Assert.That(program, Does.Contain(text), $"README example: expected {text} in it");
        return program.Replace(text, replacement, StringComparison.Ordinal);
    }

    private static string Literal(string path) => "@\"" + path.Replace("\"", "\"\"") + "\"";

    private static Assembly Compile(string program)
    {
        // The engine's assemblies are loaded by this test assembly's references; name them so they are.
        _ = typeof(CineKernel.Pipeline.Cinemagraph.WeightFreeRenderer).Assembly;
        _ = typeof(CineKernel.Kernels.ComputeDevice).Assembly;
        _ = typeof(CineKernel.Graph.GraphRunner).Assembly;
        var references = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => !a.IsDynamic && a.Location.Length > 0)
            .Select(a => MetadataReference.CreateFromFile(a.Location));
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("ReadmeExample",
            [CSharpSyntaxTree.ParseText(program, new CSharpParseOptions(LanguageVersion.Latest))],
            references.Concat(trusted).DistinctBy(r => Path.GetFileName(r.FilePath)),
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        Assert.That(errors, Is.Empty, "the README example does not compile:\n" + program);
        image.Position = 0;
        return new AssemblyLoadContext("readme-example", isCollectible: true).LoadFromStream(image);
    }
}
