using BenchmarkDotNet.Attributes;
using CineKernel.Bench.Support;
using CineKernel.Kernels;
using CineKernel.Pipeline.Inversion;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Bench;

/// <summary>
/// The feature-style encoder at the release's widths (IResNet-50 stages, 18 heads of 8640 → 512, content
/// 64 → 512 → 512; 115 M parameters, random) on a 1024² image, i.e. the network at 256² after the two
/// halvings, on the benchmark device (BenchDevice). The baseline is the same graph with every BatchNorm kept as its
/// own affine op; the other folds them into the convs at load time (DESIGN.md "Encoder").
/// FLOPs are the plan's count (2 per multiply-add; convs 94.78 G, heads 0.16 G, the rest element-wise),
/// checked against the plan in the setup.
/// </summary>
[Config(typeof(CineKernelConfig))]
public class EncoderBenchmarks
{
    /// <summary>FLOPs of one folded run on a 1024² image.</summary>
    public const double FoldedFlops = 95_054_987_264;

    /// <summary>The unfolded graph adds 55 BatchNorm affines on conv outputs.</summary>
    public const double UnfoldedFlops = 95_137_300_480;

    private static readonly Shape4 Image = new(1, 3, 1024, 1024);
    private ComputeDevice device = null!;
    private FeatureStyleEncoder? folded, unfolded;

    [GlobalSetup(Target = nameof(Unfolded))]
    public void SetupUnfolded() => unfolded = Create(foldBatchNorm: false, UnfoldedFlops);

    [GlobalSetup(Target = nameof(Folded))]
    public void SetupFolded() => folded = Create(foldBatchNorm: true, FoldedFlops);

    /// <summary>One encoder per target (each holds 460 MB of weights); the two agree to 1e-5 in FeatureStyleEncoderTests.</summary>
    private FeatureStyleEncoder Create(bool foldBatchNorm, double flops)
    {
        device = BenchDevice.Open();
        var config = FeatureStyleEncoderConfig.Release;
        var weights = RandomWeights.Encoder(config, seed: 1);
        var encoder = new FeatureStyleEncoder(device, NetworkParameters.From(weights, "random"), ConvLayer.Random(config.StyleDim, 0), Image, foldBatchNorm);
        if (encoder.Plan.FlopsOnce != flops)
            throw new InvalidOperationException($"encoder FLOPs changed: the plan counts {encoder.Plan.FlopsOnce}, the benchmark says {flops}");
        encoder.Run(ConvLayer.Random((int)Image.Length, 99));
        if (encoder.WPlus.ToArray().Any(v => !float.IsFinite(v))) throw new InvalidOperationException("encoder: w+ is not finite");
        return encoder;
    }

    [Benchmark(Baseline = true), Work(Flops = UnfoldedFlops)]
    public void Unfolded()
    {
        unfolded!.Run();
        device.Synchronize();
    }

    [Benchmark, Work(Flops = FoldedFlops)]
    public void Folded()
    {
        folded!.Run();
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        folded?.Dispose();
        unfolded?.Dispose();
        device.Dispose();
    }
}
