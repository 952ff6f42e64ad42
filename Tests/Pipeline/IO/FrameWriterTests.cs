using System.Diagnostics;
using CineKernel.Pipeline.IO;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Tests.Pipeline.IO;

public class FrameWriterTests : IoTestBase
{
    private const int W = 32, H = 24;

    /// <summary>
    /// Frame t: a dark blue background with a 8x8 orange square at x = 4t; planar RGB in [0, 1].
    /// Few, distant colours, so a 256-colour palette holds them exactly.
    /// </summary>
    private static float[] Frame(int t)
    {
        var planes = new float[3 * W * H];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                bool square = x >= 4 * t && x < 4 * t + 8 && y >= 8 && y < 16;
                Rgb24 c = square ? new Rgb24(240, 140, 20) : new Rgb24(20, 40, 100);
                planes[y * W + x] = c.R / 255f;
                planes[W * H + y * W + x] = c.G / 255f;
                planes[2 * W * H + y * W + x] = c.B / 255f;
            }
        return planes;
    }

    private static Rgb24 Expected(int t, int x, int y) =>
        x >= 4 * t && x < 4 * t + 8 && y >= 8 && y < 16 ? new Rgb24(240, 140, 20) : new Rgb24(20, 40, 100);

    private static void WriteFrames(IFrameWriter writer, int count)
    {
        for (int t = 0; t < count; t++) writer.Write(Frame(t));
    }

    /// <summary>The scratch directory holds exactly these names: no temporary leftovers.</summary>
    private void AssertDirectoryHolds(params string[] names) =>
        Assert.That(Directory.GetFileSystemEntries(files.Directory).Select(Path.GetFileName), Is.EquivalentTo(names));

    [Test]
    public void KindFollowsTheExtension()
    {
        Assert.That(FrameWriter.KindOf("a/b.gif"), Is.EqualTo(FrameOutputKind.Gif));
        Assert.That(FrameWriter.KindOf("b.GIF"), Is.EqualTo(FrameOutputKind.Gif));
        Assert.That(FrameWriter.KindOf("b.mp4"), Is.EqualTo(FrameOutputKind.Mp4));
        Assert.That(FrameWriter.KindOf("frames"), Is.EqualTo(FrameOutputKind.PngDirectory));
        Assert.That(FrameWriter.KindOf("frames.v2/"), Is.EqualTo(FrameOutputKind.PngDirectory));
        Directory.CreateDirectory(files.PathOf("frames.v3"));
        Directory.CreateDirectory(files.PathOf("odd.gif"));
        Assert.That(FrameWriter.KindOf(files.PathOf("frames.v3")), Is.EqualTo(FrameOutputKind.PngDirectory), "an existing directory");
        Assert.That(FrameWriter.KindOf(files.PathOf("odd.gif")), Is.EqualTo(FrameOutputKind.Gif), "the extension wins");
        var inTheWay = Assert.Throws<MediaFileException>(() => FrameWriter.Create(files.PathOf("odd.gif"), W, H))!;
        Assert.That(inTheWay.Message, Does.EndWith("odd.gif': is a directory."));
        var e = Assert.Throws<MediaFileException>(() => FrameWriter.KindOf("clip.avi"))!;
        Assert.That(e.Message, Is.EqualTo("Output 'clip.avi': unsupported extension '.avi'; use .gif, .mp4, or a directory name (no extension, or ending in '/') for PNG frames."));
    }

    [Test]
    public void GifHasEveryFrameLoopsForeverAndKeepsTheRate()
    {
        string path = files.PathOf("loop.gif");
        using (var writer = FrameWriter.Create(path, W, H, new FrameWriterOptions { Fps = 30, QueueCapacity = 2 }))
        {
            WriteFrames(writer, 5);
            Assert.That(File.Exists(path), Is.False, "nothing at the destination before Complete");
            writer.Complete();
        }
        AssertDirectoryHolds("loop.gif");

        using var gif = Image.Load<Rgb24>(path);
        Assert.That(gif.Frames.Count, Is.EqualTo(5));
        Assert.That(gif.Metadata.GetGifMetadata().RepeatCount, Is.EqualTo(0), "NETSCAPE repeat count 0: loop forever");
        int[] delays = Enumerable.Range(0, 5).Select(i => gif.Frames[i].Metadata.GetGifMetadata().FrameDelay).ToArray();
        Assert.That(delays, Is.EqualTo(new[] { 3, 4, 3, 3, 4 }), "hundredths at 30 fps; 5 frames = 17/100 s ~ 5/30 s");
        for (int t = 0; t < 5; t++)
            foreach (var (x, y) in new[] { (0, 0), (4 * t, 8), (4 * t + 7, 15), (31, 23), (4 * t + 3, 12) })
                Assert.That(gif.Frames[t][x, y], Is.EqualTo(Expected(t, x, y)), $"frame {t} pixel ({x}, {y})");
    }

    [Test]
    public void GifStaticRegionIsIdenticalInEveryFrame()
    {
        // A smooth gradient (more colours than the palette holds) with a square moving over its lower half:
        // the upper half never changes, so after quantization and dithering it must not change either.
        const int n = 4, size = 64;
        float[] Gradient(int t)
        {
            var planes = new float[3 * size * size];
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    bool square = y >= 40 && y < 56 && x >= 8 * t && x < 8 * t + 16;
                    planes[y * size + x] = square ? 1f : x / 63f;
                    planes[size * size + y * size + x] = square ? 0.2f : y / 63f;
                    planes[2 * size * size + y * size + x] = square ? 0f : 0.5f + (x - y) / 256f;
                }
            return planes;
        }
        string path = files.PathOf("gradient.gif");
        using (var writer = FrameWriter.Create(path, size, size))
        {
            for (int t = 0; t < n; t++) writer.Write(Gradient(t));
            writer.Complete();
        }
        using var gif = Image.Load<Rgb24>(path);
        double error = 0;
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < size; x++)
            {
                for (int t = 1; t < n; t++)
                    Assert.That(gif.Frames[t][x, y], Is.EqualTo(gif.Frames[0][x, y]), $"static pixel ({x}, {y}) in frame {t}");
                Rgb24 p = gif.Frames[0][x, y];
                error += Math.Abs(p.R - x / 63.0 * 255) + Math.Abs(p.G - y / 63.0 * 255);
            }
        error /= 32 * size * 2;
        TestContext.Out.WriteLine($"mean absolute error of the gradient: {error:F2} levels");
        Assert.That(error, Is.LessThan(6.0), "256 colours and a light dither stay close to a gradient");
        Assert.That(gif.Frames[2][20, 47].R, Is.GreaterThan(230), "the moving square is there");
    }

    [TestCase(24.0)]
    [TestCase(25.0)]
    [TestCase(12.5)]
    [TestCase(50.0)]
    public void GifDelaysAverageToTheFrameRate(double fps)
    {
        // Whole hundredths per frame, spread so that after n frames the clock is within half a hundredth.
        const int n = 12;
        string path = files.PathOf("rate.gif");
        using (var writer = FrameWriter.Create(path, 2, 2, new FrameWriterOptions { Fps = fps }))
        {
            for (int i = 0; i < n; i++) writer.Write(new float[12]);
            writer.Complete();
        }
        using var gif = Image.Load<Rgb24>(path);
        int[] delays = Enumerable.Range(0, n).Select(i => gif.Frames[i].Metadata.GetGifMetadata().FrameDelay).ToArray();
        TestContext.Out.WriteLine($"{fps} fps: {string.Join(" ", delays)}");
        for (int k = 1; k <= n; k++)
            Assert.That(Math.Abs(delays.Take(k).Sum() - 100.0 * k / fps), Is.LessThanOrEqualTo(0.5), $"time after {k} frames");
        Assert.That(delays.Max() - delays.Min(), Is.LessThanOrEqualTo(1));
    }

    [Test]
    public void GifFasterThan50FpsIsRefused()
    {
        string path = files.PathOf("fast.gif");
        var e = Assert.Throws<MediaFileException>(() => FrameWriter.Create(path, W, H, new FrameWriterOptions { Fps = 60 }))!;
        Assert.That(e.Message, Does.Contain("GIF plays at most 50 fps"));
        AssertDirectoryHolds();
    }

    [Test]
    public void PngDirectoryHasOneExactFilePerFrame()
    {
        string path = files.PathOf("frames");
        using (var writer = FrameWriter.Create(path, W, H))
        {
            WriteFrames(writer, 6);
            writer.Complete();
        }
        AssertDirectoryHolds("frames");
        Assert.That(Directory.GetFiles(path).Select(Path.GetFileName).Order(),
            Is.EqualTo(Enumerable.Range(0, 6).Select(i => $"frame_{i:D4}.png")));
        for (int t = 0; t < 6; t++)
        {
            using var png = Image.Load<Rgb24>(Path.Combine(path, $"frame_{t:D4}.png"));
            Assert.That((png.Width, png.Height), Is.EqualTo((W, H)));
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                    Assert.That(png[x, y], Is.EqualTo(Expected(t, x, y)), $"frame {t} pixel ({x}, {y})");
        }
    }

    [Test]
    public void SignedFramesAreClampedAndRounded()
    {
        string path = files.PathOf("signed") + "/";
        var planes = new float[3 * 2 * 2];
        float[] red = [-1f, 0f, 1f, 7f]; // black, half, white, clamped
        red.CopyTo(planes, 0);
        planes[4] = float.NaN; // green of pixel 0: NaN becomes 0
        planes[5] = -3f;
        planes[6] = 0.0039f; // (0.0039 + 1) / 2 * 255 = 127.997 -> 128
        planes[7] = -0.0041f; // 126.977 -> 127
        using (var writer = FrameWriter.Create(path, 2, 2))
        {
            writer.Write(planes, PixelRange.Signed);
            writer.Complete();
        }
        using var png = Image.Load<Rgb24>(Path.Combine(files.PathOf("signed"), "frame_0000.png"));
        Assert.That(new[] { png[0, 0].R, png[1, 0].R, png[0, 1].R, png[1, 1].R }, Is.EqualTo(new byte[] { 0, 128, 255, 255 }));
        Assert.That(new[] { png[0, 0].G, png[1, 0].G, png[0, 1].G, png[1, 1].G }, Is.EqualTo(new byte[] { 0, 0, 128, 127 }));
    }

    [Test]
    public void Mp4IsH264Yuv420pWithEveryFrame()
    {
        string? ffprobe = RequireFfmpegTools();
        string path = files.PathOf("loop.mp4");
        using (var writer = FrameWriter.Create(path, W, H, new FrameWriterOptions { Fps = 30, QueueCapacity = 1 }))
        {
            WriteFrames(writer, 6);
            writer.Complete();
        }
        AssertDirectoryHolds("loop.mp4");
        string probe = RunTool(ffprobe!, "-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=codec_name,pix_fmt,width,height,nb_read_frames,r_frame_rate", "-of", "default=noprint_wrappers=1", path);
        TestContext.Out.WriteLine(probe);
        Assert.That(probe, Does.Contain("codec_name=h264"));
        Assert.That(probe, Does.Contain("pix_fmt=yuv420p"));
        Assert.That(probe, Does.Contain($"width={W}"));
        Assert.That(probe, Does.Contain($"height={H}"));
        Assert.That(probe, Does.Contain("r_frame_rate=30/1"));
        Assert.That(probe, Does.Contain("nb_read_frames=6"));
    }

    [Test]
    public void Mp4ColoursSurviveTheRoundTrip()
    {
        // Decoded back to RGB by ffmpeg (which honours the BT.709 tags), a flat area returns close to its
        // colour; a BT.601/709 mix-up would move the orange by ~10-20 levels.
        RequireFfmpegTools();
        string path = files.PathOf("colour.mp4");
        using (var writer = FrameWriter.Create(path, W, H))
        {
            WriteFrames(writer, 2);
            writer.Complete();
        }
        var decoded = RunToolBytes(FfmpegTool("ffmpeg")!, "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-");
        Assert.That(decoded, Has.Length.EqualTo(3 * W * H));
        void Check(int x, int y, Rgb24 expected)
        {
            int i = 3 * (y * W + x);
            var actual = new Rgb24(decoded[i], decoded[i + 1], decoded[i + 2]);
            TestContext.Out.WriteLine($"({x}, {y}): {actual} vs {expected}");
            Assert.That(Math.Abs(actual.R - expected.R), Is.LessThanOrEqualTo(6), $"R at ({x}, {y})");
            Assert.That(Math.Abs(actual.G - expected.G), Is.LessThanOrEqualTo(6), $"G at ({x}, {y})");
            Assert.That(Math.Abs(actual.B - expected.B), Is.LessThanOrEqualTo(6), $"B at ({x}, {y})");
        }
        Check(24, 4, new Rgb24(20, 40, 100));
        Check(3, 11, new Rgb24(240, 140, 20));
    }

    [Test]
    public void Mp4WithOddDimensionsIsRefused()
    {
        string path = files.PathOf("odd.mp4");
        var e = Assert.Throws<MediaFileException>(() => FrameWriter.Create(path, 33, 24))!;
        Assert.That(e.Message, Is.EqualTo($"Output '{path}': H.264 in yuv420p needs even dimensions, the frames are 33x24."));
        AssertDirectoryHolds();
    }

    [Test]
    public void MissingFfmpegNamesThePackageAndSuggestsGif()
    {
        string path = files.PathOf("clip.mp4");
        var options = new FrameWriterOptions { FfmpegPath = files.PathOf("no-such-dir/ffmpeg") };
        var e = Assert.Throws<MediaFileException>(() => FrameWriter.Create(path, W, H, options))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.Contain($"'{path}'"));
        Assert.That(e.Message, Does.Contain("ffmpeg program"));
        Assert.That(e.Message, Does.Contain("package 'ffmpeg'"));
        Assert.That(e.Message, Does.Contain(".gif"));
        Assert.That(e.Message, Does.Not.Contain('\n'));
        AssertDirectoryHolds();
    }

    [Test]
    public void FfmpegFailureIsOneLineAndLeavesNothing()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("the stand-in ffmpeg is a shell script");
            return;
        }
        // A stand-in ffmpeg that fails at once, the way a real one does on a bad option or a full disk.
        string fake = files.SaveBytes("fake-ffmpeg",
            "#!/bin/sh\necho 'some banner line' >&2\necho \"Unknown encoder 'libx264'\" >&2\nexit 3\n"u8.ToArray());
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string path = files.PathOf("clip.mp4");
        var e = Assert.Throws<MediaFileException>(() =>
        {
            using var writer = FrameWriter.Create(path, W, H, new FrameWriterOptions { FfmpegPath = fake, QueueCapacity = 1 });
            WriteFrames(writer, 8); // the pipe breaks at some point; the failure surfaces here or in Complete
            writer.Complete();
        })!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Is.EqualTo($"ffmpeg failed writing '{path}' (exit code 3): Unknown encoder 'libx264'"));
        AssertDirectoryHolds("fake-ffmpeg");
    }

    [TestCase("anim.gif")]
    [TestCase("anim.mp4")]
    [TestCase("frames")]
    public void DisposeWithoutCompleteLeavesNothing(string name)
    {
        if (name.EndsWith(".mp4")) RequireFfmpegTools();
        string path = files.PathOf(name);
        using (var writer = FrameWriter.Create(path, W, H))
        {
            WriteFrames(writer, 3);
            Assert.That(Directory.GetFileSystemEntries(files.Directory).Single(), Does.EndWith(".partial"),
                "the work in progress is a hidden .partial beside the destination");
        }
        AssertDirectoryHolds();
    }

    [Test]
    public void FailureInTheMiddleKeepsTheOldOutput()
    {
        string path = files.PathOf("anim.gif");
        File.WriteAllText(path, "an earlier result");
        Assert.Throws<InvalidOperationException>(() =>
        {
            using var writer = FrameWriter.Create(path, W, H, new FrameWriterOptions { Overwrite = true });
            WriteFrames(writer, 2);
            throw new InvalidOperationException("the GPU fell over");
        });
        Assert.That(File.ReadAllText(path), Is.EqualTo("an earlier result"));
        AssertDirectoryHolds("anim.gif");
    }

    [Test]
    public void ExistingFileIsReplacedOnlyWhenAllowedAndOnlyAtComplete()
    {
        string path = files.PathOf("anim.gif");
        File.WriteAllText(path, "an earlier result");
        var e = Assert.Throws<MediaFileException>(() => FrameWriter.Create(path, W, H))!;
        Assert.That(e.Message, Is.EqualTo($"Output '{path}': the file exists; allow overwriting to replace it."));

        using (var writer = FrameWriter.Create(path, W, H, new FrameWriterOptions { Overwrite = true }))
        {
            WriteFrames(writer, 2);
            Assert.That(File.ReadAllText(path), Is.EqualTo("an earlier result"), "untouched until Complete");
            writer.Complete();
        }
        using var gif = Image.Load<Rgb24>(path);
        Assert.That(gif.Frames.Count, Is.EqualTo(2));
        AssertDirectoryHolds("anim.gif");
    }

    [Test]
    public void FrameDirectoryIsReplacedButAForeignDirectoryIsNot()
    {
        string frames = files.PathOf("frames");
        Directory.CreateDirectory(frames);
        File.WriteAllText(Path.Combine(frames, "frame_0000.png"), "old");
        File.WriteAllText(Path.Combine(frames, "frame_0001.png"), "old");
        using (var writer = FrameWriter.Create(frames, W, H, new FrameWriterOptions { Overwrite = true }))
        {
            WriteFrames(writer, 1);
            writer.Complete();
        }
        Assert.That(Directory.GetFiles(frames).Select(Path.GetFileName), Is.EqualTo(new[] { "frame_0000.png" }));
        AssertDirectoryHolds("frames");

        string photos = files.PathOf("photos");
        Directory.CreateDirectory(photos);
        File.WriteAllText(Path.Combine(photos, "holiday.jpg"), "precious");
        var e = Assert.Throws<MediaFileException>(() => FrameWriter.Create(photos, W, H, new FrameWriterOptions { Overwrite = true }))!;
        Assert.That(e.Message, Does.Contain("holds 'holiday.jpg', not only frame_NNNN.png files"));
        Assert.That(File.ReadAllText(Path.Combine(photos, "holiday.jpg")), Is.EqualTo("precious"));
        AssertDirectoryHolds("frames", "photos");
    }

    [Test]
    public void MissingFolderIsRefused()
    {
        string path = files.PathOf("not/there/anim.gif");
        var e = Assert.Throws<MediaFileException>(() => FrameWriter.Create(path, W, H))!;
        Assert.That(e.Message, Does.Contain("does not exist"));
    }

    [Test]
    public void NoFramesIsAnErrorAndLeavesNothing()
    {
        string path = files.PathOf("empty.gif");
        using var writer = FrameWriter.Create(path, W, H);
        var e = Assert.Throws<MediaFileException>(writer.Complete)!;
        Assert.That(e.Message, Is.EqualTo($"Output '{path}': no frames were written."));
        AssertDirectoryHolds();
    }

    [Test]
    public void WrongFrameLengthIsAnArgumentError()
    {
        using var writer = FrameWriter.Create(files.PathOf("x.gif"), W, H);
        var e = Assert.Throws<ArgumentException>(() => writer.Write(new float[W * H]))!;
        Assert.That(e.Message, Does.StartWith($"A {W}x{H} frame needs 3*{W}*{H} = {3 * W * H} floats (planar RGB), got {W * H}."));
        Assert.Throws<ArgumentException>(() => writer.Write(new RgbPlanes(W, W)));
    }

    private static string? FfmpegTool(string name)
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, OperatingSystem.IsWindows() ? name + ".exe" : name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>ffprobe's path; the test is ignored only when ffmpeg is genuinely not installed.</summary>
    private static string? RequireFfmpegTools()
    {
        if (FfmpegTool("ffmpeg") is null || FfmpegTool("ffprobe") is null)
            Assert.Ignore("ffmpeg/ffprobe are not installed (Debian package 'ffmpeg')");
        return FfmpegTool("ffprobe");
    }

    private static string RunTool(string program, params string[] arguments) =>
        System.Text.Encoding.UTF8.GetString(RunToolBytes(program, arguments));

    private static byte[] RunToolBytes(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.EqualTo(0), $"{Path.GetFileName(program)} failed: {stderr.Result}");
        return output.ToArray();
    }
}
