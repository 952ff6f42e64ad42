using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class PaddingTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    [TestCase(1, 2, 7, 5, 3, 2, 12, 9, TestName = "Asymmetric pads, non-square")]
    [TestCase(2, 3, 4, 6, 3, 5, 7, 11, TestName = "Pads of size−1 (the largest torch allows)")]
    [TestCase(1, 1, 9, 9, 0, 0, 9, 9, TestName = "No pad is a copy")]
    public void ReflectMatchesReference(int n, int c, int h, int w, int top, int left, int oh, int ow)
    {
        var shape = new Shape4(n, c, h, w);
        var x = Numerics.Random((int)shape.Length, 21);
        using var input = Device.Upload(x, shape);
        using var output = Device.Allocate(n, c, oh, ow);
        Padding.Reflect(input, output, top, left);
        var expected = DfwReference.ReflectPad(Numerics.ToDouble(x), shape, new Window(0, 0, h, w), top, left, oh, ow);
        Numerics.AssertClose(output.ToArray(), expected, 0, $"reflect pad {shape} → {oh}×{ow}");
    }

    [Test]
    public void ReflectOfAWindowWithNegationIsTheLevelCutAndPad()
    {
        // blend_feature: flow[:, :, 2:-2, 2:-2], then ReflectionPad2d of −flow.
        var shape = new Shape4(1, 2, 13, 11);
        var x = Numerics.Random((int)shape.Length, 22);
        var window = new Window(2, 2, 9, 7);
        using var input = Device.Upload(x, shape);
        using var output = Device.Allocate(1, 2, 9 + 10, 7 + 8);
        Padding.Reflect(input, output, 5, 4, window, valueScale: -1f);
        var expected = DfwReference.ReflectPad(Numerics.ToDouble(x), shape, window, 5, 4, 19, 15, -1);
        Numerics.AssertClose(output.ToArray(), expected, 0, "reflect pad of a window, negated");
    }

    [Test]
    public void CropTakesAWindow()
    {
        var shape = new Shape4(2, 3, 10, 12);
        var x = Numerics.Random((int)shape.Length, 23);
        using var input = Device.Upload(x, shape);
        using var output = Device.Allocate(2, 3, 5, 7);
        Padding.Crop(input, output, 4, 5);
        var expected = DfwReference.ReflectPad(Numerics.ToDouble(x), shape, new Window(4, 5, 5, 7), 0, 0, 5, 7);
        Numerics.AssertClose(output.ToArray(), expected, 0, "crop");
    }

    [Test]
    public void PadAsLargeAsTheInputIsRejectedAsTorchDoes()
    {
        using var input = Device.Allocate(1, 1, 4, 6);
        using var output = Device.Allocate(1, 1, 12, 8);
        var e = Assert.Throws<ArgumentException>(() => Padding.Reflect(input, output, 4, 1));
        Assert.That(e!.Message, Does.Contain("smaller than the padded window"));
    }

    [Test]
    public void CropOutsideTheInputIsRejected()
    {
        using var input = Device.Allocate(1, 1, 4, 6);
        using var output = Device.Allocate(1, 1, 3, 3);
        var e = Assert.Throws<ArgumentException>(() => Padding.Crop(input, output, 2, 0));
        Assert.That(e!.Message, Does.Contain("does not fit"));
    }
}
