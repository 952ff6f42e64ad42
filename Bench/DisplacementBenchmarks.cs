using BenchmarkDotNet.Attributes;
using CineKernel.Bench.Support;
using CineKernel.Kernels;
using CineKernel.Pipeline.Warping;

namespace CineKernel.Bench;

/// <summary>
/// The displacement fields of a whole loop (DESIGN.md "Euler integration"): prepare them, then fetch both
/// fields of every frame in order, as a renderer does. Level: 256 (padded grid 442²; the 1024 level's 1780²
/// is 16× the work). N = 30 and 120 show the growth with the loop length: the checkpointed fields take
/// p + ⌊p/K⌋(K−1) + p steps (≈ 3p, p = N−1), the kept fields 2p, the original N·p.
/// No [Work] column: the work grows with N, and the attribute states one amount per method; divide the
/// median by the steps above for the time per grid step.
/// </summary>
[Config(typeof(CineKernelConfig))]
public class DisplacementBenchmarks
{
    private const int Side = 442;

    [Params(30, 120)]
    public int N { get; set; }

    private ComputeDevice device = null!;
    private Tensor flow = null!;
    private float[] hostFlow = null!;
    private float[] hostPosition = null!, hostField = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        // Up to ±1.5 px per step, like a mid-level flow: pixels wander, some leave the grid.
        hostFlow = Enumerable.Range(0, 2 * Side * Side).Select(_ => (float)((rng.NextDouble() * 2 - 1) * 1.5)).ToArray();
        hostPosition = new float[3 * Side * Side];
        hostField = new float[2 * Side * Side];
        device = BenchDevice.Open();
        flow = device.Upload(hostFlow, new Shape4(1, 2, Side, Side));
        using (DisplacementFields.Compute(flow, LoopSchedule.Official(4), DisplacementStorage.Checkpointed)) { } // compile outside
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        flow.Dispose();
        device.Dispose();
    }

    /// <summary>
    /// The Euler work floor in single-threaded C#: both directions traced once (2p steps), each field written
    /// to one reused host buffer (what the kept fields cost in steps, without their memory).
    /// </summary>
    [Benchmark(Baseline = true)]
    public void PlainLoopTwoTraces()
    {
        int period = N - 1;
        foreach (float sign in (ReadOnlySpan<float>)[1f, -1f])
        {
            const int plane = Side * Side;
            for (int i = 0; i < plane; i++)
            {
                hostPosition[i] = i % Side;
                hostPosition[plane + i] = i / Side;
                hostPosition[2 * plane + i] = 0;
            }
            for (int k = 1; k <= period; k++)
            {
                for (int i = 0; i < plane; i++)
                {
                    int x = i % Side, y = i / Side;
                    float px = hostPosition[i], py = hostPosition[plane + i];
                    if (hostPosition[2 * plane + i] == 0)
                    {
                        int at = (int)MathF.Round(py, MidpointRounding.ToEven) * Side + (int)MathF.Round(px, MidpointRounding.ToEven);
                        float nx = px + sign * hostFlow[at], ny = py + sign * hostFlow[plane + at];
                        if (!(nx >= 0 && nx <= Side - 1 && ny >= 0 && ny <= Side - 1))
                        {
                            hostPosition[2 * plane + i] = 1;
                            nx = x;
                            ny = y;
                        }
                        hostPosition[i] = px = nx;
                        hostPosition[plane + i] = py = ny;
                    }
                    hostField[i] = px - x;
                    hostField[plane + i] = py - y;
                }
            }
        }
    }

    /// <summary>Checkpointed fields on the benchmark device (BenchDevice): O(N) steps, O(√N) memory.</summary>
    [Benchmark]
    public void CpuCheckpointed() => PrepareAndWalk(DisplacementStorage.Checkpointed);

    /// <summary>Every field kept (what the 128 level uses): 2p steps, all in Compute.</summary>
    [Benchmark]
    public void CpuAllFrames() => PrepareAndWalk(DisplacementStorage.AllFrames);

    private void PrepareAndWalk(DisplacementStorage storage)
    {
        using var fields = DisplacementFields.Compute(flow, LoopSchedule.Official(N), storage);
        for (int t = 0; t < N; t++)
        {
            fields.ForwardAt(t);
            fields.BackwardAt(t);
        }
        device.Synchronize();
    }
}
