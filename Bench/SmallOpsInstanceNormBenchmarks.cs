using BenchmarkDotNet.Attributes;
using CineKernel.Bench.Support;
using CineKernel.Kernels;

namespace CineKernel.Bench;

/// <summary>
/// InstanceNorm2d on a 64×256×256 activation of the motion generator (DESIGN.md "Motion generator"):
/// the kernel (one group per plane, three passes) against a plain two-pass C# loop.
/// </summary>
[Config(typeof(CineKernelConfig))]
public class SmallOpsInstanceNormBenchmarks : IDisposable
{
    private const int Channels = 64, Size = 256, Plane = Size * Size;
    private const double Elements = (double)Channels * Plane;

    private ComputeDevice device = null!;
    private Tensor x = null!, y = null!;
    private float[] hx = null!, hy = null!;

    [GlobalSetup]
    public void Setup()
    {
        device = BenchDevice.Open();
        var rng = new Random(2);
        hx = Enumerable.Range(0, Channels * Plane).Select(_ => (float)(rng.NextDouble() * 4 + 1)).ToArray();
        hy = new float[hx.Length];
        x = device.Upload(hx, new Shape4(1, Channels, Size, Size));
        y = device.Allocate(x.Shape);
    }

    [Benchmark(Baseline = true)]
    [Work(Flops = 5 * Elements, Bytes = 8 * Elements)]
    public void PlainLoop()
    {
        for (int c = 0; c < Channels; c++)
        {
            var plane = hx.AsSpan(c * Plane, Plane);
            double sum = 0;
            foreach (float v in plane) sum += v;
            float mean = (float)(sum / Plane);
            double squares = 0;
            foreach (float v in plane) squares += (v - mean) * (v - mean);
            float inverse = 1f / MathF.Sqrt((float)(squares / Plane) + 1e-5f);
            var output = hy.AsSpan(c * Plane, Plane);
            for (int i = 0; i < Plane; i++) output[i] = (plane[i] - mean) * inverse;
        }
    }

    [Benchmark]
    [Work(Flops = 5 * Elements, Bytes = 8 * Elements)]
    public void Kernel()
    {
        Normalization.InstanceNorm(x, y);
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        x?.Dispose();
        y?.Dispose();
        device?.Dispose();
        GC.SuppressFinalize(this);
    }
}
