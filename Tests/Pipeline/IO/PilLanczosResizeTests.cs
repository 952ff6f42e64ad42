using CineKernel.Pipeline.IO;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline.IO;

/// <summary>
/// PIL's LANCZOS on one plane; the feathered mask's parity with the original (SoftMaskParityTests) covers
/// shrinking, these the other paths and the refusals.
/// </summary>
public class PilLanczosResizeTests
{
    [TestCase(8, 5, 3, 17)]
    [TestCase(3, 3, 12, 7)]
    [TestCase(16, 1, 16, 4)]
    public void ConstantPlaneStaysConstant(int width, int height, int outWidth, int outHeight)
    {
        // The weights are normalised to sum 1 before rounding, so a flat grey survives any scale exactly.
        var plane = Enumerable.Repeat((byte)102, width * height).ToArray();
        var result = PilLanczosResize.Resize(plane, width, height, outWidth, outHeight);
        Assert.That(result, Has.Length.EqualTo(outWidth * outHeight));
        Assert.That(result, Is.All.EqualTo((byte)102));
    }

    [Test]
    public void SameSizeIsACopy()
    {
        byte[] plane = [0, 1, 128, 255, 7, 9];
        var result = PilLanczosResize.Resize(plane, 3, 2, 3, 2);
        Assert.That(result, Is.EqualTo(plane));
        Assert.That(result, Is.Not.SameAs(plane));
    }

    [Test]
    public void OvershootIsClampedToTheByteRange()
    {
        // A hard 0 → 255 step doubled: Lanczos rings below 0 and above 255 next to the edge; PIL clamps.
        byte[] plane = [0, 0, 0, 0, 255, 255, 255, 255];
        var result = PilLanczosResize.Resize(plane, 8, 1, 16, 1);
        Assert.That(result[0], Is.EqualTo(0));
        Assert.That(result[^1], Is.EqualTo(255));
        Assert.That(result[7], Is.GreaterThan(0).And.LessThan(255), "the edge is soft");
    }

    [Test]
    public void BadSizesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => PilLanczosResize.Resize(new byte[6], 3, 2, 0, 2));
        var e = Assert.Throws<ArgumentException>(() => PilLanczosResize.Resize(new byte[5], 3, 2, 4, 4))!;
        Assert.That(e.Message, Does.Contain("a 3x2 plane needs 6 bytes, got 5"));
    }
}
