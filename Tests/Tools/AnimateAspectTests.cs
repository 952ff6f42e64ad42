using System.Text.Json;
using CineKernel.Tests.Pipeline.Cinemagraph;
using CineKernel.Tests.Pipeline.IO;
using CineKernel.Tests.WeightsLoader;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Tests.Tools;

/// <summary>
/// <c>cinekernel animate</c> on photos of any aspect (issue 11 items 1 and 3): full frame with the aspect kept,
/// static pixels exactly the photo's, --size as the long side, --region, and masks and motion that must line up.
/// </summary>
public class AnimateAspectTests : TinyWeightsCliTestBase
{
    protected override CineKernel.Pipeline.Weights.PredictedInputs Networks => CineKernel.Pipeline.Weights.PredictedInputs.None;

    /// <summary>A W×H sample: noise photo, mask white from column <paramref name="maskFrom"/> on, a constant drift of (1, 2, mh, mw).</summary>
    private (string Photo, string Mask, string Motion) Scene(int w, int h, int maskFrom, int motionW = 0, int motionH = 0)
    {
        motionW = motionW == 0 ? w : motionW;
        motionH = motionH == 0 ? h : motionH;
        string photo = PathOf($"photo{w}x{h}.png"), mask = PathOf($"mask{w}x{h}.png"), motion = PathOf($"motion{motionW}x{motionH}.npy");
        using (var p = IoTestFiles.Noise(w, h, seed: w * 3 + h)) p.SaveAsPng(photo);
        using (var m = IoTestFiles.Make(w, h, (x, _) => x >= maskFrom ? new Rgb24(255, 255, 255) : new Rgb24(0, 0, 0))) m.SaveAsPng(mask);
        File.WriteAllBytes(motion, MotionNpy(motionW, motionH));
        return (photo, mask, motion);
    }

    private static byte[] MotionNpy(int w, int h)
    {
        var m = new float[2 * w * h];
        Array.Fill(m, AnimateSample.DriftX, 0, w * h);
        Array.Fill(m, AnimateSample.DriftY, w * h, w * h);
        return TestFiles.Npy($"{{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, {h}, {w}), }}", TestFiles.Floats(m));
    }

    private static JsonElement Report(string stdout) => JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]).RootElement;

    /// <summary>Loads the PNG frames and checks each is W×H and equals the photo exactly wherever <paramref name="isStatic"/> says.</summary>
    private static void AssertStaticPixelsArePhoto(string folder, string photoPath, int w, int h, int frames, Func<int, int, bool> isStatic)
    {
        using var photo = Image.Load<Rgb24>(photoPath);
        var files = Directory.GetFiles(folder, "*.png").Order().ToArray();
        Assert.That(files, Has.Length.EqualTo(frames));
        int moving = 0;
        foreach (var file in files)
        {
            using var f = Image.Load<Rgb24>(file);
            Assert.That((f.Width, f.Height), Is.EqualTo((w, h)), $"{file}: the photo's aspect and size");
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    if (isStatic(x, y))
                    {
                        if (f[x, y] != photo[x, y]) Assert.Fail($"{Path.GetFileName(file)}: static pixel ({x}, {y}) is {f[x, y]}, the photo has {photo[x, y]}");
                    }
                    else if (f[x, y] != photo[x, y]) moving++;
                }
        }
        Assert.That(moving, Is.GreaterThan(0), "the animated region is not the photo");
    }

    [TestCase(80, 60, TestName = "Weight-free 4:3 renders full frame")]
    [TestCase(96, 54, TestName = "Weight-free 16:9 renders full frame")]
    [TestCase(75, 41, TestName = "Weight-free odd sides render full frame")]
    public void WeightFreeKeepsTheWholePhotoAndItsAspect(int w, int h)
    {
        var (photo, mask, motion) = Scene(w, h, w / 2);
        string output = PathOf("frames");
        var r = Run("animate", photo, "-o", output, "--mask", mask, "--motion", motion, "--frames", "4", "--device", "cpu", "--quiet");
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(r.Err, Does.Not.Contain("crop"), "nothing is cut unless asked");
        Assert.That((Report(r.Out).GetProperty("width").GetInt32(), Report(r.Out).GetProperty("height").GetInt32()), Is.EqualTo((w, h)));
        AssertStaticPixelsArePhoto(output, photo, w, h, 4, (x, _) => x < w / 2);
    }

    [Test]
    public void SizeIsTheLongSideAnyIntegerAndEvenForMp4()
    {
        var (photo, mask, motion) = Scene(80, 60, 40);
        string output = PathOf("small");
        var r = Run("animate", photo, "-o", output, "--mask", mask, "--motion", motion, "--size", "47", "--frames", "2", "--device", "cpu", "--quiet");
        Assert.That(r.Exit, Is.Zero, r.Err);
        foreach (var file in Directory.GetFiles(output, "*.png"))
            using (var f = Image.Load<Rgb24>(file)) Assert.That((f.Width, f.Height), Is.EqualTo((47, 35)), "60·47/80 = 35.25");
        // The 80x60 motion reaches no level of 47x35 by ×2 / ÷2 steps: it is resampled to 47x35.
        AssertRefused(Run("animate", photo, "-o", PathOf("o.mp4"), "--motion", motion, "--size", "47", "--quiet"), PathOf("o.mp4"), "--size 47 is odd", "MP4");
        AssertRefused(Run("animate", photo, "-o", PathOf("o.gif"), "--motion", motion, "--size", "5000", "--quiet"), PathOf("o.gif"), "--size must be between 8 and 4096");
    }

    [Test]
    public void MotionOfThePhotosAspectButAnotherSizeIsAccepted()
    {
        var (photo, mask, _) = Scene(80, 60, 40);
        foreach (var (mw, mh) in new[] { (40, 30), (52, 39), (160, 120) })
        {
            string motion = PathOf($"m{mw}.npy");
            File.WriteAllBytes(motion, MotionNpy(mw, mh));
            string output = PathOf($"frames{mw}");
            var r = Run("animate", photo, "-o", output, "--mask", mask, "--motion", motion, "--frames", "3", "--device", "cpu", "--quiet");
            Assert.That(r.Exit, Is.Zero, $"{mw}x{mh}: {r.Err}");
            AssertStaticPixelsArePhoto(output, photo, 80, 60, 3, (x, _) => x < 32); // clear of the resized mask's Lanczos ringing
        }
    }

    [Test]
    public void MotionOfAnotherAspectIsRefusedNamingBothSizes()
    {
        var (photo, mask, _) = Scene(80, 60, 40);
        string motion = PathOf("square.npy"), output = PathOf("o.gif");
        File.WriteAllBytes(motion, MotionNpy(64, 64));
        AssertRefused(Run("animate", photo, "-o", output, "--motion", motion, "--frames", "2", "--device", "cpu", "--quiet"), output,
            "square.npy", "64x64", "80x60", "aspect");
        AssertRefused(Run("animate", photo, "-o", output, "--mask", mask, "--motion", motion, "--weights", WeightsDir, "--frames", "2", "--device", "cpu", "--quiet"), output,
            "64x64", "80x60");
    }

    [Test]
    public void MaskOfAnotherAspectIsRefusedNamingBothSizes()
    {
        var (photo, _, motion) = Scene(80, 60, 40);
        string mask = PathOf("square_mask.png"), output = PathOf("o.gif");
        using (var m = IoTestFiles.Make(64, 64, (_, _) => new Rgb24(255, 255, 255))) m.SaveAsPng(mask);
        AssertRefused(Run("animate", photo, "-o", output, "--mask", mask, "--motion", motion, "--frames", "2", "--device", "cpu", "--quiet"), output,
            "square_mask.png", "64x64", "80x60", "never stretched");
    }

    [Test]
    public void MaskOfThePhotosAspectAtAnotherSizeIsAccepted()
    {
        var (photo, _, motion) = Scene(80, 60, 40);
        string mask = PathOf("big_mask.png"), output = PathOf("frames");
        using (var m = IoTestFiles.Make(160, 120, (x, _) => x >= 80 ? new Rgb24(255, 255, 255) : new Rgb24(0, 0, 0))) m.SaveAsPng(mask);
        var r = Run("animate", photo, "-o", output, "--mask", mask, "--motion", motion, "--frames", "3", "--device", "cpu", "--quiet");
        Assert.That(r.Exit, Is.Zero, r.Err);
        AssertStaticPixelsArePhoto(output, photo, 80, 60, 3, (x, _) => x < 37); // Lanczos rings a few pixels from the edge
    }

    /// <summary>
    /// The full method on the tiny weights: the photo's short side is G, so the centre square is the generator's input
    /// unresized and the output (the photo's own long side) is at scale 1: outside the square, and inside it where the
    /// mask is 0, every frame is the photo exactly.
    /// </summary>
    [TestCase(341, 256, TestName = "Full method 4:3 renders full frame")]
    [TestCase(455, 256, TestName = "Full method 16:9 renders full frame")]
    public void FullMethodPastesTheSquareIntoTheWholePhoto(int w, int h)
    {
        int left = (w - h) / 2, maskFrom = left + 3 * h / 4;
        var (photo, mask, motion) = Scene(w, h, maskFrom);
        string output = PathOf("frames");
        var r = Run("animate", photo, "-o", output, "--mask", mask, "--motion", motion, "--weights", WeightsDir, "--frames", "3", "--device", "cpu", "--quiet");
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(r.Err, Does.Contain("the generator is square").And.Contain($"centre-cropped {w}x{h} to {h}x{h}").And.Contain("every frame is the photo"));
        var report = Report(r.Out);
        Assert.That((report.GetProperty("width").GetInt32(), report.GetProperty("height").GetInt32()), Is.EqualTo((w, h)));
        // The mask reaches the generator at 256 (no resize), so it is exactly 0 left of maskFrom; right of the square is the photo.
        AssertStaticPixelsArePhoto(output, photo, w, h, 3, (x, _) => x < maskFrom - 1 || x >= left + h);
    }

    [Test]
    public void RegionPicksTheSquareAndIsValidated()
    {
        var (photo, mask, motion) = Scene(341, 256, 0);
        string output = PathOf("frames");
        var r = Run("animate", photo, "-o", output, "--mask", mask, "--motion", motion, "--weights", WeightsDir, "--region", "0,0,256",
            "--frames", "2", "--device", "cpu", "--quiet");
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(r.Err, Does.Contain("region 0,0,256 (x 0..255, y 0..255) of the 341x256 photo"));
        Assert.That(Report(r.Out).GetProperty("region").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 0, 0, 256 }));
        AssertStaticPixelsArePhoto(output, photo, 341, 256, 2, (x, _) => x >= 256);

        string o = PathOf("o.gif");
        string[] common = ["--mask", mask, "--motion", motion, "--weights", WeightsDir, "--frames", "2", "--device", "cpu", "--quiet"];
        AssertRefused(Run(["animate", photo, "-o", o, "--region", "100,0,256", .. common]), o, "--region 100,0,256", "not inside the 341x256 photo");
        AssertRefused(Run(["animate", photo, "-o", o, "--region", "0,0,0", .. common]), o, "--region 0,0,0: the side must be positive");
        AssertRefused(Run(["animate", photo, "-o", o, "--region", "-1,0,10", .. common]), o, "x and y must be at least 0");
        AssertRefused(Run(["animate", photo, "-o", o, "--region", "1,2", .. common]), o, "--region must be x,y,side");
    }

    [Test]
    public void WeightFreeCropsOnlyWhenARegionIsAsked()
    {
        var (photo, _, _) = Scene(80, 60, 40);
        string output = PathOf("frames");
        var r = Run("animate", photo, "-o", output, "--arrow", "30,30,40,30", "--region", "10,5,50", "--frames", "2", "--device", "cpu", "--quiet");
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(r.Err, Does.Contain("region 10,5,50"));
        foreach (var file in Directory.GetFiles(output, "*.png"))
            using (var f = Image.Load<Rgb24>(file)) Assert.That((f.Width, f.Height), Is.EqualTo((50, 50)));
    }

    [Test]
    public void LongPanoramaIsAcceptedAndRenderedAtMost2048Wide()
    {
        string photo = PathOf("panorama.png");
        using (var p = IoTestFiles.Make(9000, 600, (x, y) => new Rgb24((byte)(x / 40), (byte)(y / 3), (byte)((x + y) / 60)))) p.SaveAsPng(photo);
        string output = PathOf("frames");
        var r = Run("animate", photo, "-o", output, "--arrow", "4500,300,4600,300", "--frames", "2", "--device", "cpu", "--quiet");
        Assert.That(r.Exit, Is.Zero, r.Err);
        var report = Report(r.Out);
        Assert.That((report.GetProperty("width").GetInt32(), report.GetProperty("height").GetInt32()), Is.EqualTo((2048, 137)));
        foreach (var file in Directory.GetFiles(output, "*.png"))
            using (var f = Image.Load<Rgb24>(file)) Assert.That((f.Width, f.Height), Is.EqualTo((2048, 137)));
    }
}
