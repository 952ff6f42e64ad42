using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>AdaptiveAvgPool2d (Pooling.AdaptiveAveragePool): overlapping windows of unequal size; tolerance 1e-5 as PoolingTests.</summary>
internal sealed class PoolingCheck(PoolingCheck.Case c) : SelfTestCheck(c.Name, "pooling", 1e-5, false)
{
    public sealed record Case(string Name, Shape4 Input, int OH, int OW, int Seed);

    public Case Parameters => c;
    public float[] X => RandomWeights.Uniform((int)c.Input.Length, c.Seed);

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        using var x = device.Upload(X, c.Input);
        using var o = device.Allocate(c.Input with { H = c.OH, W = c.OW });
        Pooling.AdaptiveAveragePool(x, o);
        return o.ToArray();
    }

    public static IEnumerable<SelfTestCheck> All() =>
    [
        new PoolingCheck(new("pooling/adaptive-average-64-to-3", new(2, 3, 64, 64), 3, 3, 700)),
        new PoolingCheck(new("pooling/adaptive-average-10x13-to-4x5", new(2, 3, 10, 13), 4, 5, 710)),
    ];
}
