using CineKernel.Graph.Ops;
using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Pipeline.Mask;

/// <summary>
/// One DatasetGAN pixel classifier (original models/DatasetGAN/classifier.py, numpy_class &lt; 32):
/// Linear(In→128) → ReLU → BatchNorm1d → Linear(128→32) → ReLU → BatchNorm1d → Linear(32→classes),
/// with each inference BatchNorm folded into the Linear after it at load time (Pipeline/Weights/BatchNormFolding;
/// the ReLU before it keeps it from folding backwards). What is left: three linear layers, ReLU after
/// the first two. Weights are Out×In as stored.
/// </summary>
public sealed class MaskClassifier
{
    private MaskClassifier(MaskClassifierConfig config, float[] w1, float[] b1, float[] w2, float[] b2, float[] w3, float[] b3)
    {
        Config = config;
        (W1, B1, W2, B2, W3, B3) = (w1, b1, w2, b2, w3, b3);
    }

    public MaskClassifierConfig Config { get; }

    /// <summary>The first layer as stored (Hidden1×InFeatures).</summary>
    public float[] W1 { get; }
    public float[] B1 { get; }

    /// <summary>The second and third layers with the BatchNorms before them folded in.</summary>
    public float[] W2 { get; }
    public float[] B2 { get; }
    public float[] W3 { get; }
    public float[] B3 { get; }

    /// <summary>State-dict prefix of model <paramref name="model"/> of an ensemble file: <c>classifier.{m}.layers</c>; also the model's graph node names.</summary>
    public static string Prefix(int model) => $"classifier.{model}.{MaskClassifierConfig.Prefix}";

    /// <summary>How many consecutive models classifier.0, classifier.1, … the parameters hold.</summary>
    public static int CountModels(NetworkParameters parameters)
    {
        int m = 0;
        while (parameters.Contains($"{Prefix(m)}.0.weight")) m++;
        return m;
    }

    /// <summary>Every model of an ensemble file (at least one, else an error naming the source), widths from the stored weights.</summary>
    /// <exception cref="InvalidDataException">No model, or a tensor missing or misshapen.</exception>
    public static IReadOnlyList<MaskClassifier> LoadEnsemble(NetworkParameters parameters, int inFeatures)
    {
        int count = CountModels(parameters);
        if (count == 0) throw new InvalidDataException($"{parameters.Source}: no mask classifier ('{Prefix(0)}.0.weight' missing)");
        return Enumerable.Range(0, count)
            .Select(m => Load(parameters, MaskClassifierConfig.FromWeights(parameters, Prefix(m), inFeatures), Prefix(m))).ToList();
    }

    /// <summary>
    /// The classifier stored under <paramref name="prefix"/>, checked against <paramref name="config"/>'s
    /// <see cref="MaskClassifierConfig.Parameters"/>, each BatchNorm (ε 1e-5, torch's default) folded into the linear after it.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing or misshapen; the message names the source and the tensor.</exception>
    public static MaskClassifier Load(NetworkParameters parameters, MaskClassifierConfig config, string prefix = MaskClassifierConfig.Prefix)
    {
        var p = parameters.Checked(config.Parameters(prefix));
        float[] Read(int layer, string field) => p.Read($"{prefix}.{layer}.{field}").Data;
        BatchNormParameters BatchNorm(int layer) => new(Read(layer, "weight"), Read(layer, "bias"), Read(layer, "running_mean"), Read(layer, "running_var"));
        var (w2, b2) = BatchNormFolding.FoldIntoFollowingLinear(Read(3, "weight"), Read(3, "bias"), BatchNorm(2));
        var (w3, b3) = BatchNormFolding.FoldIntoFollowingLinear(Read(6, "weight"), Read(6, "bias"), BatchNorm(5));
        return new MaskClassifier(config, Read(0, "weight"), Read(0, "bias"), w2, b2, w3, b3);
    }

    /// <summary>The first layer's weight and bias as graph constants (named after model <paramref name="model"/>).</summary>
    public (Value Weight, Value Bias) FirstLayer(GraphBuilder g, int model) =>
        (g.Constant($"{Prefix(model)}.0.weight", new Shape4(1, 1, Config.Hidden1, Config.InFeatures), W1),
         g.Constant($"{Prefix(model)}.0.bias", new Shape4(1, 1, 1, Config.Hidden1), B1));

    /// <summary>
    /// The whole classifier on <paramref name="x"/>, added to <paramref name="g"/> with node names of model
    /// <paramref name="model"/>: rows of features (1×1×rows×In) give logits (1×1×rows×Classes); with
    /// <paramref name="perPixel"/>, a feature map N×In×H×W gives class planes N×Classes×H×W.
    /// </summary>
    public Value Build(GraphBuilder g, Value x, int model, bool perPixel)
    {
        var (w1, b1) = FirstLayer(g, model);
        var h = g.Apply($"{Prefix(model)}.0", new LinearOp(LinearOptions.Plain, perPixel), x, w1, b1);
        return BuildAfterFirstLayer(g, h, model, perPixel);
    }

    /// <summary>
    /// Everything after the first linear layer (its output before the ReLU, bias included): ReLU →
    /// (BN folded) Linear → ReLU → (BN folded) Linear → logits.
    /// </summary>
    public Value BuildAfterFirstLayer(GraphBuilder g, Value firstLayerOutput, int model, bool perPixel)
    {
        string p = Prefix(model);
        var h = g.Apply($"{p}.1", new ActivationOp(ActivationFunction.Relu), firstLayerOutput);
        h = g.Apply($"{p}.3", new LinearOp(LinearOptions.Plain with { Activation = ActivationFunction.Relu }, perPixel), h,
            g.Constant($"{p}.3.weight·bn2", new Shape4(1, 1, Config.Hidden2, Config.Hidden1), W2), g.Constant($"{p}.3.bias·bn2", new Shape4(1, 1, 1, Config.Hidden2), B2));
        return g.Apply($"{p}.6", new LinearOp(LinearOptions.Plain, perPixel), h,
            g.Constant($"{p}.6.weight·bn5", new Shape4(1, 1, Config.Classes, Config.Hidden2), W3), g.Constant($"{p}.6.bias·bn5", new Shape4(1, 1, 1, Config.Classes), B3));
    }
}
