using CineKernel.Pipeline.IO;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Tests.Pipeline.IO;

public class ImageInputTests : IoTestBase
{
    /// <summary>The message is one line, names the file and says what is wrong.</summary>
    private static void AssertMessage(MediaFileException e, string path, params string[] fragments)
    {
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.Not.Contain('\n'), "one line");
        Assert.That(e.Message, Does.Contain($"'{path}'"), "names the file");
        Assert.That(e.FilePath, Is.EqualTo(path));
        foreach (string fragment in fragments) Assert.That(e.Message, Does.Contain(fragment));
    }

    [Test]
    public void MissingFileIsRefused()
    {
        string path = files.PathOf("nowhere.png");
        var e = Assert.Throws<MediaFileException>(() => ImageInput.Load(path, 8))!;
        AssertMessage(e, path, "Input image", "file not found");
    }

    [Test]
    public void DirectoryIsRefused()
    {
        var e = Assert.Throws<MediaFileException>(() => ImageInput.Load(files.Directory, 8))!;
        AssertMessage(e, files.Directory, "is a directory");
    }

    [Test]
    public void TextFileIsNotAnImage()
    {
        string path = files.SaveBytes("notes.png", "just some text, not pixels\n"u8.ToArray());
        var e = Assert.Throws<MediaFileException>(() => ImageInput.Load(path, 8))!;
        AssertMessage(e, path, "not an image");
    }

    [Test]
    public void EmptyFileIsNotAnImage()
    {
        string path = files.SaveBytes("empty.jpg", []);
        var e = Assert.Throws<MediaFileException>(() => ImageInput.Load(path, 8))!;
        AssertMessage(e, path, "empty");
    }

    [Test]
    public void TruncatedPngIsRefusedNotHalfBlack()
    {
        using var noise = IoTestFiles.Noise(300, 200, seed: 1);
        string whole = files.SavePng("whole.png", noise);
        string cut = files.Truncated(whole, "cut.png", 0.9);
        // Why the container check exists: ImageSharp 2.1 itself decodes this file, with black last rows.
        using (var silent = Image.Load<Rgb24>(cut))
            Assert.That(silent[299, 199], Is.EqualTo(new Rgb24(0, 0, 0)), "ImageSharp fills the missing rows with black");

        var e = Assert.Throws<MediaFileException>(() => ImageInput.Load(cut, 64))!;
        AssertMessage(e, cut, "ends inside chunk IDAT", "truncated");
        Assert.DoesNotThrow(() => ImageInput.Load(whole, 64), "the complete file loads");
    }

    [Test]
    public void PngCutBetweenChunksIsRefused()
    {
        using var image = IoTestFiles.Make(16, 16, IoTestFiles.Distinct);
        string whole = files.SavePng("whole.png", image);
        byte[] bytes = File.ReadAllBytes(whole);
        string cut = files.SaveBytes("no-iend.png", bytes[..^12]); // drop exactly the IEND chunk
        var e = Assert.Throws<MediaFileException>(() => ImageInput.Load(cut, 16))!;
        AssertMessage(e, cut, "before the IEND chunk");
    }

    [Test]
    public void TruncatedJpegIsRefused()
    {
        using var noise = IoTestFiles.Noise(160, 120, seed: 2);
        string whole = files.SaveJpeg("whole.jpg", noise);
        string cut = files.Truncated(whole, "cut.jpg", 0.7);
        // ImageSharp 2.1 decodes this without complaint (the rest of the image comes out flat).
        Assert.DoesNotThrow(() => Image.Load<Rgb24>(cut).Dispose(), "ImageSharp alone would accept it");

        var e = Assert.Throws<MediaFileException>(() => ImageInput.Load(cut, 32))!;
        AssertMessage(e, cut, "end-of-image marker", "truncated");
        Assert.DoesNotThrow(() => ImageInput.Load(whole, 32), "the complete file loads");
    }

    [Test]
    public void JpegCutInsideHeaderSegmentIsRefused()
    {
        using var image = IoTestFiles.Make(16, 16, IoTestFiles.Distinct);
        string whole = files.SaveJpeg("whole.jpg", image);
        string cut = files.SaveBytes("header.jpg", File.ReadAllBytes(whole)[..40]);
        var e = Assert.Throws<MediaFileException>(() => ImageInput.Load(cut, 16))!;
        AssertMessage(e, cut);
    }

    [Test]
    public void CorruptPngDataIsRefused()
    {
        using var noise = IoTestFiles.Noise(64, 64, seed: 3);
        string whole = files.SavePng("whole.png", noise);
        byte[] bytes = File.ReadAllBytes(whole);
        bytes[bytes.Length / 2] ^= 0x55; // inside IDAT: the chunk's CRC no longer matches
        string bad = files.SaveBytes("flipped.png", bytes);
        var e = Assert.Throws<MediaFileException>(() => ImageInput.Load(bad, 64))!;
        AssertMessage(e, bad, "corrupt", "CRC");
    }

    [Test]
    public void HugeHeaderIsRefusedBeforeDecoding()
    {
        // Signature + IHDR claiming 9000x9000 and nothing more. If the loader looked past the header
        // (container check, decode) it would report a truncated file or a missing data chunk instead.
        string path = files.SaveBytes("huge.png", IoTestFiles.PngHeaderOnly(9000, 9000));
        var e = Assert.Throws<MediaFileException>(() => ImageInput.Identify(path))!;
        AssertMessage(e, path, "9000x9000", "8192");
        e = Assert.Throws<MediaFileException>(() => ImageInput.Load(path, 16))!;
        AssertMessage(e, path, "9000x9000", "limit of 8192 pixels a side");
    }

    [Test]
    public void HeaderAtTheLimitIsIdentified()
    {
        string path = files.SaveBytes("wide.png", IoTestFiles.PngHeaderOnly(8192, 3));
        Assert.That(ImageInput.Identify(path), Is.EqualTo((8192, 3, "PNG")));
        var e = Assert.Throws<MediaFileException>(() => ImageInput.Load(path, 16))!;
        AssertMessage(e, path, "truncated"); // the header passes; the missing data is then caught
    }

    [Test]
    public void WideImageIsCentreCroppedExactly()
    {
        // 7x4: (7 - 4) / 2 = 1, so columns 1..4 survive, as the original's crop_image keeps x[:, 1:5].
        using var image = IoTestFiles.Make(7, 4, IoTestFiles.Distinct);
        string path = files.SavePng("wide.png", image);
        InputImage loaded = ImageInput.Load(path, size: 4);
        Assert.That(loaded.WasCropped, Is.True);
        Assert.That(loaded.Crop, Is.EqualTo(new SquareCrop(7, 4, 1, 0, 4)));
        Assert.That(loaded.Crop.Describe(), Is.EqualTo("centre-cropped 7x4 to 4x4 (columns 1..4 kept)"));
        Assert.That(loaded.Format, Is.EqualTo("PNG"));
        AssertPixels(loaded.Pixels, (x, y) => IoTestFiles.Distinct(x + 1, y));
    }

    [Test]
    public void TallImageIsCentreCroppedExactly()
    {
        // 3x8: (8 - 3) / 2 = 2 (rounded down), rows 2..4.
        using var image = IoTestFiles.Make(3, 8, IoTestFiles.Distinct);
        string path = files.SavePng("tall.png", image);
        InputImage loaded = ImageInput.Load(path, size: 3);
        Assert.That(loaded.Crop, Is.EqualTo(new SquareCrop(3, 8, 0, 2, 3)));
        Assert.That(loaded.Crop.Describe(), Is.EqualTo("centre-cropped 3x8 to 3x3 (rows 2..4 kept)"));
        AssertPixels(loaded.Pixels, (x, y) => IoTestFiles.Distinct(x, y + 2));
    }

    [Test]
    public void SquareImageIsNotCropped()
    {
        using var image = IoTestFiles.Make(5, 5, IoTestFiles.Distinct);
        string path = files.SavePng("square.png", image);
        InputImage loaded = ImageInput.Load(path, size: 5);
        Assert.That(loaded.WasCropped, Is.False);
        Assert.That(loaded.Crop.Describe(), Is.EqualTo("square 5x5, not cropped"));
        AssertPixels(loaded.Pixels, IoTestFiles.Distinct);
    }

    [Test]
    public void ResizeKeepsFlatColoursAndRange()
    {
        // Lanczos-3 weights sum to one: a flat image stays flat at any size, up or down.
        using var image = IoTestFiles.Make(12, 9, (_, _) => new Rgb24(200, 30, 90));
        string path = files.SavePng("flat.png", image);
        foreach (int size in new[] { 4, 9, 20 })
        {
            RgbPlanes p = ImageInput.Load(path, size).Pixels;
            Assert.That((p.Width, p.Height), Is.EqualTo((size, size)));
            AssertPixels(p, (_, _) => new Rgb24(200, 30, 90));
        }
    }

    [Test]
    public void ResizeUsesLanczosRingingOnAnEdge()
    {
        // A hard edge downscaled by Lanczos-3 overshoots a little next to the edge (its negative lobes);
        // a bilinear or box filter never would. Values stay within [0, 1] after 8-bit rounding.
        using var image = IoTestFiles.Make(32, 32, (x, _) => x < 16 ? new Rgb24(60, 60, 60) : new Rgb24(190, 190, 190));
        string path = files.SavePng("edge.png", image);
        RgbPlanes p = ImageInput.Load(path, 16).Pixels;
        float[] row = Enumerable.Range(0, 16).Select(x => p.Data[5 * 16 + x] * 255f).ToArray();
        TestContext.Out.WriteLine(string.Join(" ", row.Select(v => v.ToString("F0"))));
        Assert.That(row.Min(), Is.LessThan(60f), "undershoot on the dark side");
        Assert.That(row.Max(), Is.GreaterThan(190f), "overshoot on the bright side");
        Assert.That(p.Data.All(v => v is >= 0f and <= 1f), Is.True);
    }

    [Test]
    public void SignedPlanesMatchTheOriginalNormalisation()
    {
        using var image = IoTestFiles.Make(16, 16, (x, y) => new Rgb24((byte)(y * 16 + x), (byte)(255 - y * 16 - x), 0));
        string path = files.SavePng("ramp.png", image);
        RgbPlanes p = ImageInput.Load(path, 16).Pixels;
        float[] signed = p.ToSigned();
        for (int i = 0; i < 256; i++)
        {
            Assert.That(signed[i], Is.EqualTo(i / 127.5f - 1f), "R: x / 127.5 - 1, bit for bit");
            Assert.That(signed[256 + i], Is.EqualTo((255 - i) / 127.5f - 1f), "G");
        }
    }

    [Test]
    public void JpegLoads()
    {
        using var image = IoTestFiles.Make(24, 24, (_, _) => new Rgb24(120, 130, 140));
        string path = files.SaveJpeg("flat.jpg", image);
        InputImage loaded = ImageInput.Load(path, 8);
        Assert.That(loaded.Format, Is.EqualTo("JPEG"));
        Assert.That(loaded.Pixels.Data[0] * 255f, Is.EqualTo(120f).Within(3f));
    }

    private static void AssertPixels(RgbPlanes planes, Func<int, int, Rgb24> expected)
    {
        int n = planes.PlaneLength;
        for (int y = 0; y < planes.Height; y++)
            for (int x = 0; x < planes.Width; x++)
            {
                Rgb24 e = expected(x, y);
                int i = y * planes.Width + x;
                var actual = new Rgb24(
                    (byte)MathF.Round(planes.Data[i] * 255f),
                    (byte)MathF.Round(planes.Data[n + i] * 255f),
                    (byte)MathF.Round(planes.Data[2 * n + i] * 255f));
                Assert.That(actual, Is.EqualTo(e), $"pixel ({x}, {y})");
            }
    }
}
