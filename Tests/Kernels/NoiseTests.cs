using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class NoiseTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    [TestCase(1, TestName = "one noise plane shared by the batch")]
    [TestCase(2, TestName = "one noise plane per image")]
    public void InjectionMatchesReference(int noiseImages)
    {
        var shape = new Shape4(2, 3, 5, 7);
        var x = Numerics.Random((int)shape.Length, 61);
        var noise = Numerics.Random(noiseImages * 35, 62);
        using var tx = Device.Upload(x, shape);
        using var tn = Device.Upload(noise, new Shape4(noiseImages, 1, 5, 7));
        using var ty = Device.Allocate(shape);
        Noise.Inject(tx, tn, -0.37f, ty);
        Numerics.AssertClose(ty.ToArray(), SmallOpsReference.NoiseInjection(x, 2, 3, 5, 7, noise, -0.37f), 1e-5, "noise");
    }

    [Test]
    public void InjectionRunsInPlace()
    {
        var shape = new Shape4(1, 4, 3, 9);
        var x = Numerics.Random((int)shape.Length, 63);
        var noise = Numerics.Random(27, 64);
        using var t = Device.Upload(x, shape);
        using var tn = Device.Upload(noise, new Shape4(1, 1, 3, 9));
        Noise.Inject(t, tn, 0.8f, t);
        Numerics.AssertClose(t.ToArray(), SmallOpsReference.NoiseInjection(x, 1, 4, 3, 9, noise, 0.8f), 1e-5, "noise in place");
    }

    [Test]
    public void NoiseOfAnotherSizeIsRejected()
    {
        using var x = Device.Allocate(new Shape4(2, 3, 5, 7));
        using var wrongPlane = Device.Allocate(new Shape4(1, 1, 7, 5));
        using var wrongBatch = Device.Allocate(new Shape4(3, 1, 5, 7));
        Assert.That(() => Noise.Inject(x, wrongPlane, 1f, x), Throws.ArgumentException.With.Message.Contains("1×1×5×7"));
        Assert.That(() => Noise.Inject(x, wrongBatch, 1f, x), Throws.ArgumentException.With.Message.Contains("3×1×5×7"));
    }
}
