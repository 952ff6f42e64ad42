using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Synthesis;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary>What the generator's eval ops share: the generator from the weights file, feeding and reading a graph.</summary>
internal static class GeneratorEvalSupport
{
    public static Generator Load(EvalContext context)
    {
        try
        {
            return Generator.FromFile(context.Weights);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new CliException(e.Message);
        }
    }

    /// <summary>Plans and opens a runner for <paramref name="frameCount"/> frames; a missing or misshapen weight becomes a one-line CLI error naming the file.</summary>
    public static GraphRunner Runner(EvalContext context, Func<ComputeGraph> build, int frameCount = 1)
    {
        ComputeGraph graph;
        try
        {
            graph = build();
        }
        catch (InvalidDataException e)
        {
            throw new CliException(e.Message);
        }
        return new GraphRunner(context.Device, Scheduler.Plan(graph, context.Device.Kind), frameCount);
    }

    /// <summary>Copies an input tensor into a graph input of the same element count.</summary>
    public static void Feed(EvalContext context, GraphRunner runner, string graphInput, string tensor)
    {
        var data = context.Input(tensor);
        var expected = runner.Plan.Graph.Inputs[graphInput].Shape;
        if (data.Data.Length != expected.Length)
            throw new CliException($"{context.Inputs.Path}: {tensor} {data} does not fit the generator's {graphInput} ({expected})");
        runner.SetInput(graphInput, data.Data);
    }

    public static KeyValuePair<string, TensorData> Entry(string name, Tensor t, long[]? shape = null) =>
        KeyValuePair.Create(name, new TensorData(shape ?? [t.N, t.C, t.H, t.W], t.ToArray()));
}
