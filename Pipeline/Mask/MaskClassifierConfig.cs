using CineKernel.Pipeline.Weights;

namespace CineKernel.Pipeline.Mask;

/// <summary>
/// The widths of one DatasetGAN pixel classifier (original models/DatasetGAN/classifier.py, numpy_class &lt; 32):
/// nn.Sequential of Linear(In→Hidden1), ReLU, BatchNorm1d, Linear(Hidden1→Hidden2), ReLU, BatchNorm1d,
/// Linear(Hidden2→Classes). The release's are 1472 → 128 → 32 → 3; the hidden widths are read off the stored
/// weights (<see cref="FromWeights"/>), so narrow test classifiers load through the same code.
/// </summary>
public sealed record MaskClassifierConfig(int InFeatures, int Hidden1, int Hidden2, int Classes)
{
    /// <summary>The state_dict prefix of a classifier saved on its own (best_model_number_m.pth: <c>layers.k.*</c>).</summary>
    public const string Prefix = "layers";

    /// <summary>
    /// Every tensor of the classifier under <paramref name="prefix"/>: the linears at nn.Sequential indices 0, 3, 6
    /// (weights Out×In, biases), the BatchNorms at 2 and 5.
    /// </summary>
    public ParameterList Parameters(string prefix = Prefix) => new ParameterList()
        .Linear($"{prefix}.0", Hidden1, InFeatures).BatchNorm($"{prefix}.2", Hidden1)
        .Linear($"{prefix}.3", Hidden2, Hidden1).BatchNorm($"{prefix}.5", Hidden2)
        .Linear($"{prefix}.6", Classes, Hidden2);

    /// <summary>
    /// The widths the stored linear weights under <paramref name="prefix"/> give (rows of <c>.0</c>, <c>.3</c>, <c>.6</c>),
    /// for a classifier reading <paramref name="inFeatures"/> features; every shape is then checked against <see cref="Parameters"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">A linear weight is absent or not Out×In; the message names the source and the tensor.</exception>
    public static MaskClassifierConfig FromWeights(NetworkParameters parameters, string prefix, int inFeatures)
    {
        int Rows(string name) => checked((int)parameters.ShapeOf(name, rank: 2)[0]);
        return new MaskClassifierConfig(inFeatures, Rows($"{prefix}.0.weight"), Rows($"{prefix}.3.weight"), Rows($"{prefix}.6.weight"));
    }
}
