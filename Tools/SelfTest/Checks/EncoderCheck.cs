using CineKernel.Kernels;
using CineKernel.Pipeline.Inversion;
using CineKernel.Pipeline.Weights;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>
/// The feature-style encoder (FeatureStyleEncoder: two bilinear halvings, IResNet stem and stages with BatchNorms
/// folded, 3×3 pools, style heads plus the mean latent, content layer → D) at narrow random widths on a 34×26 image
/// (odd sizes after the halvings, overlapping pool windows); w+ then D. Tolerance 1e-5 as FeatureStyleEncoderTests.
/// </summary>
internal sealed class EncoderCheck() : SelfTestCheck("network/encoder", "network", 1e-5, false)
{
    public const int Seed = 1800;
    public static FeatureStyleEncoderConfig Config { get; } = new(3, 4, [4, 5, 6, 7], [1, 2, 1, 1], 6, 8, 3, 8);
    public static Shape4 ImageShape { get; } = new(1, 3, 34, 26);
    public Dictionary<string, TensorData> Weights => RandomWeights.Encoder(Config, Seed);
    public float[] LatentAverage => RandomWeights.Uniform(Config.StyleDim, Seed - 1, 0.5f);
    public float[] Image => RandomWeights.Uniform((int)ImageShape.Length, Seed - 2);

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        using var encoder = new FeatureStyleEncoder(device, NetworkParameters.From(Weights, "random"), LatentAverage, ImageShape);
        encoder.Run(Image);
        return [.. encoder.WPlus.ToArray(), .. encoder.Feature.ToArray()];
    }
}
