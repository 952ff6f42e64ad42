using CineKernel.Pipeline.IO;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Tests.Pipeline.IO;

/// <summary>The streaming GIF encoder: its LZW coder on its own, and whole files decoded by ImageSharp.</summary>
public class GifStreamEncoderTests : IoTestBase
{
    [Test]
    public void LzwMatchesAHandCheckedStream()
    {
        // Indices 0 0 0 0, minimum code size 8: clear (256); 0 is output and "0 0" becomes 258; "0 0" is then
        // output as 258 and "0 0 0" becomes 259; the last 0; end (257). All 9 bits wide, packed LSB first:
        // 256 | 0 << 9 | 258 << 18 | 0 << 27 | 257 << 36 = 0x1010_0408_0100 -> 00 01 08 04 10 10.
        var stream = new MemoryStream();
        var lzw = new GifLzwEncoder();
        lzw.Begin(stream);
        lzw.Write([0, 0]);
        lzw.Write([0, 0]); // runs join: the string carries over between calls
        lzw.End();
        Assert.That(stream.ToArray(), Is.EqualTo(new byte[] { 8, 6, 0x00, 0x01, 0x08, 0x04, 0x10, 0x10, 0 }));
    }

    /// <summary>
    /// Known indices through a hand-made one-frame GIF with a grey palette (entry i = (i, i, i)), decoded by
    /// ImageSharp: long runs (codes widen to 12 bits without a reset), random indices (over 4096 codes, so the
    /// table is cleared and restarted many times), a ramp, and a single pixel.
    /// </summary>
    [TestCase("zeros", 300, 200)]
    [TestCase("random", 301, 199)]
    [TestCase("ramp", 97, 61)]
    [TestCase("random", 1, 1)]
    public void LzwDecodesToTheIndicesThroughImageSharp(string pattern, int width, int height)
    {
        var random = new Random(7);
        var indices = new byte[width * height];
        for (int i = 0; i < indices.Length; i++)
            indices[i] = pattern switch { "zeros" => 0, "ramp" => (byte)(i / 7), _ => (byte)random.Next(256) };

        var stream = new MemoryStream();
        stream.Write("GIF89a"u8);
        stream.Write([(byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0xF7, 0, 0]);
        for (int i = 0; i < 256; i++) stream.Write([(byte)i, (byte)i, (byte)i]);
        stream.Write([0x2C, 0, 0, 0, 0, (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0]);
        var lzw = new GifLzwEncoder();
        lzw.Begin(stream);
        for (int y = 0; y < height; y++) lzw.Write(indices.AsSpan(y * width, width));
        lzw.End();
        stream.WriteByte(0x3B);
        long dataBytes = stream.Length - 13 - 768 - 10 - 1;
        TestContext.Out.WriteLine($"{pattern} {width}x{height}: {dataBytes} bytes of image data");

        stream.Position = 0;
        using var image = Image.Load<Rgb24>(stream);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                if (image[x, y].R != indices[y * width + x])
                    Assert.Fail($"pixel ({x}, {y}): decoded {image[x, y].R}, encoded {indices[y * width + x]}");
    }

    [Test]
    public void BayerMatrixIsTheStandardOne()
    {
        Assert.That(Enumerable.Range(0, 8).Select(x => GifStreamEncoder.Bayer8(x, 0)), Is.EqualTo(new[] { 0, 32, 8, 40, 2, 34, 10, 42 }));
        Assert.That(Enumerable.Range(0, 8).Select(x => GifStreamEncoder.Bayer8(x, 1)), Is.EqualTo(new[] { 48, 16, 56, 24, 50, 18, 58, 26 }));
        var all = new List<int>();
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++) all.Add(GifStreamEncoder.Bayer8(x, y));
        Assert.That(all.Order(), Is.EqualTo(Enumerable.Range(0, 64)));
    }

    [Test]
    public void ChangedBoxBoundsTheDifferences()
    {
        byte[] a = new byte[6 * 4], b = (byte[])a.Clone();
        Assert.That(GifStreamEncoder.ChangedBox(a, b, 6, 4), Is.EqualTo((0, 0, 1, 1)), "nothing changed");
        b[1 * 6 + 4] = 1;
        b[2 * 6 + 2] = 1;
        Assert.That(GifStreamEncoder.ChangedBox(a, b, 6, 4), Is.EqualTo((2, 1, 3, 2)));
        b[3 * 6 + 5] = 9;
        Assert.That(GifStreamEncoder.ChangedBox(a, b, 6, 4), Is.EqualTo((2, 1, 4, 3)));
    }

    /// <summary>One of 216 colours (levels 0, 51, ..., 255), chosen by a hash of (x, y, seed).</summary>
    private static (float R, float G, float B) CubeColour(int x, int y, int seed)
    {
        uint h = (uint)(x * 73856093 ^ y * 19349663 ^ seed * 83492791);
        h ^= h >> 13;
        h *= 0x5bd1e995;
        h ^= h >> 15;
        int c = (int)(h % 216);
        return (c % 6 * 51 / 255f, c / 6 % 6 * 51 / 255f, c / 36 * 51 / 255f);
    }

    private static float[] Planes(int width, int height, Func<int, int, (float R, float G, float B)> pixel)
    {
        var planes = new float[3 * width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                planes[y * width + x] = r;
                planes[width * height + y * width + x] = g;
                planes[2 * width * height + y * width + x] = b;
            }
        return planes;
    }

    private Image<Rgb24> WriteAndDecode(string name, int width, int height, IReadOnlyList<float[]> frames)
    {
        string path = files.PathOf(name);
        using (var writer = FrameWriter.Create(path, width, height, new FrameWriterOptions { Fps = 30 }))
        {
            foreach (float[] frame in frames) writer.Write(frame);
            writer.Complete();
        }
        TestContext.Out.WriteLine($"{name}: {new FileInfo(path).Length} bytes");
        var gif = Image.Load<Rgb24>(path);
        Assert.That(gif.Frames.Count, Is.EqualTo(frames.Count));
        Assert.That(gif.Metadata.GetGifMetadata().RepeatCount, Is.EqualTo(0));
        for (int t = 0; t < frames.Count; t++)
            Assert.That(gif.Frames[t].Metadata.GetGifMetadata().FrameDelay, Is.EqualTo(GifStreamEncoder.DelayHundredths(t, 30)), $"delay of frame {t}");
        return gif;
    }

    /// <summary>
    /// At most 216 well-separated colours fit the palette exactly, and neither the dither (±6 levels) nor the
    /// 6-bit lookup (±3.5) moves a pixel half the 51-level spacing, so every decoded pixel equals its source:
    /// odd size, a moving square over a noisy background, a frame identical to the one before (1×1 update),
    /// and a frame that changes one corner pixel only.
    /// </summary>
    [Test]
    public void OddSizedAnimationWithFrameDifferencingDecodesExactly()
    {
        const int w = 37, h = 23;
        (float, float, float) Pixel(int t, int x, int y) =>
            x >= 3 * t && x < 3 * t + 7 && y >= 5 && y < 14 ? (1f, 0.2f, 0f)
            : t >= 5 && x == w - 1 && y == h - 1 ? (0f, 0f, 0f)
            : CubeColour(x, y, 1);
        int[] times = [0, 1, 2, 2, 3, 5]; // frame 3 repeats frame 2; frame 5 moves the square and the corner
        var frames = times.Select(t => Planes(w, h, (x, y) => Pixel(t, x, y))).ToList();
        using var gif = WriteAndDecode("odd.gif", w, h, frames);
        for (int f = 0; f < frames.Count; f++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    var (r, g, b) = Pixel(times[f], x, y);
                    var expected = new Rgb24((byte)MathF.Round(r * 255), (byte)MathF.Round(g * 255), (byte)MathF.Round(b * 255));
                    if (gif.Frames[f][x, y] != expected)
                        Assert.Fail($"frame {f} pixel ({x}, {y}): {gif.Frames[f][x, y]}, expected {expected}");
                }
    }

    /// <summary>Every pixel random among 216 colours: ~65 000 LZW codes a frame, so the table resets many times.</summary>
    [Test]
    public void NoisyFramesDecodeExactly()
    {
        const int size = 256;
        var frames = Enumerable.Range(0, 2).Select(t => Planes(size, size, (x, y) => CubeColour(x, y, 10 + t))).ToList();
        using var gif = WriteAndDecode("noise.gif", size, size, frames);
        for (int t = 0; t < 2; t++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    var (r, g, b) = CubeColour(x, y, 10 + t);
                    var expected = new Rgb24((byte)MathF.Round(r * 255), (byte)MathF.Round(g * 255), (byte)MathF.Round(b * 255));
                    if (gif.Frames[t][x, y] != expected)
                        Assert.Fail($"frame {t} pixel ({x}, {y}): {gif.Frames[t][x, y]}, expected {expected}");
                }
    }

    /// <summary>
    /// A smooth gradient with mild noise (far more colours than the palette) and a moving disc over the lower
    /// part, in one colour (the palette comes from frame 0, so colours new in later frames would only be
    /// approximated: a cinemagraph's moving part keeps its colours). Bound: mean absolute error ≤ 6 levels a channel in every frame. The dither offsets each channel by
    /// at most ±6 levels with mean 0 and the lookup cell adds at most 3.5 (half-diagonal of a 4-level cell), on
    /// top of the palette's own spacing; the old whole-image ImageSharp encode measured 3.9 on the bundled
    /// sample, and a larger error means a real fault (a wrong index, a misplaced box), not rounding.
    /// Static pixels must decode identically in every frame: frame differencing never rewrites them.
    /// </summary>
    [Test]
    public void GradientStaysCloseAndItsStaticPartNeverChanges()
    {
        const int w = 96, h = 80, n = 5;
        var random = new Random(3);
        float[] noise = Enumerable.Range(0, 3 * w * h).Select(_ => (float)(random.NextDouble() - 0.5) * 0.03f).ToArray();
        bool Disc(int t, int x, int y) => (x - 15 - 14 * t) * (x - 15 - 14 * t) + (y - 60) * (y - 60) < 100;
        (float, float, float) Pixel(int t, int x, int y) => Disc(t, x, y)
            ? (0.9f, 0.6f, 0.1f)
            : (Math.Clamp(x / (w - 1f) + noise[3 * (y * w + x)], 0, 1), Math.Clamp(y / (h - 1f) + noise[3 * (y * w + x) + 1], 0, 1),
               Math.Clamp(0.3f + 0.4f * (x + y) / (w + h) + noise[3 * (y * w + x) + 2], 0, 1));
        var frames = Enumerable.Range(0, n).Select(t => Planes(w, h, (x, y) => Pixel(t, x, y))).ToList();
        using var gif = WriteAndDecode("gradient.gif", w, h, frames);
        for (int t = 0; t < n; t++)
        {
            double error = 0;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    var (r, g, b) = Pixel(t, x, y);
                    Rgb24 p = gif.Frames[t][x, y];
                    error += Math.Abs(p.R - r * 255.0) + Math.Abs(p.G - g * 255.0) + Math.Abs(p.B - b * 255.0);
                    bool everStatic = Enumerable.Range(0, n).All(s => !Disc(s, x, y));
                    if (everStatic && p != gif.Frames[0][x, y])
                        Assert.Fail($"static pixel ({x}, {y}) differs in frame {t}");
                }
            error /= 3.0 * w * h;
            TestContext.Out.WriteLine($"frame {t}: mean absolute error {error:F2} levels");
            Assert.That(error, Is.LessThanOrEqualTo(6.0), $"frame {t}");
            Rgb24 centre = gif.Frames[t][15 + 14 * t, 60];
            Assert.That(centre.R, Is.GreaterThan(200), $"the disc is at its frame-{t} place");
        }
    }

    [Test]
    public void CancelStopsEncodingAndLeavesTheFileClosable()
    {
        string path = files.PathOf("cancelled.gif");
        var frame = new byte[3 * 64 * 48];
        new Random(1).NextBytes(frame);
        using (var encoder = new GifStreamEncoder(path, 64, 48, 30))
        {
            encoder.Encode(frame);
            long written = new FileInfo(path).Length;
            encoder.Cancel();
            frame[0] ^= 0xFF;
            encoder.Encode(frame); // returns at once, writes nothing
            Assert.That(new FileInfo(path).Length, Is.EqualTo(written), "no frame after Cancel");
        }
        File.Delete(path); // the handle is closed by Dispose
        Assert.That(File.Exists(path), Is.False);
    }
}
