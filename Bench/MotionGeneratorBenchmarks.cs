using BenchmarkDotNet.Attributes;
using CineKernel.Bench.Support;
using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Bench;

/// <summary>
/// The motion network at its real width (ngf 64, 4 downsamplings, 9 residual blocks, random weights) on a
/// 64×64 image: at the real 512×512 it is 540 GFLOP, minutes per call on ILGPU's CPU accelerator, so
/// this is 1/64 of the pixels (the bottleneck 4×4 instead of 32×32: the same layers, 8.4 GFLOP).
/// Whole graph as the pipeline runs it; there is no plain C# version of the network to compare with.
/// </summary>
[Config(typeof(CineKernelConfig))]
public class MotionGeneratorBenchmarks
{
    public const int Size = 64;

    // config.Flops(64, 64) for MotionGeneratorConfig.Official, spelled out (attributes need constants):
    // conv 7×7 3→64 at 64²; downsampling convs to 32² (64→128), 16², 8², 4² (512→1024); 18 block convs
    // 1024→1024 at 4²; upsampling convs at 8² (1024→512), 16², 32², 64² (128→64); conv 7×7 64→2 at 64².
    public const double Flops = 2.0 * 9 * (32 * 32 * 128 * 64 + 16 * 16 * 256 * 128 + 8 * 8 * 512 * 256 + 4 * 4 * 1024 * 512)
        + 2.0 * 9 * 18 * 4 * 4 * 1024 * 1024
        + 2.0 * 9 * (8 * 8 * 512 * 1024 + 16 * 16 * 256 * 512 + 32 * 32 * 128 * 256 + 64 * 64 * 64 * 128)
        + 2.0 * 49 * 64 * 64 * (3 * 64 + 64 * 2);

    private ComputeDevice device = null!;
    private GraphRunner runner = null!;

    [GlobalSetup]
    public void Setup()
    {
        var config = MotionGeneratorConfig.Official;
        if (config.Flops(Size, Size) != Flops) throw new InvalidOperationException($"motion benchmark: Work counts {Flops}, the config {config.Flops(Size, Size)}");
        device = BenchDevice.Open();
        runner = new GraphRunner(device, Scheduler.Plan(MotionGenerator.BuildGraph(config, NetworkParameters.From(RandomWeights.Motion(config, 1), "random"), Size, Size), device.Kind));
        runner.SetInput(MotionGenerator.ImageInput, ConvLayer.Random(3 * Size * Size, 2));
    }

    [Benchmark, Work(Flops = Flops)]
    public void Graph()
    {
        runner.Run();
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        runner.Dispose();
        device.Dispose();
    }
}
