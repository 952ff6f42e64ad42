using CineKernel.Pipeline.Synthesis;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary><c>eval generator-forward</c>: the plain synthesis with the stored noise, <c>in.wplus</c> → <c>out.forward</c>.</summary>
public sealed class GeneratorForwardEvaluation : IEvaluation
{
    public string Name => "generator-forward";

    public string Summary => "in.wplus (1×n_latent×style_dim) → out.forward (generator synthesis, stored noise buffers)";

    public IEnumerable<KeyValuePair<string, TensorData>> Run(EvalContext context)
    {
        var generator = GeneratorEvalSupport.Load(context);
        using var runner = GeneratorEvalSupport.Runner(context, generator.BuildForward);
        GeneratorEvalSupport.Feed(context, runner, Generator.WPlusInput, "in.wplus");
        runner.Run();
        return [GeneratorEvalSupport.Entry("out.forward", runner.Output(Generator.ImageOutput))];
    }
}
