using BenchmarkDotNet.Attributes;
using CineKernel.Bench.Support;
using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Weights;
using CineKernel.WeightsLoader;

namespace CineKernel.Bench;

/// <summary>
/// The mask predictor's per-pixel classifier, one model (the ten of the ensemble each cost the same), at an
/// eighth of the real sizes (a shared 2-core machine): config-f's 1472 channels from sources at 8…128 on a 64 grid. The original
/// order (resize every source, concatenate, first layer on the grid) against the first layer per source
/// resolution before resizing (DESIGN.md "Mask predictor"). FLOPs count the three linear layers; the
/// resizes and the concatenation are memory traffic.
/// </summary>
[Config(typeof(CineKernelConfig))]
public class MaskPredictorBenchmarks
{
    public const int Grid = 64, Hidden1 = 128, Hidden2 = 32;

    /// <summary>The two later layers (128→32, 32→3) on every grid pixel.</summary>
    public const double TailFlops = 2.0 * Grid * Grid * (Hidden1 * Hidden2 + Hidden2 * 3);

    public const double ConcatFlops = 2.0 * Grid * Grid * 1472 * Hidden1 + TailFlops;

    /// <summary>8²·512 + 16²·512 + 32²·256 + 64²·128 at the sources' sizes, the 128 sources (64 channels) after resizing to 64.</summary>
    public const double PerSourceFlops = 2.0 * Hidden1 * (8 * 8 * 512 + 16 * 16 * 512 + 32 * 32 * 256 + 64 * 64 * 128 + 64 * 64 * 64) + TailFlops;

    private static readonly MaskPredictorConfig Config = new(
        MaskPredictorConfig.ConfigF.Sources.Select(s => s with { Size = s.Size / 8 }).ToList(), Grid);

    private ComputeDevice device = null!;
    private GraphRunner concat = null!, perSource = null!;

    [GlobalSetup]
    public void Setup()
    {
        device = BenchDevice.Open();
        var models = MaskClassifier.LoadEnsemble(RandomClassifier(Config.TotalChannels), Config.TotalChannels);
        if (MaskPredictor.FirstLayerFlops(Config, Hidden1, FirstLayerPlacement.PerSource) + TailFlops != PerSourceFlops ||
            MaskPredictor.FirstLayerFlops(Config, Hidden1, FirstLayerPlacement.AfterConcat) + TailFlops != ConcatFlops)
            throw new InvalidOperationException("mask benchmark: the Work counts disagree with MaskPredictor.FirstLayerFlops");
        concat = Runner(FirstLayerPlacement.AfterConcat);
        perSource = Runner(FirstLayerPlacement.PerSource);
        GraphRunner Runner(FirstLayerPlacement placement)
        {
            var r = new GraphRunner(device, Scheduler.Plan(MaskPredictor.BuildGraph(Config, models, placement), device.Kind));
            for (int i = 0; i < Config.Sources.Count; i++)
            {
                var s = Config.Sources[i];
                r.SetInput(MaskPredictor.FeatureInput(i), ConvLayer.Random(s.Channels * s.Size * s.Size, 10 + i));
            }
            return r;
        }
        ConcatThenLinear();
        PerSourceResolution();
        ConvLayer.RequireSame(concat.Output(MaskPredictor.LogitsOutput(0)).ToArray(), perSource.Output(MaskPredictor.LogitsOutput(0)).ToArray(), "mask logits");
    }

    private static NetworkParameters RandomClassifier(int inFeatures) => NetworkParameters.From(
        RandomWeights.Classifier(new MaskClassifierConfig(inFeatures, Hidden1, Hidden2, MaskVote.ClassCount), seed: 100, MaskClassifier.Prefix(0)), "random");

    [Benchmark(Baseline = true), Work(Flops = ConcatFlops)]
    public void ConcatThenLinear()
    {
        concat.Run();
        device.Synchronize();
    }

    [Benchmark, Work(Flops = PerSourceFlops)]
    public void PerSourceResolution()
    {
        perSource.Run();
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        concat.Dispose();
        perSource.Dispose();
        device.Dispose();
    }
}
