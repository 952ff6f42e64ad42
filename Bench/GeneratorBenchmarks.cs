using BenchmarkDotNet.Attributes;
using CineKernel.Bench.Support;
using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Synthesis;
using CineKernel.Pipeline.Warping;
using CineKernel.WeightsLoader;

namespace CineKernel.Bench;

/// <summary>
/// The config-f generator (1024², style_dim 512, 8 mapping layers, channel multiplier 2; random seeded
/// weights) on ILGPU's CPU accelerator: a plain forward (the baseline), the once-per-cinemagraph part of a
/// 120-frame official loop (unwarped chain + displacement fields of four levels) and one frame
/// (DESIGN.md "Performance": per frame only the warps, convs[9] on the warped 128 feature, the toRGBs).
/// FLOPs come from the plans. Full size: run alone, e.g.
/// <c>--filter '*GeneratorBenchmarks*' --inProcess --warmupCount 0 --iterationCount 1</c>.
/// </summary>
[Config(typeof(CineKernelConfig))]
public class GeneratorBenchmarks
{
    private const int Frames = 120;
    private ComputeDevice device = null!;
    private GraphRunner forward = null!, frames = null!;
    private int t;

    // FLOPs and least bytes of the plans at config-f (printed by the setup): forward 149.2 G, once 116.8 G, a frame
    // 19.90 GFLOP and 515 MB (Op.Bytes: each tensor read and written once, a warp's padded grid and fields).
    private const double ForwardFlops = 149.2e9, OnceFlops = 116.8e9, FrameFlops = 19.90e9, FrameBytes = 515e6;

    [GlobalSetup(Targets = [nameof(Forward), nameof(OncePerCinemagraph)])]
    public void Setup()
    {
        device = ComputeDevice.Open("cpu");
        var config = GeneratorConfig.ConfigF();
        var generator = new Generator(config, name => RandomTensor(name, config));
        forward = new GraphRunner(device, Scheduler.Plan(generator.BuildForward()));
        frames = new GraphRunner(device, Scheduler.Plan(generator.BuildFrames(new FramesOptions(FlowSize: 512))));
        var wplus = BenchData.Uniform(config.LatentCount * config.StyleDim, 1, 1f);
        forward.SetInput("wplus", wplus);
        frames.SetInput("wplus", wplus);
        frames.SetInput("feature", BenchData.Uniform(config.ChannelsAt(64) * 64 * 64, 2, 1f));
        frames.SetInput("flow", BenchData.Uniform(2 * 512 * 512, 3, 2f));
        Console.WriteLine($"// forward {forward.Plan.FlopsOnce / 1e9:F1} GFLOP, {forward.Plan.BytesOnce / 1e6:F0} MB; " +
                          $"frames: once {frames.Plan.FlopsOnce / 1e9:F1} GFLOP, per frame {frames.Plan.FlopsPerFrame / 1e9:F2} GFLOP " +
                          $"and {frames.Plan.BytesPerFrame / 1e6:F0} MB; arena {frames.Plan.Memory.ArenaBytes >> 20} MiB, " +
                          $"weights {frames.Plan.ConstantBytes >> 20} MiB");
    }

    /// <summary>A frame is measured after the hoisted part has run once, as in a render.</summary>
    [GlobalSetup(Target = nameof(Frame))]
    public void SetupFrame()
    {
        Setup();
        frames.RunOnce(Frames);
        device.Synchronize();
    }

    [Benchmark(Baseline = true), Work(Flops = ForwardFlops)]
    public void Forward()
    {
        forward.Run();
        device.Synchronize();
    }

    [Benchmark, Work(Flops = OnceFlops)]
    public void OncePerCinemagraph()
    {
        frames.RunOnce(Frames);
        device.Synchronize();
    }

    [Benchmark, Work(Flops = FrameFlops, Bytes = FrameBytes)]
    public void Frame()
    {
        frames.RunFrame(t++ % Frames, Frames);
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

    /// <summary>A random parameter of the original state_dict's shape for <paramref name="name"/>.</summary>
    private static TensorData RandomTensor(string name, GeneratorConfig c)
    {
        int sd = c.StyleDim, c4 = c.ChannelsAt(4);
        var parts = name.Split('.');
        long[] shape = parts switch
        {
            ["style", _, "weight"] => [sd, sd],
            ["style", _, "bias"] => [sd],
            ["input", "input"] => [1, c4, 4, 4],
            ["noises", var n] => NoiseShape(int.Parse(n["noise_".Length..])),
            [_, _, "conv", "blur", "kernel"] or [_, _, "upsample", "kernel"] or ["to_rgb1", "upsample", "kernel"] => [4, 4],
            _ => LayerShape(parts, c),
        };
        long count = shape.Aggregate(1L, (a, b) => a * b);
        return new TensorData(shape, BenchData.Uniform((int)count, StableSeed(name), name.EndsWith("kernel") ? 0.25f : 1f));
    }

    /// <summary>A seed from the name that is the same in every process (string.GetHashCode is randomised).</summary>
    private static int StableSeed(string name)
    {
        uint h = 2166136261;
        foreach (char ch in name) h = (h ^ ch) * 16777619;
        return (int)(h & 0x7fffffff);
    }

    private static long[] NoiseShape(int i)
    {
        int r = 1 << ((i + 5) / 2);
        return [1, 1, r, r];
    }

    private static long[] LayerShape(string[] p, GeneratorConfig c)
    {
        // conv1 / to_rgb1 at 4; convs.i at 8 << (i / 2) (even i upsample from half the resolution); to_rgbs.j at 8 << j.
        (int cin, int cout, bool rgb, string[] rest) = p[0] switch
        {
            "conv1" => (c.ChannelsAt(4), c.ChannelsAt(4), false, p[1..]),
            "to_rgb1" => (c.ChannelsAt(4), 3, true, p[1..]),
            "convs" => (c.ChannelsAt(int.Parse(p[1]) % 2 == 0 ? (8 << (int.Parse(p[1]) / 2)) / 2 : 8 << (int.Parse(p[1]) / 2)),
                        c.ChannelsAt(8 << (int.Parse(p[1]) / 2)), false, p[2..]),
            "to_rgbs" => (c.ChannelsAt(8 << int.Parse(p[1])), 3, true, p[2..]),
            _ => throw new ArgumentException($"unexpected generator tensor '{string.Join('.', p)}'"),
        };
        return rest switch
        {
            ["conv", "weight"] => rgb ? [1, 3, cin, 1, 1] : [1, cout, cin, 3, 3],
            ["conv", "modulation", "weight"] => [cin, c.StyleDim],
            ["conv", "modulation", "bias"] => [cin],
            ["noise", "weight"] => [1],
            ["activate", "bias"] => [cout],
            ["bias"] => [1, 3, 1, 1],
            _ => throw new ArgumentException($"unexpected generator tensor '{string.Join('.', p)}'"),
        };
    }
}
