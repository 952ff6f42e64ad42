using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>
/// PixelNorm (rows of features) and InstanceNorm2d (Normalization) with the device's own mapping: one thread per
/// segment on the CPU accelerator, one group with a shared-memory reduction on a GPU (the path a CPU run of the tests
/// does not take unless forced), including planes of 4096 values with a large mean, where a plain float sum loses the
/// digits the output depends on; tolerance 1e-5 as NormalizationTests.
/// </summary>
internal sealed class NormalizationCheck(NormalizationCheck.Case c) : SelfTestCheck(c.Name, "normalization", 1e-5, c.Quick)
{
    /// <summary>PixelNorm over rows of <paramref name="Features"/> values when Features &gt; 0, else InstanceNorm; plane k gets Offsets[k % n] added.</summary>
    public sealed record Case(string Name, Shape4 Input, int Features, float Range, float[] Offsets, int Seed, bool Quick = false);

    public Case Parameters => c;

    public float[] X
    {
        get
        {
            var x = RandomWeights.Uniform((int)c.Input.Length, c.Seed, c.Range);
            int plane = c.Input.H * c.Input.W;
            if (c.Offsets.Length > 0)
                for (int i = 0; i < x.Length; i++) x[i] += c.Offsets[i / plane % c.Offsets.Length];
            return x;
        }
    }

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        using var x = device.Upload(X, c.Input);
        using var o = device.Allocate(c.Input);
        if (c.Features > 0) Normalization.PixelNorm(x, o, c.Features);
        else Normalization.InstanceNorm(x, o);
        return o.ToArray();
    }

    public static IEnumerable<SelfTestCheck> All() =>
    [
        new NormalizationCheck(new("normalization/pixel-norm-3x512", new(1, 1, 3, 512), 512, 1f, [], 900)),
        new NormalizationCheck(new("normalization/pixel-norm-tiny-values-epsilon", new(1, 1, 2, 37), 37, 1e-5f, [], 910)),
        new NormalizationCheck(new("normalization/instance-norm-5x7", new(2, 3, 5, 7), 0, 3f, [], 920)),
        new NormalizationCheck(new("normalization/instance-norm-64x64-large-mean", new(2, 1, 64, 64), 0, 0.5f, [40f, -7.5f], 930, Quick: true)),
    ];
}
