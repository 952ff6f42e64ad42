using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class HoleFillTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    [TestCase(1, 3, 9, 13)]
    [TestCase(2, 1, 5, 4)]
    [TestCase(1, 2, 2, 7)]
    public void MatchesReference(int n, int c, int h, int w)
    {
        var shape = new Shape4(n, c, h, w);
        var feature = Numerics.Random((int)shape.Length, 80 + h);
        // Holes at random, and always at the corners, where the 7×7 window reads zero padding.
        var rng = new Random(81);
        var ones = new float[n * h * w];
        for (int i = 0; i < ones.Length; i++) ones[i] = rng.NextDouble() < 0.3 ? 0f : (float)(0.5 + rng.NextDouble());
        for (int b = 0; b < n; b++)
        {
            ones[b * h * w] = 0f;
            ones[b * h * w + h * w - 1] = 0f;
        }
        using var tf = Device.Upload(feature, shape);
        using var to = Device.Upload(ones, shape with { C = 1 });
        using var output = Device.Allocate(shape);
        HoleFill.Apply(tf, to, output);
        var expected = DfwReference.HoleFill(Numerics.ToDouble(feature), Numerics.ToDouble(ones), shape);
        Numerics.AssertClose(output.ToArray(), expected, 1e-5, $"hole fill {shape}");
    }

    [Test]
    public void NoHolesIsACopy()
    {
        var shape = new Shape4(1, 2, 6, 5);
        var feature = Numerics.Random((int)shape.Length, 82);
        using var tf = Device.Upload(feature, shape);
        using var ones = Device.Allocate(shape with { C = 1 });
        ones.Fill(1f);
        using var output = Device.Allocate(shape);
        HoleFill.Apply(tf, ones, output);
        Assert.That(output.ToArray(), Is.EqualTo(feature));
    }

    [Test]
    public void MismatchedMaskIsAClearError()
    {
        using var feature = Device.Allocate(1, 2, 4, 4);
        using var ones = Device.Allocate(1, 2, 4, 4);
        using var output = Device.Allocate(1, 2, 4, 4);
        var e = Assert.Throws<ArgumentException>(() => HoleFill.Apply(feature, ones, output));
        Assert.That(e!.Message, Does.Contain("ones map 1×2×4×4"));
    }
}
