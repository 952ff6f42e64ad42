using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

/// <summary>The kept-window variant of <see cref="JointSplat.Accumulate(SplatSource, SplatSource, Tensor, Window?, MovingPixels?, int?)"/>.</summary>
public class JointSplatWindowTests
{
    [Test]
    public void KeptWindowMatchesTheFullSplatInsideAndIsZeroOutside()
    {
        var device = TestDevice.Instance;
        var shape = new Shape4(1, 3, 13, 17);
        using var values = device.Upload(Numerics.Random((int)shape.Length, 1, 1f), shape);
        using var forward = device.Upload(Numerics.Random(2 * 13 * 17, 2, 3f), shape with { C = 2 });
        using var backward = device.Upload(Numerics.Random(2 * 13 * 17, 3, 3f), shape with { C = 2 });
        using var full = device.Allocate(JointSplat.AccumulatorShape(shape));
        using var kept = device.Allocate(JointSplat.AccumulatorShape(shape));
        var f = new SplatSource(values, forward, null, 0.6f);
        var b = new SplatSource(values, backward, null, 0.4f);
        var window = new Window(2, 5, 7, 9);
        JointSplat.Accumulate(f, b, full);
        JointSplat.Accumulate(f, b, kept, window);
        var fullData = full.ToArray();
        var keptData = kept.ToArray();
        var expected = new double[keptData.Length];
        for (int i = 0; i < expected.Length; i++)
        {
            int pixel = i / kept.C; // the accumulator keeps each pixel's sums together (JointSplat.AccumulatorShape)
            int x = pixel % 17, y = pixel / 17 % 13;
            bool inside = y >= window.Top && y < window.Top + window.Height && x >= window.Left && x < window.Left + window.Width;
            expected[i] = inside ? fullData[i] : 0.0;
        }
        Assert.That(expected.Count(v => v != 0), Is.GreaterThan(100), "the window receives splats");
        Numerics.AssertClose(keptData, expected, 1e-6, "kept-window accumulator");
        Assert.Throws<ArgumentException>(() => JointSplat.Accumulate(f, b, kept, new Window(10, 0, 5, 5)));
    }
}
