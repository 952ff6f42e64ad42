using BenchmarkDotNet.Attributes;
using CineKernel.Bench.Support;
using CineKernel.Kernels;

namespace CineKernel.Bench;

/// <summary>
/// The mask MLP's first layer (1472 → 128 per pixel, DESIGN.md "Mask predictor") on 1024 pixels, a
/// 1/256 slice of the 512×512 grid: the kernel with the device's own mapping against a plain C# loop.
/// dotnet run -c Release --project Bench -- --filter '*SmallOps*'
/// </summary>
[Config(typeof(CineKernelConfig))]
public class SmallOpsLinearBenchmarks : IDisposable
{
    private const int Rows = 1024, In = 1472, Out = 128;
    private const double Flops = 2.0 * Rows * In * Out;
    private const double Bytes = 4.0 * (Rows * In + In * Out + Out + Rows * Out);

    private ComputeDevice device = null!;
    private Tensor x = null!, weight = null!, bias = null!, y = null!;
    private float[] hx = null!, hw = null!, hb = null!, hy = null!;

    [GlobalSetup]
    public void Setup()
    {
        device = BenchDevice.Open();
        var rng = new Random(1);
        float[] R(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        (hx, hw, hb, hy) = (R(Rows * In), R(Out * In), R(Out), new float[Rows * Out]);
        x = device.Upload(hx, new Shape4(1, 1, Rows, In));
        weight = device.Upload(hw, new Shape4(1, 1, Out, In));
        bias = device.Upload(hb, new Shape4(1, 1, 1, Out));
        y = device.Allocate(new Shape4(1, 1, Rows, Out));
    }

    [Benchmark(Baseline = true)]
    [Work(Flops = Flops, Bytes = Bytes)]
    public void PlainLoop()
    {
        for (int r = 0; r < Rows; r++)
        for (int o = 0; o < Out; o++)
        {
            float sum = 0f;
            for (int k = 0; k < In; k++) sum += hx[r * In + k] * hw[o * In + k];
            hy[r * Out + o] = MathF.Max(sum + hb[o], 0f);
        }
    }

    [Benchmark]
    [Work(Flops = Flops, Bytes = Bytes)]
    public void Kernel()
    {
        Linear.Forward(x, weight, bias, y, LinearOptions.Plain with { Activation = ActivationFunction.Relu });
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        x?.Dispose();
        weight?.Dispose();
        bias?.Dispose();
        y?.Dispose();
        device?.Dispose();
        GC.SuppressFinalize(this);
    }
}
