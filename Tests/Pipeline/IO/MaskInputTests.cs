using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Tests.Pipeline.IO;

public class MaskInputTests : IoTestBase
{
    [Test]
    public void GreyLevelsOfTheRedChannelAreKeptAsSoftWeights()
    {
        // No resize (2x2 to 2x2): each weight is the red channel / 255, green and blue ignored, nothing thresholded.
        Rgb24[] pixels = [new(127, 255, 255), new(128, 0, 0), new(102, 7, 250), new(250, 0, 3)];
        using var image = IoTestFiles.Make(2, 2, (x, y) => pixels[y * 2 + x]);
        string path = files.SavePng("greys.png", image);
        var reading = MaskInput.Load(path, 2, 2);
        Assert.That(reading.Mask.Values.ToArray(), Is.EqualTo(new[] { 127 / 255f, 128 / 255f, 0.4f, 250 / 255f }));
        Assert.That(reading.ReadAsLabels, Is.False);
        Assert.That(reading.Note, Is.Null);
    }

    [Test]
    public void FortyPercentGreyRegionStaysFortyPercentAfterResizing()
    {
        // A 40% grey square (102) inside black, shrunk 64 -> 16 by PIL's Lanczos: its interior is 0.4, not 0 or 1.
        using var image = IoTestFiles.Make(64, 64, (x, y) => x is >= 16 and < 48 && y is >= 16 and < 48 ? new Rgb24(102, 102, 102) : new Rgb24(0, 0, 0));
        string path = files.SavePng("lake.png", image);
        var mask = MaskInput.Load(path, 16, 16).Mask.Values.ToArray();
        for (int y = 6; y < 10; y++)
            for (int x = 6; x < 10; x++)
                Assert.That(mask[y * 16 + x], Is.EqualTo(0.4f), $"({x}, {y})");
        Assert.That(mask[0], Is.EqualTo(0f), "the black border stays static");
        Assert.That(mask.Distinct().Count(), Is.GreaterThan(3), "the edge is soft: Lanczos leaves intermediate levels");
    }

    [Test]
    public void TransparentMeansStatic()
    {
        // White everywhere; alpha 0 in column 0, 128 in column 1, 255 in column 2: static, half, animated.
        byte[] alpha = [0, 128, 255];
        using var image = new Image<Rgba32>(3, 3);
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 3; x++)
                image[x, y] = new Rgba32(255, 255, 255, alpha[x]);
        string path = files.PathOf("alpha.png");
        image.SaveAsPng(path);
        var reading = MaskInput.Load(path, 3, 3);
        for (int y = 0; y < 3; y++)
            Assert.That(reading.Mask.Values.Slice(3 * y, 3).ToArray(), Is.EqualTo(new[] { 0f, 128 / 255f, 1f }), $"row {y}");
        Assert.That(reading.ReadAsLabels, Is.False);
    }

    [Test]
    public void ZeroOneLabelImageIsReadAsLabelsWithANote()
    {
        // A label image saved as 0/1 (looks black): 1 is animated, and the reading says so.
        using var image = IoTestFiles.Make(2, 2, (x, _) => x == 0 ? new Rgb24(1, 1, 1) : new Rgb24(0, 0, 0));
        string path = files.SavePng("labels.png", image);
        var reading = MaskInput.Load(path, 2, 2);
        Assert.That(reading.Mask.Values.ToArray(), Is.EqualTo(new[] { 1f, 0f, 1f, 0f }));
        Assert.That(reading.ReadAsLabels, Is.True);
        Assert.That(reading.Note, Does.StartWith($"mask '{path}': its largest value is 1").And.Contain("label image"));

        // Largest value 2: grey levels, not labels (2/255 moves very little).
        using var dark = IoTestFiles.Make(2, 2, (x, _) => x == 0 ? new Rgb24(2, 2, 2) : new Rgb24(0, 0, 0));
        var grey = MaskInput.Load(files.SavePng("dark.png", dark), 2, 2);
        Assert.That(grey.ReadAsLabels, Is.False);
        Assert.That(grey.Mask.Values[0], Is.EqualTo(2 / 255f));
    }

    [Test]
    public void NonSquareMaskIsCentreCroppedLikeThePhoto()
    {
        // 6x2 mask, white only in columns 2..3 (the centre square): after the crop everything is animated.
        using var image = IoTestFiles.Make(6, 2, (x, _) => x is 2 or 3 ? new Rgb24(255, 255, 255) : new Rgb24(0, 0, 0));
        string path = files.SavePng("wide.png", image);
        Assert.That(MaskInput.Load(path, 2, 2).Mask.Values.ToArray(), Is.EqualTo(new[] { 1f, 1f, 1f, 1f }));
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
        float[] mask = MaskInput.Load(sample).Mask.Values.ToArray();
        Assert.That(mask, Has.Length.EqualTo(512 * 512));
        Assert.That(mask, Is.All.InRange(0f, 1f));
        double animated = mask.Average();
        TestContext.Out.WriteLine($"animated fraction {animated:F3}");
        Assert.That(animated, Is.InRange(0.05, 0.95), "sky and sea, not everything and not nothing");
    }
}
