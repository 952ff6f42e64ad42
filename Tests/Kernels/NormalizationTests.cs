using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class NormalizationTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    private const bool ByThread = false, ByGroup = true;

    private static Normalization.SegmentMapping Mapping(bool byGroup) =>
        byGroup ? Normalization.SegmentMapping.GroupPerSegment : Normalization.SegmentMapping.ThreadPerSegment;

    // Both mappings: Auto takes one thread per segment on the CPU accelerator, one group on a GPU.
    [TestCase(3, 512, 1f, ByThread, TestName = "pixel norm, 3 latents of 512, by thread")]
    [TestCase(3, 512, 1f, ByGroup, TestName = "pixel norm, 3 latents of 512, by group")]
    [TestCase(2, 37, 40f, ByThread, TestName = "pixel norm, 2 rows of 37, large values, by thread")]
    [TestCase(2, 37, 40f, ByGroup, TestName = "pixel norm, 2 rows of 37, large values, by group")]
    [TestCase(2, 37, 1e-5f, ByThread, TestName = "pixel norm, tiny values where ε matters, by thread")]
    [TestCase(2, 37, 1e-5f, ByGroup, TestName = "pixel norm, tiny values where ε matters, by group")]
    public void PixelNormMatchesReference(int rows, int features, float scale, bool byGroup)
    {
        var x = Numerics.Random(rows * features, 81, scale);
        using var tx = Device.Upload(x, new Shape4(1, 1, rows, features));
        using var ty = Device.Allocate(tx.Shape);
        Normalization.PixelNorm(tx, ty, features, Mapping(byGroup));
        Numerics.AssertClose(ty.ToArray(), SmallOpsReference.PixelNorm(x, features), 1e-5, "pixel norm");
    }

    [Test]
    public void PixelNormRejectsRowsThatDoNotDivide()
    {
        using var x = Device.Allocate(new Shape4(1, 1, 3, 10));
        Assert.That(() => Normalization.PixelNorm(x, x, 7), Throws.ArgumentException.With.Message.Contains("rows of 7"));
    }

    [TestCase(ByThread)]
    [TestCase(ByGroup)]
    public void InstanceNormMatchesReferenceOnSmallPlanes(bool byGroup)
    {
        var shape = new Shape4(2, 3, 5, 7);
        var x = Numerics.Random((int)shape.Length, 82, 3f);
        using var tx = Device.Upload(x, shape);
        using var ty = Device.Allocate(shape);
        Normalization.InstanceNorm(tx, ty, Normalization.InstanceNormEpsilon, Mapping(byGroup));
        Numerics.AssertClose(ty.ToArray(), SmallOpsReference.InstanceNorm(x, 35), 1e-5, $"instance norm 5×7 {Mapping(byGroup)}");
    }

    [TestCase(ByThread)]
    [TestCase(ByGroup)]
    public void InstanceNormStaysAccurateOnLargePlanesWithLargeMeans(bool byGroup)
    {
        // 512×512 planes whose mean (up to 40) dwarfs their spread: a plain float sum of 262144 such
        // values loses the digits the normalised output depends on. One plane per sign, N=2.
        var shape = new Shape4(2, 1, 512, 512);
        var x = Numerics.Random((int)shape.Length, 83, 0.5f);
        int plane = 512 * 512;
        for (int i = 0; i < x.Length; i++) x[i] += i < plane ? 40f : -7.5f;
        using var t = Device.Upload(x, shape);
        Normalization.InstanceNorm(t, t, Normalization.InstanceNormEpsilon, Mapping(byGroup));
        Numerics.AssertClose(t.ToArray(), SmallOpsReference.InstanceNorm(x, plane), 1e-5, $"instance norm 512×512 in place {Mapping(byGroup)}");
    }

    [Test]
    public void ChannelAffineMatchesReference()
    {
        var shape = new Shape4(2, 5, 3, 7);
        var x = Numerics.Random((int)shape.Length, 84);
        var scale = Numerics.Random(5, 85, 3f);
        var shift = Numerics.Random(5, 86, 2f);
        using var tx = Device.Upload(x, shape);
        using var ts = Device.Upload(scale, new Shape4(5, 1, 1, 1));
        using var tb = Device.Upload(shift, new Shape4(5, 1, 1, 1));
        using var ty = Device.Allocate(shape);
        Normalization.ChannelAffine(tx, ts, tb, ty);
        Numerics.AssertClose(ty.ToArray(), SmallOpsReference.ChannelActivation(x, 2, 5, 3, 7, scale, shift, 1, null, 1, 1), 1e-5, "channel affine");
    }
}
