using CineKernel.Graph;
using CineKernel.Pipeline.Synthesis;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools;

/// <summary>
/// <c>cinekernel inspect --graph PROGRAM FILE</c>: the scheduler's plan (PlanPrinter) of a generator program built from a
/// generator weights file: what is removed as dead work, fused, hoisted or run per frame, and the memory plan.
/// </summary>
public static class GraphInspection
{
    public static readonly IReadOnlyDictionary<string, Func<Generator, ComputeGraph>> Programs = new Dictionary<string, Func<Generator, ComputeGraph>>
    {
        ["mapping"] = g => g.BuildMapping(),
        ["forward"] = g => g.BuildForward(),
        ["feature-forward"] = g => g.BuildFeatureForward(),
        ["frames"] = g => g.BuildFrames(),
    };

    public static int Print(string program, string path, TextWriter stdout)
    {
        if (!Programs.TryGetValue(program, out var build))
            throw new CliException($"inspect --graph: unknown program '{program}' (one of {string.Join(", ", Programs.Keys)})", 2);
        SafetensorsFile file;
        try
        {
            file = SafetensorsFile.Open(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
        {
            throw new CliException($"{path}: not a generator safetensors file ({e.Message})");
        }
        using (file)
        {
            ComputeGraph graph;
            try
            {
                graph = build(Generator.FromFile(file));
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or FormatException)
            {
                throw new CliException(e.Message);
            }
            var config = GeneratorConfig.FromFile(file);
            stdout.WriteLine($"generator {config.Size}, style_dim {config.StyleDim}, n_mlp {config.MappingLayers} ({path})");
            stdout.Write(PlanPrinter.Print(Scheduler.Plan(graph)));
        }
        return 0;
    }
}
