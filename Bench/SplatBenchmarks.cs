using BenchmarkDotNet.Attributes;
using CineKernel.Bench.Support;
using CineKernel.Kernels;

namespace CineKernel.Bench;

/// <summary>
/// The joint splat of one warp level (DESIGN.md "Joint splatting"): both copies of a 32-channel padded
/// feature scattered, with their metric, into one accumulator. Size: the 256 level's padded grid, 442²
/// (the 1024 level's 1780² is 16× the work and too slow for a shared CPU run; the count below scales with P²).
/// Work floor per call: read the feature once (C·P² floats), both displacement fields (2·2·P²), and write
/// the accumulator ((C+1)·P²): 4·P²·(2C+5) bytes. Each call also does 2·P²·(C+1)·4 scatter-adds.
/// </summary>
[Config(typeof(CineKernelConfig))]
public class SplatBenchmarks
{
    private const int Side = 442;
    private const int Channels = 32;
    private const double FloorBytes = 4.0 * Side * Side * (2 * Channels + 5);

    private ComputeDevice device = null!;
    private Tensor feature = null!, forward = null!, backward = null!, accumulator = null!;
    private float[] hostFeature = null!, hostForward = null!, hostBackward = null!, hostAccumulator = null!;
    private const float ForwardZ = 0.7f, BackwardZ = 0.3f;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        float[] Random(int n, float scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        var shape = new Shape4(1, Channels, Side, Side);
        hostFeature = Random((int)shape.Length, 1f);
        // Displacements of a few pixels, as Euler fields after some steps.
        hostForward = Random(2 * Side * Side, 4f);
        hostBackward = Random(2 * Side * Side, 4f);
        hostAccumulator = new float[(Channels + 1) * Side * Side];
        device = BenchDevice.Open();
        feature = device.Upload(hostFeature, shape);
        forward = device.Upload(hostForward, shape with { C = 2 });
        backward = device.Upload(hostBackward, shape with { C = 2 });
        accumulator = device.Allocate(JointSplat.AccumulatorShape(shape));
        Ilgpu(); // compile outside the measurement
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        feature.Dispose();
        forward.Dispose();
        backward.Dispose();
        accumulator.Dispose();
        device.Dispose();
    }

    /// <summary>A single-threaded C# scatter with the same arithmetic, into a host accumulator.</summary>
    [Benchmark(Baseline = true)]
    [Work(Bytes = FloorBytes)]
    public void PlainLoop()
    {
        Array.Clear(hostAccumulator);
        ScatterCopy(hostForward, ForwardZ, backwardLayout: false);
        ScatterCopy(hostBackward, BackwardZ, backwardLayout: true);
    }

    private void ScatterCopy(float[] flow, float z, bool backwardLayout)
    {
        const int plane = Side * Side;
        var acc = hostAccumulator;
        for (int y = 0; y < Side; y++)
        for (int x = 0; x < Side; x++)
        {
            int p = y * Side + x;
            float dx = flow[p], dy = flow[plane + p];
            float px = backwardLayout ? (float)(x + Side) + (dx - Side) : x + dx;
            float py = y + dy;
            int x0 = (int)MathF.Floor(px), y0 = (int)MathF.Floor(py);
            float ax = x0 + 1 - px, bx = px - x0, ay = y0 + 1 - py, by = py - y0;
            bool inX0 = (uint)x0 < Side, inX1 = (uint)(x0 + 1) < Side, inY0 = (uint)y0 < Side, inY1 = (uint)(y0 + 1) < Side;
            for (int c = 0; c <= Channels; c++)
            {
                float v = c < Channels ? hostFeature[c * plane + p] * z : z;
                int b = c * plane;
                if (inY0 && inX0) acc[b + y0 * Side + x0] += v * (ax * ay);
                if (inY0 && inX1) acc[b + y0 * Side + x0 + 1] += v * (bx * ay);
                if (inY1 && inX0) acc[b + (y0 + 1) * Side + x0] += v * (ax * by);
                if (inY1 && inX1) acc[b + (y0 + 1) * Side + x0 + 1] += v * (bx * by);
            }
        }
    }

    /// <summary>JointSplat.Accumulate on the benchmark device (BenchDevice): clear, then both copies in one launch with atomics.</summary>
    [Benchmark]
    [Work(Bytes = FloorBytes)]
    public void Ilgpu()
    {
        JointSplat.Accumulate(new SplatSource(feature, forward, null, ForwardZ), new SplatSource(feature, backward, null, BackwardZ), accumulator);
        device.Synchronize();
    }
}
