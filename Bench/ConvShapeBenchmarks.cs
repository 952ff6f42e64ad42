using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using CineKernel.Bench.Support;
using CineKernel.Kernels;

namespace CineKernel.Bench;

/// <summary>
/// The direct conv against each variant on the 3×3 stride-1 layer shapes that carry the work (issue 15): Winograd (the
/// CPU's) and the shared-memory implicit GEMM (the GPUs'), each run on the benchmark device whatever its kind, so a GPU
/// check measures the GEMM against the direct kernel in one run.
/// the generator's 128-level conv (256→256 at 128², convs[9], the per-frame conv), its 64-level one (512→512 at 64²),
/// the motion network's residual block (1024→1024 at 32², reflect padding) and its second upsampling conv
/// (256→128 at 128²), and the encoder's first-stage block conv (64→64 at 256²). Same run, same
/// inputs: the ratio column is the A/B. Each call is seconds on the CPU accelerator, so the job runs one invocation
/// per iteration and few iterations (<see cref="LongOperationConfig"/>). GFLOP/s are the direct conv's FLOPs over
/// the median (for Winograd an effective rate). <c>CINEKERNEL_BENCH_CONV=name,name</c> picks shapes.
/// </summary>
[Config(typeof(LongOperationConfig))]
public class ConvShapeBenchmarks
{
    /// <summary>A conv layer: N = 1, Cin→Cout, square S×S, padding 1 (zero or reflect), bias + leaky ReLU epilogue.</summary>
    public sealed record Shape(string Name, int Cin, int Cout, int Size, bool Reflect, bool Modulated)
    {
        public double Flops => 2.0 * Cin * Cout * 9 * Size * Size;

        public override string ToString() => Name;
    }

    public static IReadOnlyList<Shape> All { get; } =
    [
        new("gen128 256-256@128", 256, 256, 128, false, true),
        new("gen64 512-512@64", 512, 512, 64, false, true),
        new("motion-res 1024-1024@32", 1024, 1024, 32, true, false),
        new("motion-up 256-128@128", 256, 128, 128, false, false),
        new("enc 64-64@256", 64, 64, 256, false, false),
    ];

    public static IEnumerable<Shape> Shapes()
    {
        string? pick = Environment.GetEnvironmentVariable("CINEKERNEL_BENCH_CONV");
        if (string.IsNullOrWhiteSpace(pick)) return All;
        var names = pick.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return All.Where(s => names.Any(n => s.Name.StartsWith(n, StringComparison.Ordinal)));
    }

    [ParamsSource(nameof(Shapes))]
    public Shape Layer { get; set; } = All[0];

    private ComputeDevice device = null!;
    private Tensor x = null!, w = null!, u = null!, b = null!, s = null!, d = null!, o = null!;
    private float weightScale;

    [GlobalSetup]
    public void Setup()
    {
        device = BenchDevice.Open();
        var l = Layer;
        x = device.Upload(ConvLayer.Random(l.Cin * l.Size * l.Size, 1), new Shape4(1, l.Cin, l.Size, l.Size));
        w = device.Upload(ConvLayer.Random(l.Cout * l.Cin * 9, 2), new Shape4(l.Cout, l.Cin, 3, 3));
        u = device.Allocate(WinogradConv2d.TransformedWeightShape(w.Shape));
        b = device.Upload(ConvLayer.Random(l.Cout, 3), new Shape4(1, 1, 1, l.Cout));
        s = device.Upload(Array.ConvertAll(ConvLayer.Random(l.Cin, 4), v => v + 1f), new Shape4(1, 1, 1, l.Cin));
        d = device.Allocate(1, 1, 1, l.Cout);
        o = device.Allocate(1, l.Cout, l.Size, l.Size);
        weightScale = ModulatedConv2d.EqualisedScale(l.Cin, 3);
        ModulatedConv2d.Demodulation(w, s, weightScale, d);
        WinogradConv2d.TransformWeight(w, u);
        Direct();
        var direct = o.ToArray();
        Winograd();
        ConvLayer.RequireSame(direct, o.ToArray(), $"{l.Name}: winograd vs direct");
        ImplicitGemm();
        ConvLayer.RequireSame(direct, o.ToArray(), $"{l.Name}: implicit GEMM vs direct");
    }

    private Padding2d Padding => Padding2d.Uniform(1, Layer.Reflect ? PaddingMode.Reflect : PaddingMode.Zeros);

    private EpilogueArguments Epilogue => new() { Bias = b, Activation = ActivationFunction.FusedLeakyRelu };

    /// <summary>The blocked direct kernel (Conv2d's, or ModulatedConv2d's for the generator layers), on any device.</summary>
    [Benchmark(Baseline = true)]
    public void Direct() => Run(ConvMapping.Direct);

    /// <summary>The shared-memory implicit GEMM (what GPU backends run), on any device.</summary>
    [Benchmark]
    public void ImplicitGemm() => Run(ConvMapping.ImplicitGemm);

    private void Run(ConvMapping mapping)
    {
        if (Layer.Modulated) ModulatedConv2d.Forward(x, w, s, d, o, weightScale, Epilogue, mapping);
        else Conv2d.Forward(x, w, o, new Conv2dOptions { Padding = Padding, WeightScale = weightScale, Mapping = mapping }, Epilogue);
        device.Synchronize();
    }

    /// <summary>Winograd F(2×2, 3×3) from the transformed weight (computed once, outside the timing, as a plan hoists it).</summary>
    [Benchmark]
    public void Winograd()
    {
        if (Layer.Modulated) WinogradConv2d.ForwardModulated(x, u, s, d, o, weightScale, Epilogue);
        else WinogradConv2d.Forward(x, u, o, new Conv2dOptions { Padding = Padding, WeightScale = weightScale }, Epilogue);
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { x, w, u, b, s, d, o }) t.Dispose();
        device.Dispose();
    }

    /// <summary>The layer's direct-conv FLOPs over the median, in GFLOP/s.</summary>
    private sealed class LayerThroughputColumn()
        : MedianColumn(nameof(LayerThroughputColumn), "GFLOP/s", "The direct conv's FLOPs (2 per multiply-add) over the median time")
    {
        protected override string Value(BenchmarkCase benchmarkCase, double seconds) =>
            benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<Shape>().FirstOrDefault() is { } layer
                ? (layer.Flops / seconds / 1e9).ToString("F2")
                : "-";
    }

    /// <summary>
    /// A job for operations of seconds: one invocation per iteration, one warm-up, five measured iterations (median
    /// of five), in process-isolated runs as usual; no pilot stage, so a long call never trips BenchmarkDotNet's
    /// "takes too long" limit.
    /// </summary>
    public sealed class LongOperationConfig : ManualConfig
    {
        public LongOperationConfig()
        {
            AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5).WithInvocationCount(1).WithUnrollFactor(1));
            AddColumn(StatisticColumn.Median, new LayerThroughputColumn());
            HideColumns(Column.Error, Column.StdDev);
            WithOptions(ConfigOptions.DisableOptimizationsValidator);
        }
    }
}
