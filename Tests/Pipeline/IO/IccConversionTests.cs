using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using CineKernel.Pipeline.IO;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Icc;
using SixLabors.ImageSharp.PixelFormats;
using SkiaSharp;

namespace CineKernel.Tests.Pipeline.IO;

/// <summary>
/// Photos with an embedded ICC profile are converted to sRGB on load (<see cref="IccConversion"/>, through
/// <see cref="ImageFileReader.Read(string, string, int)"/>), checked against an independent float64 computation
/// of the colour maths (the profile's primaries → XYZ D50 (Bradford) → sRGB, with the transfer functions) within
/// ±1 level; sRGB-tagged and untagged photos are unchanged bit for bit; a profile that cannot be converted leaves
/// the pixels as decoded with one warning; transparency is composited over black with a note. Every test image
/// and profile is made here.
/// </summary>
public class IccConversionTests : IoTestBase
{
    // CIE xy chromaticities (R, G, B, white).
    private static readonly double[] SrgbPrimaries = [0.64, 0.33, 0.30, 0.60, 0.15, 0.06, 0.3127, 0.3290];
    private static readonly double[] P3Primaries = [0.680, 0.320, 0.265, 0.690, 0.150, 0.060, 0.3127, 0.3290];
    private static readonly double[] AdobePrimaries = [0.64, 0.33, 0.21, 0.71, 0.15, 0.06, 0.3127, 0.3290];
    private const double AdobeGamma = 563.0 / 256.0;

    /// <summary>Saturated colours (a sunset's reds and oranges, pure primaries) and mid-tones, then noise.</summary>
    private static Image<Rgb24> TestPhoto(int width, int height)
    {
        Rgb24[] fixedColours = [new(255, 0, 0), new(0, 255, 0), new(0, 0, 255), new(255, 90, 20), new(230, 60, 40), new(128, 128, 128), new(0, 0, 0), new(255, 255, 255), new(20, 200, 240)];
        var noise = IoTestFiles.Noise(width, height, seed: 11);
        for (int i = 0; i < fixedColours.Length; i++) noise[i % width, i / width] = fixedColours[i];
        return noise;
    }

    [Test]
    public void DisplayP3PngIsConvertedToSrgb()
    {
        using var photo = TestPhoto(37, 23);
        byte[] profile = SkiaProfile(SKColorSpace.CreateRgb(SKColorSpaceTransferFn.Srgb, SKColorSpaceXyz.DisplayP3));
        string path = files.SaveBytes("p3.png", WithIccp(Png(photo), profile));

        var (image, header) = ImageFileReader.Read(path, "Input image", ImageInput.MaxSide);
        using (image)
            AssertConverted(photo, image, P3Primaries, SrgbDecode);
        Assert.That(header.Warnings, Is.Empty);
        Assert.That(header.Notes, Has.Count.EqualTo(1));
        Assert.That(header.Notes[0], Does.Contain("converted from its embedded ICC profile").And.Contain("to sRGB"));
        // The point: a saturated sunset orange read as sRGB is far off (here P3 (255, 90, 20) is sRGB (≈255, ≈72, 0)).
        using (var again = Image.Load<Rgb24>(path))
        {
            var (converted, _) = ImageFileReader.Read(path, "Input image", ImageInput.MaxSide);
            using (converted)
            {
                TestContext.Out.WriteLine($"P3 {again[3, 0]} → sRGB {converted[3, 0]}");
                Assert.That(Math.Abs(converted[3, 0].G - again[3, 0].G) + Math.Abs(converted[3, 0].B - again[3, 0].B), Is.GreaterThanOrEqualTo(30));
            }
        }
    }

    [Test]
    public void AdobeRgbProfileBuiltByHandIsConvertedToSrgb()
    {
        using var photo = TestPhoto(19, 31);
        byte[] profile = MatrixTrcProfile(AdobePrimaries, Curv([(ushort)Math.Round(AdobeGamma * 256)]), "Adobe RGB (1998) test");
        string path = files.SaveBytes("adobe.png", WithIccp(Png(photo), profile));

        var (image, header) = ImageFileReader.Read(path, "Input image", ImageInput.MaxSide);
        using (image)
            AssertConverted(photo, image, AdobePrimaries, v => Math.Pow(v, AdobeGamma));
        Assert.That(header.Notes.Single(), Does.Contain("'Adobe RGB (1998) test'"));
    }

    [Test]
    public void DisplayP3JpegIsConvertedFromItsDecodedPixels()
    {
        // JPEG carries the profile in APP2, which ImageSharp reads (and writes) itself.
        using var photo = TestPhoto(40, 24);
        photo.Metadata.IccProfile = new IccProfile(SkiaProfile(SKColorSpace.CreateRgb(SKColorSpaceTransferFn.Srgb, SKColorSpaceXyz.DisplayP3)));
        string path = files.SaveJpeg("p3.jpg", photo);
        using var decoded = Image.Load<Rgb24>(path);

        var (image, header) = ImageFileReader.Read(path, "Input image", ImageInput.MaxSide);
        using (image)
            AssertConverted(decoded, image, P3Primaries, SrgbDecode);
        Assert.That(header.Notes, Has.Count.EqualTo(1));
    }

    private static IEnumerable<TestCaseData> Unchanged()
    {
        yield return new TestCaseData("png", null).SetName("Untagged PNG");
        yield return new TestCaseData("jpg", null).SetName("Untagged JPEG");
        yield return new TestCaseData("png", "srgb").SetName("sRGB-tagged PNG");
        yield return new TestCaseData("jpg", "srgb").SetName("sRGB-tagged JPEG");
    }

    [TestCaseSource(nameof(Unchanged))]
    public void SrgbAndUntaggedPhotosAreUnchangedBitForBit(string extension, string? tag)
    {
        using var photo = TestPhoto(33, 17);
        byte[]? profile = tag is null ? null : MatrixTrcProfile(SrgbPrimaries, SrgbPara(), "sRGB built by hand");
        string path;
        if (extension == "png")
            path = files.SaveBytes("photo.png", profile is null ? Png(photo) : WithIccp(Png(photo), profile));
        else
        {
            if (profile is not null) photo.Metadata.IccProfile = new IccProfile(profile);
            path = files.SaveJpeg("photo.jpg", photo);
        }
        using var expected = Image.Load<Rgb24>(path);
        var (image, header) = ImageFileReader.Read(path, "Input image", ImageInput.MaxSide);
        using (image)
            AssertSame(expected, image);
        Assert.That(header.Notes, Is.Empty);
        Assert.That(header.Warnings, Is.Empty);
    }

    private static IEnumerable<TestCaseData> Unconvertible()
    {
        // A 256-entry table TRC that is not sRGB's (as some camera and scanner profiles have): Skia models no tables.
        var table = Enumerable.Range(0, 256).Select(i => (ushort)Math.Round(65535 * Math.Pow(i / 255.0, 1.8))).ToArray();
        yield return new TestCaseData(MatrixTrcProfile(P3Primaries, Curv(table), "Table TRC"), "RGB").SetName("RGB profile with a table TRC");
        yield return new TestCaseData(Retyped(MatrixTrcProfile(SrgbPrimaries, SrgbPara(), "Some CMYK"), "CMYK"), "CMYK").SetName("CMYK profile");
        yield return new TestCaseData(Retyped(MatrixTrcProfile(SrgbPrimaries, SrgbPara(), "Some gray"), "GRAY"), "GRAY").SetName("Gray profile");
        yield return new TestCaseData(new byte[200], "").SetName("Garbage profile");
    }

    [TestCaseSource(nameof(Unconvertible))]
    public void AProfileThatCannotBeConvertedIsWarnedAndThePixelsKept(byte[] profile, string space)
    {
        using var photo = TestPhoto(21, 13);
        string path = files.SaveBytes("odd.png", WithIccp(Png(photo), profile));
        var (image, header) = ImageFileReader.Read(path, "Input image", ImageInput.MaxSide);
        using (image)
            AssertSame(photo, image);
        Assert.That(header.Notes, Is.Empty);
        Assert.That(header.Warnings, Has.Count.EqualTo(1));
        TestContext.Out.WriteLine(header.Warnings[0]);
        Assert.That(header.Warnings[0], Does.StartWith($"input image '{path}': its embedded {space}").And.Contain("cannot be converted to sRGB"));
        Assert.That(header.Warnings[0], Does.Not.Contain('\n'));
    }

    [Test]
    public void ABrokenIccpChunkIsWarnedAndThePixelsKept()
    {
        using var photo = TestPhoto(9, 7);
        var bytes = WithIccp(Png(photo), new byte[300]);
        // Replace the zlib stream's header with an impossible one (and fix the CRC): inflating fails.
        int chunk = 8 + 25, data = chunk + 8, name = "test profile".Length + 2;
        bytes[data + name] = 0xFF;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(chunk + 8 + BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(chunk))),
            IoTestFiles.Crc32(bytes.AsSpan(chunk + 4, 4 + BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(chunk)))));
        string path = files.SaveBytes("broken.png", bytes);
        var (image, header) = ImageFileReader.Read(path, "Input image", ImageInput.MaxSide);
        using (image)
            AssertSame(photo, image);
        Assert.That(header.Warnings.Single(), Does.Contain("its embedded ICC profile cannot be read"));
    }

    [Test]
    public void MasksAreNotColourConverted()
    {
        using var photo = TestPhoto(16, 16);
        string path = files.SaveBytes("mask.png", WithIccp(Png(photo), SkiaProfile(SKColorSpace.CreateRgb(SKColorSpaceTransferFn.Srgb, SKColorSpaceXyz.DisplayP3))));
        var (image, _) = ImageFileReader.ReadWithAlpha(path, "Mask", ImageInput.MaxSide);
        using (image)
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 16; x++)
                    Assert.That(image[x, y], Is.EqualTo(new Rgba32(photo[x, y].R, photo[x, y].G, photo[x, y].B, 255)));
    }

    [Test]
    public void TransparentPixelsAreCompositedOverBlackWithANote()
    {
        using var rgba = new Image<Rgba32>(23, 11);
        var random = new Random(5);
        for (int y = 0; y < rgba.Height; y++)
            for (int x = 0; x < rgba.Width; x++)
                rgba[x, y] = new Rgba32((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)(x == 0 ? 255 : x == 1 ? 0 : random.Next(256)));
        string path = PathOfPng("alpha.png", rgba);
        var (image, header) = ImageFileReader.Read(path, "Input image", ImageInput.MaxSide);
        using (image)
            for (int y = 0; y < rgba.Height; y++)
                for (int x = 0; x < rgba.Width; x++)
                {
                    var p = rgba[x, y];
                    double a = p.A / 255.0;
                    var expected = new Rgb24((byte)Math.Round(p.R * a), (byte)Math.Round(p.G * a), (byte)Math.Round(p.B * a));
                    Assert.That(image[x, y], Is.EqualTo(expected), $"pixel ({x}, {y}) alpha {p.A}");
                }
        Assert.That(ImageFileReader.PhotoBackground, Is.EqualTo(new Rgb24(0, 0, 0)));
        Assert.That(header.Notes.Single(), Does.Contain("not fully opaque").And.Contain("composited over black"));
    }

    [Test]
    public void TransparentP3PixelsAreConvertedThenComposited()
    {
        using var rgba = new Image<Rgba32>(13, 9);
        var random = new Random(8);
        for (int y = 0; y < rgba.Height; y++)
            for (int x = 0; x < rgba.Width; x++)
                rgba[x, y] = new Rgba32((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
        byte[] png = WithIccp(PngBytes(rgba), SkiaProfile(SKColorSpace.CreateRgb(SKColorSpaceTransferFn.Srgb, SKColorSpaceXyz.DisplayP3)));
        string path = files.SaveBytes("p3alpha.png", png);
        var (image, header) = ImageFileReader.Read(path, "Input image", ImageInput.MaxSide);
        using (image)
            for (int y = 0; y < rgba.Height; y++)
                for (int x = 0; x < rgba.Width; x++)
                {
                    var p = rgba[x, y];
                    var c = Reference(new Rgb24(p.R, p.G, p.B), P3Primaries, SrgbDecode);
                    // Converted to 8 bits first (±1), then composited: ±1 after scaling by alpha too.
                    for (int k = 0; k < 3; k++)
                        Assert.That(Channel(image[x, y], k), Is.EqualTo(c[k] * p.A / 255.0).Within(1.5), $"pixel ({x}, {y}) channel {k}");
                }
        Assert.That(header.Notes, Has.Count.EqualTo(2));
    }

    [Test]
    public void FullyOpaqueAlphaGivesNoNoteAndTheSamePixels()
    {
        using var photo = TestPhoto(15, 15);
        using var rgba = photo.CloneAs<Rgba32>();
        string path = PathOfPng("opaque.png", rgba);
        var (image, header) = ImageFileReader.Read(path, "Input image", ImageInput.MaxSide);
        using (image)
            AssertSame(photo, image);
        Assert.That(header.MayHaveAlpha, Is.True);
        Assert.That(header.Notes, Is.Empty);
    }

    [Test]
    public void InputImageCarriesTheNotesAndWarnings()
    {
        using var photo = TestPhoto(8, 8);
        string path = files.SaveBytes("cmyk.png", WithIccp(Png(photo), Retyped(MatrixTrcProfile(SrgbPrimaries, SrgbPara(), "x"), "CMYK")));
        var input = ImageInput.Load(path, 8);
        Assert.That(input.Warnings, Has.Count.EqualTo(1));
        Assert.That(input.Notes, Is.Empty);
    }

    // ---- the independent float64 reference ----

    private static double SrgbDecode(double v) => v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);

    private static double SrgbEncode(double v) => v <= 0.0031308 ? 12.92 * v : 1.055 * Math.Pow(v, 1 / 2.4) - 0.055;

    /// <summary>The colour in sRGB (0–255, unrounded, clipped): decode, primaries → XYZ (white) → Bradford to D50 → back → sRGB, encode.</summary>
    private static double[] Reference(Rgb24 c, double[] primaries, Func<double, double> decode)
    {
        double[] linear = [decode(c.R / 255.0), decode(c.G / 255.0), decode(c.B / 255.0)];
        double[,] toXyzD50 = Multiply(Bradford(White(primaries), D50), RgbToXyz(primaries));
        double[,] srgbToXyzD50 = Multiply(Bradford(White(SrgbPrimaries), D50), RgbToXyz(SrgbPrimaries));
        double[] xyz = Apply(toXyzD50, linear);
        double[] srgbLinear = Apply(Invert(srgbToXyzD50), xyz);
        return srgbLinear.Select(v => 255 * SrgbEncode(Math.Clamp(v, 0, 1))).ToArray();
    }

    private static readonly double[] D50 = [0.9642, 1.0, 0.8249];

    private static double[] White(double[] p) => [p[6] / p[7], 1, (1 - p[6] - p[7]) / p[7]];

    private static double[,] RgbToXyz(double[] p)
    {
        var m = new double[3, 3];
        for (int k = 0; k < 3; k++)
        {
            double x = p[2 * k], y = p[2 * k + 1];
            m[0, k] = x / y; m[1, k] = 1; m[2, k] = (1 - x - y) / y;
        }
        double[] s = Apply(Invert(m), White(p));
        for (int r = 0; r < 3; r++)
            for (int k = 0; k < 3; k++) m[r, k] *= s[k];
        return m;
    }

    private static double[,] Bradford(double[] from, double[] to)
    {
        double[,] b = { { 0.8951, 0.2664, -0.1614 }, { -0.7502, 1.7135, 0.0367 }, { 0.0389, -0.0685, 1.0296 } };
        double[] f = Apply(b, from), t = Apply(b, to);
        var scale = new double[3, 3];
        for (int k = 0; k < 3; k++) scale[k, k] = t[k] / f[k];
        return Multiply(Invert(b), Multiply(scale, b));
    }

    private static double[] Apply(double[,] m, double[] v) =>
        [m[0, 0] * v[0] + m[0, 1] * v[1] + m[0, 2] * v[2], m[1, 0] * v[0] + m[1, 1] * v[1] + m[1, 2] * v[2], m[2, 0] * v[0] + m[2, 1] * v[1] + m[2, 2] * v[2]];

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        var m = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 3; k++) m[i, j] += a[i, k] * b[k, j];
        return m;
    }

    private static double[,] Invert(double[,] m)
    {
        double det = m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1]) - m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0]) + m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]);
        var r = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                int i1 = (j + 1) % 3, i2 = (j + 2) % 3, j1 = (i + 1) % 3, j2 = (i + 2) % 3;
                r[i, j] = (m[i1, j1] * m[i2, j2] - m[i1, j2] * m[i2, j1]) / det;
            }
        return r;
    }

    private static int Channel(Rgb24 p, int k) => k == 0 ? p.R : k == 1 ? p.G : p.B;

    private static void AssertConverted(Image<Rgb24> source, Image<Rgb24> converted, double[] primaries, Func<double, double> decode)
    {
        Assert.That(converted.Size(), Is.EqualTo(source.Size()));
        int worst = 0, changed = 0;
        for (int y = 0; y < source.Height; y++)
            for (int x = 0; x < source.Width; x++)
            {
                double[] expected = Reference(source[x, y], primaries, decode);
                for (int k = 0; k < 3; k++)
                {
                    int got = Channel(converted[x, y], k);
                    worst = Math.Max(worst, (int)Math.Ceiling(Math.Abs(got - expected[k]) - 0.5));
                    Assert.That(got, Is.EqualTo(expected[k]).Within(1.5), $"pixel ({x}, {y}) channel {k}: {source[x, y]} → {converted[x, y]}");
                    if (got != Channel(source[x, y], k)) changed++;
                }
            }
        TestContext.Out.WriteLine($"worst difference from the float64 reference after rounding: {worst} level(s); {changed} channels changed");
        Assert.That(worst, Is.LessThanOrEqualTo(1));
        Assert.That(changed, Is.GreaterThan(source.Width * source.Height), "the conversion did something");
    }

    private static void AssertSame(Image<Rgb24> expected, Image<Rgb24> actual)
    {
        Assert.That(actual.Size(), Is.EqualTo(expected.Size()));
        for (int y = 0; y < expected.Height; y++)
            for (int x = 0; x < expected.Width; x++)
                Assert.That(actual[x, y], Is.EqualTo(expected[x, y]), $"pixel ({x}, {y})");
    }

    // ---- test files: PNGs with an iCCP chunk, ICC profiles ----

    private string PathOfPng(string name, Image<Rgba32> image) => files.SaveBytes(name, PngBytes(image));

    private static byte[] PngBytes(Image<Rgba32> image)
    {
        using var stream = new MemoryStream();
        image.SaveAsPng(stream, new PngEncoder { ColorType = PngColorType.RgbWithAlpha });
        return stream.ToArray();
    }

    private static byte[] Png(Image<Rgb24> image)
    {
        using var stream = new MemoryStream();
        image.SaveAsPng(stream, new PngEncoder { ColorType = PngColorType.Rgb });
        return stream.ToArray();
    }

    /// <summary>The PNG with an iCCP chunk (name "test profile", zlib-compressed profile) right after IHDR (PNG 1.2 §4.2.2.4).</summary>
    private static byte[] WithIccp(byte[] png, byte[] profile)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(profile);
        byte[] data = [.. "test profile"u8, 0, 0, .. compressed.ToArray()];
        int afterIhdr = 8 + 25;
        return [.. png[..afterIhdr], .. IoTestFiles.PngChunk("iCCP", data), .. png[afterIhdr..]];
    }

    /// <summary>The profile Skia writes for a colour space (taken from the iCCP chunk of a PNG it encodes).</summary>
    private static byte[] SkiaProfile(SKColorSpace space)
    {
        using (space)
        using (var bitmap = new SKBitmap(new SKImageInfo(1, 1, SKColorType.Rgba8888, SKAlphaType.Unpremul, space)))
        using (var data = bitmap.Encode(SKEncodedImageFormat.Png, 100))
            return IccConversion.PngProfile(data.ToArray()) ?? throw new InvalidOperationException("Skia wrote no iCCP chunk");
    }

    /// <summary>parametricCurveType function 3 with the sRGB constants (ICC.1 §10.18).</summary>
    private static byte[] SrgbPara()
    {
        var tag = new List<byte>();
        tag.AddRange("para"u8.ToArray());
        tag.AddRange(new byte[4]);
        tag.AddRange([0, 3, 0, 0]);
        foreach (double v in new[] { 2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045 }) tag.AddRange(S15Fixed16(v));
        return tag.ToArray();
    }

    /// <summary>curveType (ICC.1 §10.6): one entry is a u8Fixed8 gamma, more a table of 16-bit values.</summary>
    private static byte[] Curv(ushort[] entries)
    {
        var tag = new List<byte>();
        tag.AddRange("curv"u8.ToArray());
        tag.AddRange(new byte[4]);
        tag.AddRange(BigEndian((uint)entries.Length));
        foreach (var e in entries) tag.AddRange([(byte)(e >> 8), (byte)e]);
        return tag.ToArray();
    }

    /// <summary>
    /// A minimal v2 display RGB profile: header, desc, wtpt (D50), rXYZ/gXYZ/bXYZ (the primaries' XYZ columns
    /// adapted to D50 with Bradford, as ICC.1 requires), and the same TRC tag for r, g, b.
    /// </summary>
    private static byte[] MatrixTrcProfile(double[] primaries, byte[] trc, string description)
    {
        double[,] m = Multiply(Bradford(White(primaries), D50), RgbToXyz(primaries));
        var desc = new List<byte>();
        desc.AddRange("desc"u8.ToArray());
        desc.AddRange(new byte[4]);
        desc.AddRange(BigEndian((uint)description.Length + 1));
        desc.AddRange(Encoding.ASCII.GetBytes(description));
        desc.Add(0);
        desc.AddRange(new byte[4 + 4 + 2 + 1 + 67]); // no Unicode, no ScriptCode
        var tags = new List<(string Signature, byte[] Data)> { ("desc", desc.ToArray()), ("wtpt", Xyz(D50)) };
        for (int k = 0; k < 3; k++) tags.Add(("rgb"[k] + "XYZ", Xyz([m[0, k], m[1, k], m[2, k]])));
        foreach (var c in "rgb") tags.Add((c + "TRC", trc));

        var body = new List<byte>();
        var table = new List<byte>(BigEndian((uint)tags.Count));
        int offset = 128 + 4 + 12 * tags.Count;
        foreach (var (signature, data) in tags)
        {
            while ((offset + body.Count) % 4 != 0) body.Add(0);
            table.AddRange(Encoding.ASCII.GetBytes(signature));
            table.AddRange(BigEndian((uint)(offset + body.Count)));
            table.AddRange(BigEndian((uint)data.Length));
            body.AddRange(data);
        }
        var header = new byte[128];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(0), (uint)(128 + table.Count + body.Count));
        header[8] = 2; header[9] = 0x10; // version 2.1
        "mntr"u8.CopyTo(header.AsSpan(12));
        "RGB "u8.CopyTo(header.AsSpan(16));
        "XYZ "u8.CopyTo(header.AsSpan(20));
        "acsp"u8.CopyTo(header.AsSpan(36));
        Xyz(D50).AsSpan(8, 12).CopyTo(header.AsSpan(68)); // PCS illuminant
        return [.. header, .. table, .. body];
    }

    /// <summary>The profile with another data colour space in its header (bytes 16–19).</summary>
    private static byte[] Retyped(byte[] profile, string space)
    {
        Encoding.ASCII.GetBytes(space.PadRight(4)).CopyTo(profile, 16);
        return profile;
    }

    private static byte[] Xyz(double[] v) => [.. "XYZ "u8, 0, 0, 0, 0, .. S15Fixed16(v[0]), .. S15Fixed16(v[1]), .. S15Fixed16(v[2])];

    private static byte[] S15Fixed16(double v) => BigEndian((uint)(int)Math.Round(v * 65536));

    private static byte[] BigEndian(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];
}
