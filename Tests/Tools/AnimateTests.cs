using NUnit.Framework;
using CineKernel.Tests.Pipeline.Cinemagraph;
using CineKernel.Tests.Pipeline.IO;
using CineKernel.Tests.WeightsLoader;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Tests.Tools;

/// <summary><c>cinekernel animate</c> end to end, and every bad input it must refuse without leaving an output.</summary>
public class AnimateTests : CliTestBase
{
    private string Sample => AnimateSample.Create(Dir);

    private (int Exit, string Out, string Err) Animate(string output, params string[] extra) =>
        Run(["animate", Sample, "-o", output, "--size", "64", "--frames", "8", "--device", "cpu", "--quiet", .. extra]);

    [Test]
    public void PngFramesKeepTheStaticRegionExactAndAnimateTheRest()
    {
        string output = PathOf("frames");
        var r = Animate(output, "--loop", "official");
        Assert.That(r.Exit, Is.Zero, r.Err);
        var json = System.Text.Json.JsonDocument.Parse(r.Out.TrimEnd().Split('\n')[^1]).RootElement;
        var seconds = json.GetProperty("seconds");
        foreach (var stage in new[] { "load", "inversion", "mask", "motion", "once_per_cinemagraph", "frames", "encode", "total" })
            Assert.That(seconds.TryGetProperty(stage, out _), Is.True, $"stage {stage} in {r.Out}");
        Assert.That(seconds.GetProperty("inversion").GetDouble(), Is.Zero, "no inversion without weights");

        var files = Directory.GetFiles(output, "*.png").Order().ToArray();
        Assert.That(files, Has.Length.EqualTo(8));
        using var photo = Image.Load<Rgb24>(Path.Combine(Sample, "scene.png"));
        var frames = files.Select(Image.Load<Rgb24>).ToList();
        try
        {
            int start = AnimateSample.MaskStart(64), changed = 0;
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 64; x++)
                {
                    if (x < start)
                    {
                        foreach (var f in frames)
                            if (f[x, y] != photo[x, y]) Assert.Fail($"static pixel ({x}, {y}) is {f[x, y]}, the input has {photo[x, y]}");
                    }
                    else if (frames[0][x, y] != frames[4][x, y]) changed++;
                }
            Assert.That(changed, Is.GreaterThan(start * 64 / 2), "the animated half moves");
            // The original's loop: frame N−1 is frame 0 again.
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 64; x++)
                    Assert.That(frames[7][x, y], Is.EqualTo(frames[0][x, y]));
        }
        finally
        {
            foreach (var f in frames) f.Dispose();
        }
    }

    [Test]
    public void GifDecodesToTheRequestedFrameCountAndPreviewsAreWritten()
    {
        string output = PathOf("out.gif"), previews = PathOf("preview");
        var r = Animate(output, "--preview", previews);
        Assert.That(r.Exit, Is.Zero, r.Err);
        using var gif = Image.Load<Rgba32>(output);
        Assert.That(gif.Frames.Count, Is.EqualTo(8));
        foreach (var name in new[] { "flow.png", "mask_overlay.png", "frame_first.png", "frame_middle.png", "contact_sheet.png" })
            Assert.That(File.Exists(Path.Combine(previews, name)), Is.True, name);
        foreach (var name in new[] { "frame_first.png", "frame_middle.png" })
        {
            var info = Image.Identify(Path.Combine(previews, name));
            Assert.That((info.Width, info.Height), Is.EqualTo((gif.Width, gif.Height)), $"{name} is the frame itself, no border");
        }
    }

    [Test]
    public void ContactSheetTilesKeepANarrowPhotosAspect()
    {
        string image = PathOf("narrow.png"), previews = PathOf("narrow-preview");
        using (var i = IoTestFiles.Noise(16, 300, seed: 3)) i.SaveAsPng(image);
        var r = Run("animate", image, "-o", PathOf("narrow.gif"), "--arrow", "8,100,8,140", "--frames", "8", "--device", "cpu",
            "--quiet", "--preview", previews);
        Assert.That(r.Exit, Is.Zero, r.Err);
        var sheet = Image.Identify(Path.Combine(previews, "contact_sheet.png"));
        // 8 tiles in 4 columns and 2 rows, each at most 256 on its long side (here 13×244), 4 px gaps.
        Assert.That(sheet.Width, Is.LessThanOrEqualTo(4 + 4 * (16 + 4)), "tiles are not widened to 256");
        Assert.That(sheet.Height, Is.LessThanOrEqualTo(4 + 2 * (256 + 4)), "tiles' long side is at most 256");
    }

    [Test]
    public void ArrowsDriveTheMotionWithoutAMotionFile()
    {
        string image = PathOf("photo.png");
        using (var i = IoTestFiles.Noise(80, 64, seed: 1)) i.SaveAsPng(image);
        string output = PathOf("arrows.gif");
        var r = Run("animate", image, "-o", output, "--arrow", "40,30,70,30", "--size", "64", "--frames", "4", "--device", "cpu", "--quiet");
        Assert.That(r.Exit, Is.Zero, r.Err);
        // Issue 11 item 1: the whole photo is rendered at its aspect (long side --size), no longer centre-cropped.
        Assert.That(r.Err, Does.Not.Contain("centre-cropped"), "nothing is cut unless --region asks");
        using (var gif = Image.Load<Rgba32>(output)) Assert.That((gif.Width, gif.Height), Is.EqualTo((64, 51)), "80x64 at long side 64");
        Assert.That(r.Out, Does.Contain("\"motion\":\"arrows\""));
    }

    [Test]
    public void ExistingOutputNeedsOverwriteAndIsKeptUntouched()
    {
        string output = PathOf("exists.gif");
        File.WriteAllText(output, "keep me");
        var r = Animate(output);
        Assert.That(r.Exit, Is.Not.Zero, r.Err);
        Assert.That(r.Err.TrimEnd().Split('\n'), Has.Length.EqualTo(1), $"one line: {r.Err}");
        Assert.That(r.Err, Does.Contain("already exists").And.Contain("--overwrite"));
        Assert.That(File.ReadAllText(output), Is.EqualTo("keep me"));
        Assert.That(Animate(output, "--overwrite").Exit, Is.Zero, "--overwrite replaces it");
        Assert.That(new FileInfo(output).Length, Is.GreaterThan(100));
    }

    [Test]
    public void MissingInput() => AssertRefused(Run("animate", PathOf("nope.png"), "-o", PathOf("o.gif")), PathOf("o.gif"), "not found");

    [Test]
    public void FolderWithoutImage()
    {
        Directory.CreateDirectory(PathOf("empty"));
        AssertRefused(Run("animate", PathOf("empty"), "-o", PathOf("o.gif")), PathOf("o.gif"), "has no empty.png");
    }

    [Test]
    public void NotAnImage()
    {
        string input = WriteFile("text.png", "hello, not a picture"u8.ToArray());
        AssertRefused(Run("animate", input, "-o", PathOf("o.gif"), "--arrow", "1,1,2,2"), PathOf("o.gif"), "text.png");
    }

    [Test]
    public void TruncatedPng()
    {
        string good = PathOf("good.png");
        using (var i = IoTestFiles.Noise(64, 64, seed: 2)) i.SaveAsPng(good);
        var bytes = File.ReadAllBytes(good);
        string input = WriteFile("cut.png", bytes[..(bytes.Length / 2)]);
        AssertRefused(Run("animate", input, "-o", PathOf("o.gif"), "--arrow", "1,1,2,2", "--size", "64"), PathOf("o.gif"), "cut.png");
    }

    [Test]
    public void CorruptJpeg()
    {
        string input = WriteFile("bad.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xDB, 0, 3]);
        AssertRefused(Run("animate", input, "-o", PathOf("o.gif"), "--arrow", "1,1,2,2", "--size", "64"), PathOf("o.gif"), "bad.jpg");
    }

    [Test]
    public void ImageOverTheSizeLimit()
    {
        string input = WriteFile("huge.png", IoTestFiles.PngHeaderOnly(9000, 9000));
        AssertRefused(Run("animate", input, "-o", PathOf("o.gif"), "--arrow", "1,1,2,2"), PathOf("o.gif"), "8192");
    }

    [Test]
    public void MotionOfTheWrongShape()
    {
        string motion = WriteFile("m.npy", TestFiles.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4, 4), }", TestFiles.Floats(new float[48])));
        AssertRefused(Animate(PathOf("o.gif"), "--motion", motion), PathOf("o.gif"), "shape (3, 4, 4)");
    }

    [Test]
    public void MotionOfTheWrongDtype()
    {
        string motion = WriteFile("m.npy", TestFiles.Npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2, 2, 2), }", new byte[64]));
        AssertRefused(Animate(PathOf("o.gif"), "--motion", motion), PathOf("o.gif"), "m.npy");
    }

    [Test]
    public void MotionWithNaN()
    {
        var values = AnimateSample.Motion(64);
        values[100] = float.NaN;
        string motion = WriteFile("m.npy", TestFiles.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 64, 64), }", TestFiles.Floats(values)));
        AssertRefused(Animate(PathOf("o.gif"), "--motion", motion), PathOf("o.gif"), "NaN");
    }

    [Test]
    public void MotionFromAnNpzArrayOrAFloFile()
    {
        var interleaved = CineKernel.Fuzz.MotionFiles.Arrange(AnimateSample.Motion(64), 64, 64, "H,W,2");
        var npy = CineKernel.Fuzz.MotionFiles.Npy(interleaved, ">f8", fortran: true);
        string npz = WriteFile("flows.npz", CineKernel.Fuzz.MotionFiles.Npz([("forward", npy), ("other", npy)], System.IO.Compression.CompressionLevel.Optimal));
        string flo = WriteFile("m.flo", CineKernel.Fuzz.MotionFiles.Flo(64, 64, interleaved.Data));
        var reference = Animate(PathOf("reference"));
        Assert.That(reference.Exit, Is.Zero, reference.Err);
        foreach (var (motion, name) in new[] { (npz + ":forward", "npz"), (flo, "flo") })
        {
            var r = Animate(PathOf(name), "--motion", motion);
            Assert.That(r.Exit, Is.Zero, r.Err);
            Assert.That(r.Out, Does.Contain(motion));
            foreach (string frame in Directory.GetFiles(PathOf("reference")))
                Assert.That(File.ReadAllBytes(Path.Combine(PathOf(name), Path.GetFileName(frame))), Is.EqualTo(File.ReadAllBytes(frame)), $"{name}: {frame}");
        }
    }

    [Test]
    public void MotionFileOfAnotherKindOrWithoutItsArrayName()
    {
        string png = PathOf("motion.npy");
        using (var i = IoTestFiles.Noise(8, 8, seed: 1)) i.SaveAsPng(png);
        AssertRefused(Animate(PathOf("o.gif"), "--motion", png), PathOf("o.gif"), $"{png}: not a motion field but a PNG image; accepted: a .npy array, a .npz archive");
        var npy = CineKernel.Fuzz.MotionFiles.Npy(new CineKernel.WeightsLoader.TensorData([2, 64, 64], AnimateSample.Motion(64)));
        string npz = WriteFile("two.npz", CineKernel.Fuzz.MotionFiles.Npz([("a", npy), ("b", npy)]));
        AssertRefused(Animate(PathOf("o.gif"), "--motion", npz), PathOf("o.gif"), $"holds 2 arrays ('a', 'b'); name one as {npz}:NAME");
        AssertRefused(Animate(PathOf("o.gif"), "--motion", PathOf("missing.npz") + ":a"), PathOf("o.gif"), $"motion file not found: {PathOf("missing.npz")}");
    }

    [Test]
    public void SpeedMultipliesTheMotion()
    {
        var values = AnimateSample.Motion(64);
        string once = WriteFile("once.npy", TestFiles.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 64, 64), }", TestFiles.Floats(values)));
        string twice = WriteFile("twice.npy", TestFiles.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 64, 64), }",
            TestFiles.Floats(values.Select(v => 2 * v).ToArray())));
        var reference = Animate(PathOf("reference"), "--motion", twice);
        Assert.That(reference.Exit, Is.Zero, reference.Err);
        var fast = Animate(PathOf("fast"), "--motion", once, "--speed", "2");
        Assert.That(fast.Exit, Is.Zero, fast.Err);
        Assert.That(fast.Out, Does.Contain("\"speed\":2"));
        foreach (string frame in Directory.GetFiles(PathOf("reference")))
            Assert.That(File.ReadAllBytes(Path.Combine(PathOf("fast"), Path.GetFileName(frame))), Is.EqualTo(File.ReadAllBytes(frame)), frame);
    }

    [TestCase("black", "the mask selects nothing (it is black everywhere): every frame will be the photo")]
    [TestCase("still", "the motion is zero wherever the mask animates: every frame will be the photo")]
    [TestCase("fast", "the fastest pixel moves 20 grid pixels a frame, 160 over the 8-frame loop: 2.5 times the 64-pixel picture")]
    public void ResultsThatWillNotMoveOrLookRightAreWarned(string kind, string expected)
    {
        var values = kind switch
        {
            "still" => new float[2 * 64 * 64],
            "fast" => Enumerable.Repeat(20f, 64 * 64).Concat(new float[64 * 64]).ToArray(),
            _ => AnimateSample.Motion(64),
        };
        string motion = WriteFile("m.npy", TestFiles.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 64, 64), }", TestFiles.Floats(values)));
        var extra = new List<string> { "--motion", motion };
        if (kind == "black")
        {
            string mask = PathOf("black.png");
            using (var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(64, 64)) image.SaveAsPng(mask);
            extra.AddRange(["--mask", mask]);
        }
        var r = Animate(PathOf("out.gif"), [.. extra]);
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(r.Err, Does.Contain("cinekernel: warning: " + expected));
        using var json = System.Text.Json.JsonDocument.Parse(r.Out.TrimEnd().Split('\n')[^1]);
        Assert.That(json.RootElement.GetProperty("warnings")[0].GetString(), Does.StartWith(expected));
    }

    [Test]
    public void APhotosTransparencyAndUnconvertibleProfileAreSaid()
    {
        // A half-transparent RGBA PNG whose iCCP chunk holds 200 zero bytes (no profile Skia can model).
        using var photo = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgba32>(64, 64, new SixLabors.ImageSharp.PixelFormats.Rgba32(200, 100, 50, 128));
        using var stream = new MemoryStream();
        photo.SaveAsPng(stream, new SixLabors.ImageSharp.Formats.Png.PngEncoder { ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.RgbWithAlpha });
        byte[] png = stream.ToArray();
        using var zlib = new MemoryStream();
        using (var z = new System.IO.Compression.ZLibStream(zlib, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)) z.Write(new byte[200]);
        string input = WriteFile("odd.png", [.. png[..33], .. IoTestFiles.PngChunk("iCCP", [.. "x"u8, 0, 0, .. zlib.ToArray()]), .. png[33..]]);
        var r = Run("animate", input, "-o", PathOf("o.gif"), "--arrow", "1,1,2,2", "--size", "64", "--frames", "8", "--device", "cpu", "--quiet");
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(r.Err, Does.Contain($"cinekernel: warning: input image '{input}': its embedded ICC profile 'unnamed' cannot be converted to sRGB"));
        Assert.That(r.Err, Does.Contain("cinekernel: note: input image").And.Contain("composited over black"));
        using var json = System.Text.Json.JsonDocument.Parse(r.Out.TrimEnd().Split('\n')[^1]);
        Assert.That(json.RootElement.GetProperty("warnings")[0].GetString(), Does.Contain("cannot be converted to sRGB"));
        Assert.That(json.RootElement.GetProperty("notes")[0].GetString(), Does.Contain("composited over black"));
    }

    [Test]
    public void TheSampleIsNotWarned()
    {
        var r = Animate(PathOf("out.gif"));
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(r.Err, Does.Not.Contain("warning"));
        Assert.That(r.Out, Does.Contain("\"warnings\":[]"));
    }

    [TestCase("0")]
    [TestCase("-1")]
    [TestCase("11")]
    [TestCase("fast")]
    [TestCase("NaN")]
    public void SpeedOutOfRangeIsAUsageError(string speed)
    {
        var r = Animate(PathOf("o.gif"), "--speed", speed);
        Assert.That(r.Exit, Is.EqualTo(2));
        AssertRefused(r, PathOf("o.gif"), $"--speed must be a number in (0, 10], got '{speed}'");
    }

    [TestCase("nan,10,20,10", "'nan' (x0) is not a finite number")]
    [TestCase("10,10,Infinity,10", "'Infinity' (x1) is not a finite number")]
    [TestCase("10,10,1e400,10", "'1e400' (x1) is not a finite number")]
    [TestCase("10,10,100000,10", "Motion hint 1 (10,10,100000,10) moves 3333 pixels a frame at 30 fps, farther than the 64-pixel animated square in one frame; an arrow is the motion over one second, at most 1920 pixels long here.")]
    [TestCase("10,10,20,10;10,10,-1e308,1e308", "Motion hint 2 (10,10,-1E+308,1E+308) moves Infinity pixels a frame")]
    public void ArrowsThatAreNotFiniteOrFasterThanTheImageAreRefused(string arrow, string expected)
    {
        string image = PathOf("photo.png");
        using (var i = IoTestFiles.Noise(64, 64, seed: 1)) i.SaveAsPng(image);
        AssertRefused(Run("animate", image, "-o", PathOf("o.gif"), "--arrow", arrow, "--size", "64", "--frames", "4", "--device", "cpu"), PathOf("o.gif"), expected);
    }

    [Test]
    public void MaskThatIsNotAnImage()
    {
        string mask = WriteFile("mask.png", "no pixels here"u8.ToArray());
        AssertRefused(Animate(PathOf("o.gif"), "--mask", mask), PathOf("o.gif"), "mask.png");
    }

    [TestCase("1")]
    [TestCase("10001")]
    public void FrameCountOutOfRange(string frames) =>
        AssertRefused(Run("animate", Sample, "-o", PathOf("o.gif"), "--frames", frames), PathOf("o.gif"), "--frames must be between 2 and 10000");

    [Test]
    public void UnknownDevice() =>
        AssertRefused(Run("animate", Sample, "-o", PathOf("o.gif"), "--device", "tpu"), PathOf("o.gif"), "unknown device 'tpu'");

    [Test]
    public void UnknownOption() =>
        AssertRefused(Run("animate", Sample, "-o", PathOf("o.gif"), "--colour", "red"), PathOf("o.gif"), "unknown option '--colour'");

    [Test]
    public void WeightsFolderWithoutTheCheckpoints() =>
        AssertRefused(Run("animate", Sample, "-o", PathOf("o.gif"), "--weights", Dir), PathOf("o.gif"), "missing sg2-lhq-1024.safetensors");

    [Test]
    public void NoMotionAtAll()
    {
        string image = PathOf("photo.png");
        using (var i = IoTestFiles.Noise(64, 64, seed: 1)) i.SaveAsPng(image);
        AssertRefused(Run("animate", image, "-o", PathOf("o.gif")), PathOf("o.gif"), "no motion");
    }

    /// <summary>PNG frames of the sample rendered with the given mask (or the sample's own when null).</summary>
    private List<Image<Rgb24>> FramesWith(string? mask, string name, out string stderr)
    {
        string output = PathOf(name);
        var r = mask is null ? Animate(output) : Animate(output, "--mask", mask);
        Assert.That(r.Exit, Is.Zero, r.Err);
        stderr = r.Err;
        return Directory.GetFiles(output, "*.png").Order().Select(Image.Load<Rgb24>).ToList();
    }

    /// <summary>A 64×64 mask PNG: black left of the sample's mask edge, <paramref name="animated"/> from it on.</summary>
    private string HalfMask(string name, Rgb24 animated)
    {
        string path = PathOf(name);
        using var image = IoTestFiles.Make(64, 64, (x, _) => x >= AnimateSample.MaskStart(64) ? animated : new Rgb24(0, 0, 0));
        image.SaveAsPng(path);
        return path;
    }

    private static void AssertSameFrames(List<Image<Rgb24>> actual, List<Image<Rgb24>> expected, string what)
    {
        Assert.That(actual, Has.Count.EqualTo(expected.Count));
        for (int t = 0; t < actual.Count; t++)
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 64; x++)
                {
                    Rgb24 a = actual[t][x, y], e = expected[t][x, y];
                    // Within one level: the splat's float atomics may add in another order.
                    if (Math.Abs(a.R - e.R) > 1 || Math.Abs(a.G - e.G) > 1 || Math.Abs(a.B - e.B) > 1)
                        Assert.Fail($"{what}: frame {t} pixel ({x}, {y}) is {a}, the sample's mask gives {e}");
                }
    }

    [Test]
    public void LabelMaskSavedAsZeroOneIsReadAsLabelsWithANote()
    {
        // The sample's mask saved as labels (1 where it is white): the same frames, and a note on stderr.
        string mask = HalfMask("labels.png", new Rgb24(1, 1, 1));
        var expected = FramesWith(null, "sample", out _);
        var actual = FramesWith(mask, "labels", out string stderr);
        Assert.That(stderr, Does.Contain($"cinekernel: note: mask '{mask}': its largest value is 1, so it is read as a label image"));
        AssertSameFrames(actual, expected, "0/1 labels");
    }

    [Test]
    public void TransparentPartOfAMaskIsStatic()
    {
        // White everywhere, transparent on the left half: the same frames as the sample's black/white mask.
        string mask = PathOf("alpha.png");
        using (var image = new Image<Rgba32>(64, 64))
        {
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 64; x++)
                    image[x, y] = new Rgba32(255, 255, 255, (byte)(x >= AnimateSample.MaskStart(64) ? 255 : 0));
            image.SaveAsPng(mask);
        }
        var expected = FramesWith(null, "sample", out _);
        var actual = FramesWith(mask, "alpha", out string stderr);
        Assert.That(stderr, Does.Not.Contain("note"));
        AssertSameFrames(actual, expected, "alpha mask");
    }

    [Test]
    public void GreyMaskRegionMovesPartly()
    {
        // The right half at 40% grey: it moves (the frames leave the photo) but less than at 100%, and the black
        // half stays exactly the photo.
        string mask = HalfMask("grey.png", new Rgb24(102, 102, 102));
        var full = FramesWith(null, "sample", out _);
        var soft = FramesWith(mask, "grey", out _);
        using var photo = Image.Load<Rgb24>(Path.Combine(Sample, "scene.png"));
        int start = AnimateSample.MaskStart(64);
        double softChange = 0, fullChange = 0;
        for (int t = 0; t < soft.Count; t++)
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 64; x++)
                {
                    if (x < start)
                    {
                        if (soft[t][x, y] != photo[x, y]) Assert.Fail($"static pixel ({x}, {y}) of frame {t} is {soft[t][x, y]}, the input has {photo[x, y]}");
                        continue;
                    }
                    softChange += Math.Abs(soft[t][x, y].R - photo[x, y].R);
                    fullChange += Math.Abs(full[t][x, y].R - photo[x, y].R);
                }
        TestContext.Out.WriteLine($"mean |frame - photo| in the animated half: 40% mask {softChange / (soft.Count * 64 * 32):F2}, full mask {fullChange / (full.Count * 64 * 32):F2}");
        Assert.That(softChange, Is.GreaterThan(0.1 * fullChange), "the grey region moves");
        Assert.That(softChange, Is.LessThan(0.6 * fullChange), "but partly");
    }

    [Test]
    public void TruncatedMask()
    {
        string whole = PathOf("whole_mask.png");
        using (var m = IoTestFiles.Noise(64, 64, seed: 5)) m.SaveAsPng(whole);
        byte[] bytes = File.ReadAllBytes(whole);
        string mask = WriteFile("cut_mask.png", bytes[..(bytes.Length / 2)]);
        AssertRefused(Animate(PathOf("o.gif"), "--mask", mask), PathOf("o.gif"), "cut_mask.png");
    }
}
