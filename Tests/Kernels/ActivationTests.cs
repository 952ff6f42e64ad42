using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class ActivationTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    private static readonly Shape4 Shape = new(2, 5, 3, 7);

    private static float[] Input() => Numerics.Random((int)Shape.Length, 51, 2f);

    [Test]
    public void ReluMatchesReference()
    {
        var x = Input();
        using var tx = Device.Upload(x, Shape);
        using var ty = Device.Allocate(Shape);
        Activation.Relu(tx, ty);
        Numerics.AssertClose(ty.ToArray(), SmallOpsReference.ChannelActivation(x, 2, 5, 3, 7, null, null, 0, null, 0, 1), 1e-5, "relu");
    }

    [Test]
    public void PReluUsesOneSlopePerChannel()
    {
        var x = Input();
        var slopes = Numerics.Random(5, 52);
        using var tx = Device.Upload(x, Shape);
        using var ts = Device.Upload(slopes, new Shape4(1, 1, 1, 5));
        using var ty = Device.Allocate(Shape);
        Activation.PRelu(tx, ts, ty);
        Numerics.AssertClose(ty.ToArray(), SmallOpsReference.ChannelActivation(x, 2, 5, 3, 7, null, null, 0, slopes, 0, 1), 1e-5, "prelu");
    }

    [TestCase(1f)]
    [TestCase(0.01f)]
    public void FusedLeakyReluAddsTheBiasInside(float biasScale)
    {
        var x = Input();
        var bias = Numerics.Random(5, 53, 100f * biasScale);
        using var tx = Device.Upload(x, Shape);
        using var tb = Device.Upload(bias, new Shape4(1, 5, 1, 1));
        using var ty = Device.Allocate(Shape);
        Activation.FusedLeakyRelu(tx, tb, ty, biasScale);
        var expected = SmallOpsReference.ChannelActivation(x, 2, 5, 3, 7, null, bias, biasScale, null, 0.2, Math.Sqrt(2));
        Numerics.AssertClose(ty.ToArray(), expected, 1e-5, "fused leaky relu");
    }

    [Test]
    public void LeakyReluRunsInPlace()
    {
        var x = Input();
        using var t = Device.Upload(x, Shape);
        Activation.Apply(t, t, ActivationFunction.LeakyRelu(0.1f));
        Numerics.AssertClose(t.ToArray(), SmallOpsReference.ChannelActivation(x, 2, 5, 3, 7, null, null, 0, null, 0.1, 1), 1e-5, "leaky relu in place");
    }

    [Test]
    public void WrongChannelCountsAreRejected()
    {
        using var x = Device.Allocate(Shape);
        using var y = Device.Allocate(Shape);
        using var four = Device.Allocate(new Shape4(1, 1, 1, 4));
        using var other = Device.Allocate(new Shape4(2, 5, 7, 3));
        Assert.Multiple(() =>
        {
            Assert.That(() => Activation.PRelu(x, four, y), Throws.ArgumentException.With.Message.Contains("PReLU slopes has 4 values"));
            Assert.That(() => Activation.FusedLeakyRelu(x, four, y), Throws.ArgumentException.With.Message.Contains("5 channels"));
            Assert.That(() => Activation.Relu(x, other), Throws.ArgumentException.With.Message.Contains("differs"));
        });
    }
}
