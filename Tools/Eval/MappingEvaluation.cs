using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary><c>eval mapping</c>: the generator's mapping network (<c>style</c>), <c>in.z</c> (N×style_dim) → <c>out.w</c>.</summary>
public sealed class MappingEvaluation : IEvaluation
{
    public string Name => "mapping";

    public string Summary => "in.z (N×style_dim) → out.w (generator mapping network; weights from --weights or the inputs file)";

    public IEnumerable<KeyValuePair<string, TensorData>> Run(EvalContext context)
    {
        var generator = GeneratorEvalSupport.Load(context);
        int styleDim = generator.Config.StyleDim;
        var z = context.Input("in.z");
        if (z.Data.Length == 0 || z.Data.Length % styleDim != 0 || z.Shape[^1] != styleDim)
            throw new CliException($"{context.Inputs.Path}: in.z {z} must be N×{styleDim}");
        int batch = z.Data.Length / styleDim;
        using var runner = GeneratorEvalSupport.Runner(context, () => generator.BuildMapping(batch));
        GeneratorEvalSupport.Feed(context, runner, "z", "in.z");
        runner.Run();
        return [GeneratorEvalSupport.Entry("out.w", runner.Output("w"), [batch, styleDim])];
    }
}
