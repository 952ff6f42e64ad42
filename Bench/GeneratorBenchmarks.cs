using BenchmarkDotNet.Attributes;
using CineKernel.Bench.Support;
using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.Synthesis;
using CineKernel.Pipeline.Warping;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Bench;

/// <summary>
/// The config-f generator (1024², style_dim 512, 8 mapping layers, channel multiplier 2; random seeded
/// weights, RandomWeights.Generator) on the benchmark device (BenchDevice, the CPU accelerator by default): a plain
/// forward (the baseline), the once-per-cinemagraph part of a 120-frame official loop (unwarped chain + displacement
/// fields of four levels) and one frame (DESIGN.md "Performance": per frame only the warps, convs[9] on the warped 128
/// feature, the toRGBs). FLOPs come from the plans. Full size: run alone, e.g.
/// <c>--filter '*GeneratorBenchmarks*' --inProcess --warmupCount 0 --iterationCount 1</c> (on a CPU a config-f forward
/// takes minutes). <c>CINEKERNEL_BENCH_GENERATOR=tiny</c> (or <c>config-f,tiny</c>) adds or substitutes the 256²
/// generator of RandomWeightsFolder.TinyGenerator, which runs in seconds on a CPU; the throughput columns are
/// config-f's counts and show "-" for it.
/// </summary>
[Config(typeof(CineKernelConfig))]
public class GeneratorBenchmarks
{
    private const int Frames = 120;
    private const string ConfigF = "config-f", Tiny = "tiny", ConfigFCase = "Config=config-f";
    private ComputeDevice device = null!;
    private GraphRunner forward = null!, frames = null!;
    private int t;

    // FLOPs and least bytes of the plans at config-f (printed by the setup): forward 149.2 G, once 116.8 G, a frame
    // 19.90 GFLOP and 515 MB (Op.Bytes: each tensor read and written once, a warp's padded grid and fields).
    private const double ForwardFlops = 149.2e9, OnceFlops = 116.8e9, FrameFlops = 19.90e9, FrameBytes = 515e6;

    /// <summary>The generators to measure: CINEKERNEL_BENCH_GENERATOR (comma-separated config-f, tiny), default config-f.</summary>
    public static IEnumerable<string> Configs =>
        (Environment.GetEnvironmentVariable("CINEKERNEL_BENCH_GENERATOR") ?? ConfigF).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [ParamsSource(nameof(Configs))]
    public string Config { get; set; } = ConfigF;

    [GlobalSetup(Targets = [nameof(Forward), nameof(OncePerCinemagraph)])]
    public void Setup()
    {
        device = BenchDevice.Open();
        var config = Config switch
        {
            ConfigF => GeneratorConfig.ConfigF(),
            Tiny => RandomWeightsFolder.TinyGenerator,
            _ => throw new ArgumentException($"CINEKERNEL_BENCH_GENERATOR: unknown generator '{Config}' (expected {ConfigF} or {Tiny})"),
        };
        var weights = RandomWeights.Generator(config, seed: 1);
        var generator = new Generator(config, NetworkParameters.From(weights, "random"));
        int flowSize = config.Size / 2; // the original's motion grid: 512 for 1024
        forward = new GraphRunner(device, Scheduler.Plan(generator.BuildForward(), device.Kind));
        frames = new GraphRunner(device, Scheduler.Plan(generator.BuildFrames(new FramesOptions(FlowSize: flowSize)), device.Kind), Frames);
        var wplus = RandomWeights.Uniform(config.LatentCount * config.StyleDim, 1, 1f);
        forward.SetInput(Generator.WPlusInput, wplus);
        frames.SetInput(Generator.WPlusInput, wplus);
        frames.SetInput(Generator.FeatureInput, RandomWeights.Uniform(config.ChannelsAt(64) * 64 * 64, 2, 1f));
        frames.SetInput(Generator.FlowInput, RandomWeights.Uniform(2 * flowSize * flowSize, 3, 2f));
        Console.WriteLine($"// {Config}: forward {forward.Plan.FlopsOnce / 1e9:F1} GFLOP, {forward.Plan.BytesOnce / 1e6:F0} MB; " +
                          $"frames: once {frames.Plan.FlopsOnce / 1e9:F1} GFLOP, per frame {frames.Plan.FlopsPerFrame / 1e9:F2} GFLOP " +
                          $"and {frames.Plan.BytesPerFrame / 1e6:F0} MB; arena {frames.Plan.Memory.ArenaBytes >> 20} MiB, " +
                          $"weights {frames.Plan.ConstantBytes >> 20} MiB");
    }

    /// <summary>A frame is measured after the hoisted part has run once, as in a render.</summary>
    [GlobalSetup(Target = nameof(Frame))]
    public void SetupFrame()
    {
        Setup();
        frames.RunOnce();
        device.Synchronize();
    }

    [Benchmark(Baseline = true), Work(Flops = ForwardFlops, Case = ConfigFCase)]
    public void Forward()
    {
        forward.Run();
        device.Synchronize();
    }

    [Benchmark, Work(Flops = OnceFlops, Case = ConfigFCase)]
    public void OncePerCinemagraph()
    {
        frames.RunOnce();
        device.Synchronize();
    }

    [Benchmark, Work(Flops = FrameFlops, Bytes = FrameBytes, Case = ConfigFCase)]
    public void Frame()
    {
        frames.RunFrame(t++ % Frames);
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // Device memory is host memory on the CPU accelerator: the peak working set bounds what a render holds
        // (weights, arena, each level's padded grid and displacement fields, plus the forward runner's arena).
        long warpState = frames.Plan.Steps.Select(s => s.Op).OfType<FeatureWarpOp>().Sum(op => op.Level.Bytes);
        Console.WriteLine($"// peak working set {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MiB; " +
                          $"warp levels (padded grids + displacement fields) {warpState >> 20} MiB");
        forward.Dispose();
        frames.Dispose();
        device.Dispose();
    }
}
