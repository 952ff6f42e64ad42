using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class PoolingTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    // 7→3 and 5→3 give overlapping windows of unequal size; 64→3 the encoder's case; 10×13→4×5 is
    // not square; 3→5 has more cells than inputs (windows of one or two pixels).
    [TestCase(7, 7, 3, 3)]
    [TestCase(5, 5, 3, 3)]
    [TestCase(64, 64, 3, 3)]
    [TestCase(10, 13, 4, 5)]
    [TestCase(3, 3, 5, 5)]
    [TestCase(6, 9, 3, 3)]
    public void AdaptiveAveragePoolMatchesReference(int h, int w, int oh, int ow)
    {
        var x = Numerics.Random(2 * 3 * h * w, 71);
        using var tx = Device.Upload(x, new Shape4(2, 3, h, w));
        using var ty = Device.Allocate(new Shape4(2, 3, oh, ow));
        Pooling.AdaptiveAveragePool(tx, ty);
        Numerics.AssertClose(ty.ToArray(), SmallOpsReference.AdaptiveAveragePool(x, 6, h, w, oh, ow), 1e-5, $"pool {h}×{w}→{oh}×{ow}");
    }

    [Test]
    public void WindowsFollowTorchForSevenToThree()
    {
        // Rows 0..6 of one column 0..6 valued by row: windows [0,3), [2,5), [4,7) → means 1, 3, 5.
        var x = new float[49];
        for (int i = 0; i < 49; i++) x[i] = i / 7;
        using var tx = Device.Upload(x, new Shape4(1, 1, 7, 7));
        using var ty = Device.Allocate(new Shape4(1, 1, 3, 3));
        Pooling.AdaptiveAveragePool(tx, ty);
        Assert.That(ty.ToArray(), Is.EqualTo(new float[] { 1, 1, 1, 3, 3, 3, 5, 5, 5 }));
    }

    [Test]
    public void OtherBatchOrChannelsAreRejected()
    {
        using var x = Device.Allocate(new Shape4(2, 3, 7, 7));
        using var y = Device.Allocate(new Shape4(2, 4, 3, 3));
        Assert.That(() => Pooling.AdaptiveAveragePool(x, y), Throws.ArgumentException.With.Message.Contains("2×4×3×3"));
    }
}
