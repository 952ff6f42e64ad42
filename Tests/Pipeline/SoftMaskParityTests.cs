using System.IO.Compression;
using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Warping;
using CineKernel.Tests.Support;
using CineKernel.WeightsLoader;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace CineKernel.Tests.Pipeline;

/// <summary>
/// The feathered mask against the original's reading of it (Tests/Data/soft_mask, from ../shared/golden/soft_mask):
/// main.py's <c>mp.resize_image(mask, (512, 512))[:, :, 0] / 255</c> and <c>resize_feature(mask, 1024)</c>.
/// </summary>
public class SoftMaskParityTests
{
    private static string DataPath(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "soft_mask", name);

    private static TensorData ReadGzippedNpy(string name)
    {
        string npy = Path.Combine(Path.GetTempPath(), $"cinekernel-{Guid.NewGuid():N}.npy");
        try
        {
            using (var source = new GZipStream(File.OpenRead(DataPath(name)), CompressionMode.Decompress))
            using (var target = File.Create(npy))
                source.CopyTo(target);
            return NpyReader.Read(npy);
        }
        finally
        {
            File.Delete(npy);
        }
    }

    private static double MaxAbs(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.That(a.Length, Is.EqualTo(b.Length));
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }

    [Test]
    public void FeatheredMaskAt512MatchesTheOriginalExactly()
    {
        var expected = ReadGzippedNpy("mask512.npy.gz");
        Assert.That(expected.Shape, Is.EqualTo(new long[] { 512, 512 }));
        var reading = MaskInput.Load(DataPath("feathered_mask.png"));
        double error = MaxAbs(reading.Mask.Values, expected.Data);
        TestContext.Out.WriteLine($"mask512: max |ours - original| = {error:G3} ({error * 255:F2} grey levels)");
        Assert.That(error, Is.EqualTo(0), "PIL's LANCZOS on uint8, bit for bit");
        Assert.That(reading.ReadAsLabels, Is.False);

        var levels = expected.Data.Distinct().Count();
        Assert.That(levels, Is.GreaterThan(100), "a soft mask: the feathered horizon keeps its grey levels");
        Assert.That(expected.Data.Count(v => Math.Abs(v - 0.4f) < 1e-6f), Is.GreaterThan(10_000), "the 40% lake");
    }

    /// <summary>
    /// The tolerance ImageSharp's Lanczos3 would need (it centres, rounds and keeps its intermediate pass
    /// differently): one grey level here. <see cref="PilLanczosResize"/> needs none.
    /// </summary>
    [Test]
    public void ImageSharpLanczos3IsWithinOneGreyLevelOfPils()
    {
        var expected = ReadGzippedNpy("mask512.npy.gz").Data;
        using var image = Image.Load<Rgb24>(DataPath("feathered_mask.png"));
        image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(512, 512), Mode = ResizeMode.Stretch, Sampler = KnownResamplers.Lanczos3, Compand = false }));
        var ours = new float[512 * 512];
        for (int y = 0; y < 512; y++)
            for (int x = 0; x < 512; x++)
                ours[y * 512 + x] = (float)(image[x, y].R / 255.0);
        double error = MaxAbs(ours, expected);
        TestContext.Out.WriteLine($"ImageSharp Lanczos3 vs PIL LANCZOS at 512: max abs {error:G3} ({error * 255:F0} grey levels)");
        Assert.That(error, Is.GreaterThan(0).And.LessThanOrEqualTo(1 / 255.0 + 1e-7));
    }

    [Test]
    public void UpMaskAt1024MatchesTheOriginalsStepResize()
    {
        var mask512 = ReadGzippedNpy("mask512.npy.gz");
        var expected = ReadGzippedNpy("up_mask1024.npy.gz");
        Assert.That(expected.Shape, Is.EqualTo(new long[] { 1024, 1024 }));
        var b = new GraphBuilder("up_mask");
        b.Output("up", StepResize.Build(b, b.Input("mask", new Shape4(1, 1, 512, 512)), 1024, "mask"));
        using var runner = new GraphRunner(TestDevice.Instance, Scheduler.Plan(b.Build()));
        runner.SetInput("mask", mask512.Data);
        runner.Run();
        var ours = runner.Output("up").ToArray();
        double error = MaxAbs(ours, expected.Data);
        TestContext.Out.WriteLine($"up_mask1024: max |ours - original| = {error:G3}");
        Assert.That(error, Is.LessThanOrEqualTo(1e-6));
    }
}
