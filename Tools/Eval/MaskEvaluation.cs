using System.Globalization;
using CineKernel.Graph;
using CineKernel.Pipeline.Mask;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary>
/// <c>eval mask</c>: the mask predictor. Inputs: <c>in.features.{i}</c> (1×C×S×S, i = 0, 1, … in
/// concatenation order: D and the outputs of convs[8]…convs[15]), and in the inputs file's metadata
/// optionally <c>out_size</c> (the grid, default 512) and <c>flownet_mode</c> (sky, fluid or sky+fluid,
/// default sky as the original's option). The classifiers <c>classifier.{m}</c> come from the weights.
/// Outputs: <c>out.logits.{m}</c> (1×classes×out×out), <c>out.mask.initial</c> (vote and class selection)
/// and <c>out.mask</c> (refined), 1×1×out×out of 0/1. The first layer runs per source resolution.
/// </summary>
public sealed class MaskEvaluation : IEvaluation
{
    public string Name => "mask";

    public string Summary => "in.features.{i} → out.logits.{m}, out.mask.initial, out.mask (metadata: out_size, flownet_mode)";

    public IEnumerable<KeyValuePair<string, TensorData>> Run(EvalContext context)
    {
        var sources = new List<TensorData>();
        while (context.Inputs.Contains($"in.features.{sources.Count}")) sources.Add(context.Inputs.Read($"in.features.{sources.Count}"));
        if (sources.Count == 0) throw new CliException($"{context.Inputs.Path}: missing input tensor 'in.features.0'");
        for (int i = 0; i < sources.Count; i++)
        {
            var s = sources[i].Shape;
            if (s.Length != 4 || s[0] != 1 || s[2] != s[3])
                throw new CliException($"{context.Inputs.Path}: in.features.{i} must be 1×C×S×S, got [{string.Join(", ", s)}]");
        }
        var metadata = context.Inputs.Metadata;
        int size = metadata.TryGetValue("out_size", out var text)
            ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new CliException($"{context.Inputs.Path}: metadata out_size '{text}' is not a positive integer")
            : 512;
        var animated = (metadata.TryGetValue("flownet_mode", out var mode) ? mode : "sky") switch
        {
            "sky" => AnimatedClasses.Sky,
            "fluid" => AnimatedClasses.Fluid,
            "sky+fluid" => AnimatedClasses.SkyAndFluid,
            var other => throw new CliException($"{context.Inputs.Path}: metadata flownet_mode '{other}' is not sky, fluid or sky+fluid"),
        };

        var config = new MaskPredictorConfig(sources.Select(s => new MaskFeatureSource((int)s.Shape[1], (int)s.Shape[2])).ToList(), size);
        var models = MaskMlpEvaluation.LoadEnsemble(context, config.TotalChannels);
        using var runner = new GraphRunner(context.Device, Scheduler.Plan(MaskPredictor.BuildGraph(config, models, FirstLayerPlacement.PerSource), context.Device.Kind));
        for (int i = 0; i < sources.Count; i++) runner.SetInput(MaskPredictor.FeatureInput(i), sources[i].Data);
        runner.Run();

        var results = new List<KeyValuePair<string, TensorData>>();
        for (int m = 0; m < models.Count; m++)
            results.Add(KeyValuePair.Create($"out.logits.{m}", new TensorData([1, models[m].Config.Classes, size, size], runner.Output(MaskPredictor.LogitsOutput(m)).ToArray())));
        var initial = MaskPredictor.Mask(runner, models.Count, animated, refine: false);
        results.Add(KeyValuePair.Create("out.mask.initial", AsTensor(initial)));
        results.Add(KeyValuePair.Create("out.mask", AsTensor(MaskRefinement.Refine(initial))));
        return results;
    }

    private static TensorData AsTensor(BinaryMask mask) =>
        new([1, 1, mask.Height, mask.Width], Array.ConvertAll(mask.Pixels, p => (float)p));
}
