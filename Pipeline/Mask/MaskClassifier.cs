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
    private MaskClassifier(int inFeatures, int hidden1, int hidden2, int classes, float[] w1, float[] b1, float[] w2, float[] b2, float[] w3, float[] b3)
    {
        (InFeatures, Hidden1, Hidden2, Classes) = (inFeatures, hidden1, hidden2, classes);
        (W1, B1, W2, B2, W3, B3) = (w1, b1, w2, b2, w3, b3);
    }

    public int InFeatures { get; }
    public int Hidden1 { get; }
    public int Hidden2 { get; }
    public int Classes { get; }

    /// <summary>The first layer as stored (Hidden1×InFeatures).</summary>
    public float[] W1 { get; }
    public float[] B1 { get; }

    /// <summary>The second and third layers with the BatchNorms before them folded in.</summary>
    public float[] W2 { get; }
    public float[] B2 { get; }
    public float[] W3 { get; }
    public float[] B3 { get; }

    /// <summary>State-dict prefix of model <paramref name="model"/> of the ensemble: <c>classifier.{m}.layers</c>.</summary>
    public static string Prefix(int model) => $"classifier.{model}.layers";

    /// <summary>How many consecutive models classifier.0, classifier.1, … the parameters hold.</summary>
    public static int CountModels(NetworkParameters parameters)
    {
        int m = 0;
        while (parameters.Contains($"{Prefix(m)}.0.weight")) m++;
        return m;
    }

    /// <summary>Every model of the ensemble (at least one, else an error naming the source).</summary>
    public static IReadOnlyList<MaskClassifier> LoadEnsemble(NetworkParameters parameters, int inFeatures)
    {
        int count = CountModels(parameters);
        if (count == 0) throw new InvalidDataException($"{parameters.Source}: no mask classifier ('{Prefix(0)}.0.weight' missing)");
        return Enumerable.Range(0, count).Select(m => Load(parameters, m, inFeatures)).ToList();
    }

    /// <summary>
    /// Model <paramref name="model"/>: layers 0, 3, 6 are the linears, 2 and 5 the BatchNorms
    /// (nn.Sequential indices; ε 1e-5, torch's default). Layer widths come from the stored shapes.
    /// </summary>
    public static MaskClassifier Load(NetworkParameters parameters, int model, int inFeatures)
    {
        string p = Prefix(model);
        string w1Name = $"{p}.0.weight", w2Name = $"{p}.3.weight", w3Name = $"{p}.6.weight";
        int hidden1 = Rows(parameters, w1Name), hidden2 = Rows(parameters, w2Name), classes = Rows(parameters, w3Name);
        var w1 = parameters.Read(w1Name, hidden1, inFeatures);
        var b1 = parameters.Read($"{p}.0.bias", hidden1);
        var (w2, b2) = BatchNormFolding.FoldIntoFollowingLinear(parameters.Read(w2Name, hidden2, hidden1), parameters.Read($"{p}.3.bias", hidden2), BatchNorm(parameters, $"{p}.2", hidden1));
        var (w3, b3) = BatchNormFolding.FoldIntoFollowingLinear(parameters.Read(w3Name, classes, hidden2), parameters.Read($"{p}.6.bias", classes), BatchNorm(parameters, $"{p}.5", hidden2));
        return new MaskClassifier(inFeatures, hidden1, hidden2, classes, w1, b1, w2, b2, w3, b3);
    }

    private static int Rows(NetworkParameters parameters, string name)
    {
        var shape = parameters.Peek(name);
        return shape.Length == 2 ? (int)shape[0] : throw new InvalidDataException($"{parameters.Source}: tensor '{name}' has shape [{string.Join(", ", shape)}], expected Out×In");
    }

    private static BatchNormParameters BatchNorm(NetworkParameters parameters, string prefix, int channels) =>
        new(parameters.Read($"{prefix}.weight", channels), parameters.Read($"{prefix}.bias", channels),
            parameters.Read($"{prefix}.running_mean", channels), parameters.Read($"{prefix}.running_var", channels));

    /// <summary>The first layer's weight and bias as graph constants (named after model <paramref name="model"/>).</summary>
    public (Value Weight, Value Bias) FirstLayer(GraphBuilder g, int model) =>
        (g.Constant($"{Prefix(model)}.0.weight", new Shape4(1, 1, Hidden1, InFeatures), W1),
         g.Constant($"{Prefix(model)}.0.bias", new Shape4(1, 1, 1, Hidden1), B1));

    /// <summary>
    /// The whole classifier on <paramref name="x"/>: rows of features (1×1×rows×In) or, with
    /// <paramref name="perPixel"/>, a feature map with the features along C.
    /// </summary>
    public Value Apply(GraphBuilder g, Value x, int model, bool perPixel)
    {
        var (w1, b1) = FirstLayer(g, model);
        var h = g.Apply($"{Prefix(model)}.0", new LinearOp(LinearOptions.Plain, perPixel), x, w1, b1);
        return ApplyAfterFirstLayer(g, h, model, perPixel);
    }

    /// <summary>
    /// Everything after the first linear layer (its output before the ReLU, bias included): ReLU →
    /// (BN folded) Linear → ReLU → (BN folded) Linear → logits.
    /// </summary>
    public Value ApplyAfterFirstLayer(GraphBuilder g, Value firstLayerOutput, int model, bool perPixel)
    {
        string p = Prefix(model);
        var h = g.Apply($"{p}.1", new ActivationOp(ActivationFunction.Relu), firstLayerOutput);
        h = g.Apply($"{p}.3", new LinearOp(LinearOptions.Plain with { Activation = ActivationFunction.Relu }, perPixel), h,
            g.Constant($"{p}.3.weight·bn2", new Shape4(1, 1, Hidden2, Hidden1), W2), g.Constant($"{p}.3.bias·bn2", new Shape4(1, 1, 1, Hidden2), B2));
        return g.Apply($"{p}.6", new LinearOp(LinearOptions.Plain, perPixel), h,
            g.Constant($"{p}.6.weight·bn5", new Shape4(1, 1, Classes, Hidden2), W3), g.Constant($"{p}.6.bias·bn5", new Shape4(1, 1, 1, Classes), B3));
    }
}
