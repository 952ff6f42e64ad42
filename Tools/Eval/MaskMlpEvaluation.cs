using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Weights;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary>
/// <c>eval mask-mlp</c>: every DatasetGAN classifier <c>classifier.{m}</c> of the weights file (BatchNorms
/// folded) on the rows of <c>in.features</c> (rows × In) → <c>out.logits.{m}</c> (rows × classes).
/// </summary>
public sealed class MaskMlpEvaluation : IEvaluation
{
    public string Name => "mask-mlp";

    public string Summary => "in.features (rows×In) → out.logits.{m} for each classifier.{m} in the weights (BatchNorms folded)";

    public IEnumerable<KeyValuePair<string, TensorData>> Run(EvalContext context)
    {
        var features = context.Input("in.features");
        if (features.Shape.Length != 2) throw new CliException($"{context.Inputs.Path}: in.features must be rows×features, got [{string.Join(", ", features.Shape)}]");
        int rows = checked((int)features.Shape[0]), inFeatures = checked((int)features.Shape[1]);
        var models = LoadEnsemble(context, inFeatures);

        var logits = Logits(context.Device, models, features.Data, rows, inFeatures);
        for (int m = 0; m < models.Count; m++)
            yield return KeyValuePair.Create($"out.logits.{m}", new TensorData([rows, models[m].Config.Classes], logits[m]));
    }

    /// <summary>Every model of the ensemble on the rows of <paramref name="features"/> (rows × inFeatures): logits rows × classes per model.</summary>
    internal static float[][] Logits(ComputeDevice device, IReadOnlyList<MaskClassifier> models, float[] features, int rows, int inFeatures)
    {
        var g = new GraphBuilder("mask mlp");
        var x = g.Input("features", new Shape4(1, 1, rows, inFeatures));
        for (int m = 0; m < models.Count; m++) g.Output($"logits.{m}", models[m].Build(g, x, m, perPixel: false));
        using var runner = new GraphRunner(device, Scheduler.Plan(g.Build(), device.Kind));
        runner.SetInput("features", features);
        runner.Run();
        return Enumerable.Range(0, models.Count).Select(m => runner.Output($"logits.{m}").ToArray()).ToArray();
    }

    /// <summary>The weights file's ensemble (missing or misshapen tensors surface as InvalidDataException, which the CLI reports).</summary>
    internal static IReadOnlyList<MaskClassifier> LoadEnsemble(EvalContext context, int inFeatures) =>
        MaskClassifier.LoadEnsemble(NetworkParameters.From(context.Weights), inFeatures);
}
