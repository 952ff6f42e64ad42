using CineKernel.Pipeline.Synthesis;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary>
/// <c>eval feature-forward</c>: the original's <c>feature_forward</c>, <c>in.wplus</c> and <c>in.feature</c> (D, injected
/// at its resolution) → <c>out.feature_forward</c> and <c>out.feature_forward.features.{k}</c> (D, then every conv output after it).
/// </summary>
public sealed class FeatureForwardEvaluation : IEvaluation
{
    public string Name => "feature-forward";

    public string Summary => "in.wplus, in.feature (D) → out.feature_forward, out.feature_forward.features.{k}";

    public IEnumerable<KeyValuePair<string, TensorData>> Run(EvalContext context)
    {
        var generator = GeneratorEvalSupport.Load(context);
        var feature = context.Input("in.feature");
        if (feature.Shape.Length != 4 || feature.Shape[0] != 1 || feature.Shape[2] != feature.Shape[3])
            throw new CliException($"{context.Inputs.Path}: in.feature {feature} must be 1×C×R×R");
        using var runner = GeneratorEvalSupport.Runner(context, () => generator.BuildFeatureForward((int)feature.Shape[2]));
        GeneratorEvalSupport.Feed(context, runner, Generator.WPlusInput, "in.wplus");
        GeneratorEvalSupport.Feed(context, runner, Generator.FeatureInput, "in.feature");
        runner.Run();
        var outputs = new List<KeyValuePair<string, TensorData>> { GeneratorEvalSupport.Entry("out.feature_forward", runner.Output(Generator.ImageOutput)) };
        for (int k = 0; runner.Plan.Graph.Outputs.ContainsKey(Generator.FeaturesOutput(k)); k++)
            outputs.Add(GeneratorEvalSupport.Entry($"out.feature_forward.features.{k}", runner.Output(Generator.FeaturesOutput(k))));
        return outputs;
    }
}
