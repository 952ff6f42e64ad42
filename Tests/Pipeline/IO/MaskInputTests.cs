using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using NUnit.Framework;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Tests.Pipeline.IO;

public class MaskInputTests : IoTestBase
{
    [Test]
    public void WhiteIsAnimatedAndValuesAreBinary()
    {
        // Left half white, right half black; shrunk 16 -> 4: the left two columns are animated.
        using var image = IoTestFiles.Make(16, 16, (x, _) => x < 8 ? new Rgb24(255, 255, 255) : new Rgb24(0, 0, 0));
        string path = files.SavePng("half.png", image);
        float[] mask = MaskInput.Load(path, 4, 4);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
                Assert.That(mask[y * 4 + x], Is.EqualTo(x < 2 ? 1f : 0f), $"({x}, {y})");
    }

    [Test]
    public void ThresholdIsAtHalf()
    {
        // Grey levels either side of 127.5: 127 is static, 128 animated.
        Rgb24[] greys = [new(127, 127, 127), new(128, 128, 128), new(30, 30, 30), new(250, 250, 250)];
        using var image = IoTestFiles.Make(2, 2, (x, y) => greys[y * 2 + x]);
        string path = files.SavePng("greys.png", image);
        Assert.That(MaskInput.Load(path, 2, 2), Is.EqualTo(new[] { 0f, 1f, 0f, 1f }));
    }

    [Test]
    public void ResizeThenThresholdFollowsTheArea()
    {
        // A 2x2 block of a 8x8 mask is a quarter of one output pixel of a 2x2 result: under half -> static;
        // a 4x4 block fills the output pixel -> animated. Nearest sampling could pick either.
        using var image = IoTestFiles.Make(8, 8, (x, y) => (x < 4 && y < 4) || (x >= 4 && y >= 6 && x < 6) ? new Rgb24(255, 255, 255) : new Rgb24(0, 0, 0));
        string path = files.SavePng("blocks.png", image);
        Assert.That(MaskInput.Load(path, 2, 2), Is.EqualTo(new[] { 1f, 0f, 0f, 0f }));
    }

    [Test]
    public void NonSquareMaskIsCentreCroppedLikeThePhoto()
    {
        // 6x2 mask, white only in columns 2..3 (the centre square): after the crop everything is animated.
        using var image = IoTestFiles.Make(6, 2, (x, _) => x is 2 or 3 ? new Rgb24(255, 255, 255) : new Rgb24(0, 0, 0));
        string path = files.SavePng("wide.png", image);
        Assert.That(MaskInput.Load(path, 2, 2), Is.EqualTo(new[] { 1f, 1f, 1f, 1f }));
    }

    [Test]
    public void MaskThatIsNotAnImageIsRefused()
    {
        string path = files.SaveBytes("mask.png", "white = animated, honestly\n"u8.ToArray());
        var e = Assert.Throws<MediaFileException>(() => MaskInput.Load(path, 4, 4))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.StartWith($"Mask '{path}': "));
        Assert.That(e.Message, Does.Contain("not an image"));
        Assert.That(e.Message, Does.Not.Contain('\n'));
    }

    [Test]
    public void MissingMaskIsRefused()
    {
        string path = files.PathOf("absent_mask.png");
        var e = Assert.Throws<MediaFileException>(() => MaskInput.Load(path))!;
        Assert.That(e.Message, Is.EqualTo($"Mask '{path}': file not found."));
    }

    [Test]
    public void SampleMaskLoadsAtTheMotionResolution()
    {
        string sample = Path.Combine(TestContext.CurrentContext.TestDirectory, "..", "..", "..", "..", "samples", "0002268", "0002268_mask.png");
        if (!File.Exists(sample)) Assert.Ignore("samples/0002268 is not beside the test project");
        float[] mask = MaskInput.Load(sample);
        Assert.That(mask, Has.Length.EqualTo(512 * 512));
        Assert.That(mask.All(v => v is 0f or 1f), Is.True);
        double animated = mask.Average();
        TestContext.Out.WriteLine($"animated fraction {animated:F3}");
        Assert.That(animated, Is.InRange(0.05, 0.95), "sky and sea, not everything and not nothing");
    }
}
