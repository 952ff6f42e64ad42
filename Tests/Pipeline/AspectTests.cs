using CineKernel.Kernels;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Warping;
using CineKernel.Tests.Pipeline.IO;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline;

/// <summary>Photos of any aspect (issue 11 items 1 and 3): sizes, regions, motion resampling, the paste, the weight-free renderer on W×H.</summary>
public class AspectTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    [TestCase(4000, 3000, 2048, false, 2048, 1536)]
    [TestCase(1920, 1080, 1000, false, 1000, 563)]
    [TestCase(1920, 1080, 1000, true, 1000, 562)]
    [TestCase(1080, 1920, 777, false, 437, 777)]
    [TestCase(1080, 1920, 777, true, 436, 776)]
    [TestCase(9000, 600, 2048, false, 2048, 137)]
    [TestCase(75, 41, 75, true, 74, 40)]
    [TestCase(5000, 3, 100, true, 100, 2)]
    public void FrameSizeKeepsTheAspectAtTheLongSide(int w, int h, int longSide, bool even, int expectedW, int expectedH)
    {
        Assert.That(FrameSize.Fit(w, h, longSide, even), Is.EqualTo(new FrameSize(expectedW, expectedH)));
        Assert.That(FrameSize.DefaultLongSide(w, h), Is.EqualTo(Math.Min(Math.Max(w, h), 2048)));
    }

    [TestCase(64, 48, 80, 60, true)]
    [TestCase(81, 60, 80, 60, true)]   // a pixel of rounding
    [TestCase(40, 23, 80, 45, true)]   // 22.5 rounded
    [TestCase(64, 64, 80, 60, false)]
    [TestCase(80, 62, 80, 60, false)]
    [TestCase(512, 512, 1024, 1024, true)]
    [TestCase(600, 9000, 9000, 600, false)] // turned, not the same aspect
    public void SameAspectAllowsOnePixelOfRounding(int w, int h, int ow, int oh, bool same) =>
        Assert.That(ImageRegion.SameAspect(w, h, ow, oh), Is.EqualTo(same));

    [Test]
    public void RegionsAreCheckedAndScaled()
    {
        Assert.That(ImageRegion.Square(200, 100, null), Is.EqualTo(new ImageRegion(200, 100, 50, 0, 100, 100)));
        Assert.That(ImageRegion.Square(200, 100, new SquareRequest(10, 20, 80)), Is.EqualTo(new ImageRegion(200, 100, 10, 20, 80, 80)));
        var outside = Assert.Throws<ArgumentException>(() => ImageRegion.Square(200, 100, new SquareRequest(150, 0, 60)))!;
        Assert.That(outside.Message, Is.EqualTo("region 150,0,60: x 150..209, y 0..59 is not inside the 200x100 photo"));
        Assert.Throws<ArgumentException>(() => ImageRegion.Square(200, 100, new SquareRequest(0, 0, 0)));
        Assert.That(new ImageRegion(200, 100, 10, 20, 80, 80).ScaledTo(100, 50), Is.EqualTo(new ImageRegion(100, 50, 5, 10, 40, 40)));
        Assert.That(SquareRequest.Parse(" 1, 2,3"), Is.EqualTo(new SquareRequest(1, 2, 3)));
        Assert.Throws<FormatException>(() => SquareRequest.Parse("1,2"));
        Assert.Throws<FormatException>(() => SquareRequest.Parse("1,2,x"));
    }

    /// <summary>float64 bilinear (align_corners=False, PyTorch's index mapping) and per-axis scaling, written apart from the code.</summary>
    private static double[] ResampleReference(float[] planes, int w, int h, int ow, int oh)
    {
        var result = new double[2 * ow * oh];
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++)
                {
                    double fy = Math.Max(0, (y + 0.5) * h / oh - 0.5), fx = Math.Max(0, (x + 0.5) * w / ow - 0.5);
                    int y0 = (int)Math.Floor(fy), x0 = (int)Math.Floor(fx);
                    int y1 = Math.Min(y0 + 1, h - 1), x1 = Math.Min(x0 + 1, w - 1);
                    double wy = fy - y0, wx = fx - x0;
                    double V(int yy, int xx) => planes[c * w * h + yy * w + xx];
                    double v = (1 - wy) * ((1 - wx) * V(y0, x0) + wx * V(y0, x1)) + wy * ((1 - wx) * V(y1, x0) + wx * V(y1, x1));
                    result[c * ow * oh + y * ow + x] = v * (c == 0 ? (double)ow / w : (double)oh / h);
                }
        return result;
    }

    [TestCase(17, 13, 40, 31)]
    [TestCase(40, 30, 20, 15)]
    [TestCase(37, 21, 11, 7)]
    [TestCase(16, 9, 16, 9)]
    [TestCase(5, 3, 96, 54)]
    public void MotionIsResampledBilinearlyWithItsVectorsScaledPerAxis(int w, int h, int ow, int oh)
    {
        var planes = Numerics.Random(2 * w * h, w * 100 + h, 3f);
        var field = new MotionField(w, h, planes);
        var resampled = field.Resampled(ow, oh);
        Assert.That((resampled.Width, resampled.Height), Is.EqualTo((ow, oh)));
        var expected = ResampleReference(planes, w, h, ow, oh);
        Numerics.AssertClose(resampled.Planes, expected, 1e-6, $"motion {w}x{h} → {ow}x{oh}");
        for (int i = 0; i < expected.Length; i++)
            Assert.That(resampled.Planes[i], Is.EqualTo(expected[i]).Within(1e-5 + 1e-6 * Math.Abs(expected[i])), $"element {i}");
    }

    [Test]
    public void ConstantMotionIsScaledByTheSizeRatio()
    {
        var field = new MotionField(4, 3, [.. Enumerable.Repeat(1f, 12), .. Enumerable.Repeat(2f, 12)]);
        var doubled = field.Resampled(8, 9);
        Assert.That(doubled.Planes[..72].ToArray(), Is.All.EqualTo(2f), "x: width ×2");
        Assert.That(doubled.Planes[72..].ToArray(), Is.All.EqualTo(6f), "y: height ×3");
    }

    [TestCase(1, 3, 9, 7, 4, 5, 2, 1)]
    [TestCase(2, 2, 5, 8, 5, 8, 0, 0)]
    [TestCase(1, 1, 11, 13, 1, 1, 10, 12)]
    [TestCase(1, 3, 6, 10, 3, 3, 3, 7)]
    public void PasteWritesThePatchOverTheBackground(int n, int c, int h, int w, int ph, int pw, int top, int left)
    {
        var bg = Numerics.Random(n * c * h * w, 5);
        var patch = Numerics.Random(n * c * ph * pw, 6);
        using var background = Device.Upload(bg, new Shape4(n, c, h, w));
        using var p = Device.Upload(patch, new Shape4(n, c, ph, pw));
        using var output = Device.Allocate(n, c, h, w);
        Padding.Paste(background, p, output, top, left);
        var expected = new double[bg.Length];
        for (int plane = 0; plane < n * c; plane++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    bool inside = y >= top && y < top + ph && x >= left && x < left + pw;
                    expected[(plane * h + y) * w + x] = inside ? patch[(plane * ph + y - top) * pw + x - left] : bg[(plane * h + y) * w + x];
                }
        Numerics.AssertClose(output.ToArray(), expected, 0, "paste");
        Assert.That(output.ToArray(), Is.EqualTo(expected.Select(v => (float)v).ToArray()), "a copy: exact");
    }

    [Test]
    public void PasteOutsideTheBackgroundIsRefused()
    {
        using var background = Device.Allocate(1, 3, 8, 8);
        using var patch = Device.Allocate(1, 3, 4, 4);
        using var output = Device.Allocate(1, 3, 8, 8);
        Assert.Throws<ArgumentException>(() => Padding.Paste(background, patch, output, 5, 0));
        Assert.Throws<ArgumentException>(() => Padding.Paste(background, patch, output, 0, -1));
    }

    [Test]
    public void FlowStepsScaleEachAxisByItsSideRatio()
    {
        const int h = 23, w = 37;
        var values = new float[2 * w * h];
        Array.Fill(values, 1f, 0, w * h);
        Array.Fill(values, 1f, w * h, w * h);
        using var flow = Device.Upload(values, new Shape4(1, 2, h, w));
        using var level = FlowPyramid.ToSize(flow, h / 2, w / 2);
        var result = level.ToArray();
        int plane = (h / 2) * (w / 2);
        Assert.That(result[..plane], Is.All.EqualTo((float)(18.0 / 37)).Within(1e-6), "x by 18/37");
        Assert.That(result[plane..], Is.All.EqualTo((float)(11.0 / 23)).Within(1e-6), "y by 11/23");
        using var square = FlowPyramid.ToSize(flow, h / 2);
        Assert.That(square.ToArray(), Is.All.EqualTo(0.5f), "the square API keeps the original's ÷2");
    }

    private static RgbPlanes NoisePhoto(int w, int h)
    {
        using var image = IoTestFiles.Noise(w, h, seed: w + h);
        return RgbPlanes.FromImage(image);
    }

    [TestCase(37, 23, 2)]
    [TestCase(96, 54, 3)]
    [TestCase(41, 75, 3)]
    public void WeightFreeRendererWorksOnAnyWxHAndKeepsTheStaticRegionExact(int w, int h, int levels)
    {
        var photo = NoisePhoto(w, h);
        var mask = new float[w * h];
        int start = w / 2;
        for (int y = 0; y < h; y++)
            for (int x = start; x < w; x++) mask[y * w + x] = 1f;
        var motion = new float[2 * w * h];
        Array.Fill(motion, 0.8f, 0, w * h);
        Array.Fill(motion, -0.45f, w * h, w * h);
        using var renderer = WeightFreeRenderer.Create(Device, photo, new MotionField(w, h, motion), new AnimationMask(w, h, mask),
            new CinemagraphOptions { FrameCount = 6, PyramidLevels = levels });
        Assert.That((renderer.Width, renderer.Height), Is.EqualTo((w, h)));
        var frames = renderer.Frames().ToList();
        int changed = 0;
        foreach (var f in frames)
        {
            Assert.That((f.Width, f.Height), Is.EqualTo((w, h)));
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        int i = (c * h + y) * w + x;
                        if (x < start && f.Data[i] != photo.Data[i]) Assert.Fail($"static pixel ({c}, {y}, {x}) is {f.Data[i]}, the photo has {photo.Data[i]}");
                        if (x >= start + 2 && Math.Abs(f.Data[i] - frames[0].Data[i]) > 1e-3) changed++;
                    }
        }
        Assert.That(changed, Is.GreaterThan(0), "the animated part moves");

        // No motion: the pyramid of any sides collapses back to the photo.
        using var still = WeightFreeRenderer.Create(Device, photo, MotionField.Zero(w, h), null, new CinemagraphOptions { FrameCount = 2, PyramidLevels = levels });
        Numerics.AssertClose(still.RenderFrame(0), Numerics.ToDouble(photo.Data), 1e-5, $"{w}x{h} pyramid collapse");
    }

    [Test]
    public void MaxPyramidLevelsKeepsTheShortSideAtLeastEight()
    {
        Assert.That(CinemagraphOptions.MaxPyramidLevels(2048, 137), Is.EqualTo(5));
        Assert.That(CinemagraphOptions.MaxPyramidLevels(64, 64), Is.EqualTo(4));
        Assert.That(CinemagraphOptions.MaxPyramidLevels(100, 7), Is.EqualTo(1));
    }
}
