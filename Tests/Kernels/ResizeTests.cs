using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class ResizeTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    [TestCase(1, 3, 7, 5, 13, 9, false, TestName = "Up, non-integer factors, align_corners=False")]
    [TestCase(2, 1, 13, 11, 5, 4, false, TestName = "Down, non-integer factors, align_corners=False")]
    [TestCase(1, 2, 6, 10, 12, 20, false, TestName = "Exactly ×2 (flow pyramid up)")]
    [TestCase(1, 2, 17, 16, 8, 8, false, TestName = "Halving an odd size (flow pyramid down)")]
    [TestCase(1, 3, 7, 5, 13, 9, true, TestName = "Up, align_corners=True")]
    [TestCase(2, 2, 9, 9, 4, 5, true, TestName = "Down, align_corners=True")]
    [TestCase(1, 1, 5, 6, 1, 1, true, TestName = "To one pixel, align_corners=True")]
    [TestCase(1, 2, 7, 5, 7, 11, false, TestName = "Same height (copy) and wider")]
    public void BilinearMatchesReference(int n, int c, int h, int w, int oh, int ow, bool alignCorners)
    {
        var shape = new Shape4(n, c, h, w);
        var x = Numerics.Random((int)shape.Length, 11);
        using var input = Device.Upload(x, shape);
        using var output = Device.Allocate(n, c, oh, ow);
        Resize.Bilinear(input, output, alignCorners);
        var expected = DfwReference.Bilinear(Numerics.ToDouble(x), shape, oh, ow, alignCorners);
        Numerics.AssertClose(output.ToArray(), expected, 1e-5, $"bilinear {shape} → {oh}×{ow}");
    }

    [Test]
    public void ScaleFactorMapsIndicesWithItsInverse()
    {
        // F.interpolate(x, scale_factor=0.5) on 15×13 gives 7×6 but maps indices by 2, not 15/7.
        var shape = new Shape4(1, 2, 15, 13);
        var x = Numerics.Random((int)shape.Length, 12);
        using var input = Device.Upload(x, shape);
        using var output = Device.Allocate(1, 2, 7, 6);
        Resize.Bilinear(input, output, alignCorners: false, scaleFactorY: 0.5, scaleFactorX: 0.5);
        var expected = DfwReference.Bilinear(Numerics.ToDouble(x), shape, 7, 6, false, 0.5, 0.5);
        Numerics.AssertClose(output.ToArray(), expected, 1e-5, "bilinear scale_factor 0.5");
        var bySize = DfwReference.Bilinear(Numerics.ToDouble(x), shape, 7, 6, false);
        Assert.That(Numerics.RelativeError(output.ToArray(), bySize), Is.GreaterThan(1e-3),
            "the scale_factor mapping must differ from the size mapping on odd sizes");
    }

    [Test]
    public void ValueScaleMultipliesTheResult()
    {
        var shape = new Shape4(1, 2, 8, 8);
        var x = Numerics.Random((int)shape.Length, 13);
        using var input = Device.Upload(x, shape);
        using var output = Device.Allocate(1, 2, 4, 4);
        Resize.Bilinear(input, output, alignCorners: false, valueScale: 0.5f);
        var expected = DfwReference.Bilinear(Numerics.ToDouble(x), shape, 4, 4, false, valueScale: 0.5);
        Numerics.AssertClose(output.ToArray(), expected, 1e-6, "bilinear ÷2 with value scale");
    }

    [TestCase(1, 3, 5, 7, 10, 14, false)]
    [TestCase(2, 2, 8, 8, 16, 16, true)]
    [TestCase(1, 1, 9, 4, 17, 9, true)]
    public void ExpandAddAndItsCompositeMatchReference(int n, int c, int h, int w, int oh, int ow, bool composite)
    {
        var coarseShape = new Shape4(n, c, h, w);
        var shape = new Shape4(n, c, oh, ow);
        var coarse = Numerics.Random((int)coarseShape.Length, 3 + h);
        var band = Numerics.Random((int)shape.Length, 4 + h);
        var background = Numerics.Random((int)shape.Length, 5 + h);
        var rng = new Random(h);
        // A mask with exact 0s, exact 1s and fractions.
        var mask = Enumerable.Range(0, n * oh * ow).Select(_ => rng.Next(3) switch { 0 => 0f, 1 => 1f, _ => (float)rng.NextDouble() }).ToArray();
        using var tc = Device.Upload(coarse, coarseShape);
        using var tb = Device.Upload(band, shape);
        using var tbg = Device.Upload(background, shape);
        using var tm = Device.Upload(mask, new Shape4(n, 1, oh, ow));
        using var output = Device.Allocate(shape);
        if (composite) Resize.ExpandAdd(tc, tb, output, tm, tbg);
        else Resize.ExpandAdd(tc, tb, output);
        var up = DfwReference.Bilinear(Numerics.ToDouble(coarse), coarseShape, oh, ow, false);
        int plane = oh * ow;
        var expected = new double[shape.Length];
        for (int i = 0; i < expected.Length; i++)
        {
            double v = up[i] + band[i];
            double m = mask[i / (c * plane) * plane + i % plane];
            expected[i] = composite ? m * v + (1 - m) * background[i] : v;
        }
        var actual = output.ToArray();
        Numerics.AssertClose(actual, expected, 1e-5, $"expand {coarseShape} -> {shape}{(composite ? " + composite" : "")}");
        if (!composite) return;
        for (int i = 0; i < actual.Length; i++)
            if (mask[i / (c * plane) * plane + i % plane] == 0f)
                Assert.That(actual[i], Is.EqualTo(background[i]), $"element {i}: where the mask is 0 the output is the background exactly");
    }

    [Test]
    public void MismatchedChannelsAreAClearError()
    {
        using var input = Device.Allocate(1, 2, 4, 4);
        using var output = Device.Allocate(1, 3, 8, 8);
        var e = Assert.Throws<ArgumentException>(() => Resize.Bilinear(input, output, false));
        Assert.That(e!.Message, Does.Contain("1×2×4×4").And.Contain("1×3×8×8"));
    }
}
