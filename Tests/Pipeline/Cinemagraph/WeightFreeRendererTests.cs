using NUnit.Framework;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Warping;
using CineKernel.Tests.Pipeline.IO;
using CineKernel.Tests.Support;

namespace CineKernel.Tests.Pipeline.Cinemagraph;

public class WeightFreeRendererTests
{
    private const int Size = 64;

    private static RgbPlanes Photo()
    {
        using var image = IoTestFiles.Noise(Size, Size, seed: 3);
        return RgbPlanes.FromImage(image);
    }

    private static float[] HalfMask()
    {
        var mask = new float[Size * Size];
        for (int y = 0; y < Size; y++)
            for (int x = AnimateSample.MaskStart(Size); x < Size; x++) mask[y * Size + x] = 1f;
        return mask;
    }

    private static List<float[]> Render(RgbPlanes photo, float[] motion, float[] mask, LoopMode loop, int frames, int levels = 4)
    {
        using var renderer = WeightFreeRenderer.Create(TestDevice.Instance, photo, new MotionField(Size, Size, motion),
            mask.Length == 0 ? null : new AnimationMask(Size, Size, mask),
            new CinemagraphOptions { FrameCount = frames, Loop = loop, PyramidLevels = levels });
        var result = new List<float[]>();
        renderer.Render((t, rgb) =>
        {
            Assert.That(t, Is.EqualTo(result.Count), "frames arrive in order");
            result.Add(rgb.ToArray());
        });
        Assert.That(renderer.Timings.Frames, Is.GreaterThan(0));
        return result;
    }

    [TestCase(4)]
    [TestCase(2)]
    [TestCase(1)]
    public void ZeroMotionReproducesThePhotoThroughThePyramid(int levels)
    {
        // No motion: every splat is the identity, so the collapse must give the photo back (float rounding only).
        var photo = Photo();
        var frames = Render(photo, new float[2 * Size * Size], [], LoopMode.Seamless, 3, levels);
        foreach (var f in frames)
            Numerics.AssertClose(f, photo.Data.Select(v => (double)v).ToArray(), 1e-5, "static frame");
    }

    [Test]
    public void StaticRegionIsExactlyThePhotoAndTheAnimatedRegionMoves()
    {
        var photo = Photo();
        const int n = 10;
        var frames = Render(photo, AnimateSample.Motion(Size), HalfMask(), LoopMode.Seamless, n);
        int plane = Size * Size, start = AnimateSample.MaskStart(Size);
        foreach (var f in frames)
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < Size; y++)
                    for (int x = 0; x < start; x++)
                    {
                        int i = c * plane + y * Size + x;
                        if (f[i] != photo.Data[i]) Assert.Fail($"pixel ({c}, {y}, {x}) outside the mask is {f[i]}, the photo has {photo.Data[i]}");
                    }
        int changed = 0;
        for (int y = 0; y < Size; y++)
            for (int x = start + 2; x < Size; x++)
                if (Math.Abs(frames[0][y * Size + x] - frames[n / 2][y * Size + x]) > 1e-3) changed++;
        Assert.That(changed, Is.GreaterThan((Size - start - 2) * Size / 2), "most animated pixels change over the loop");
    }

    [Test]
    public void SoftMaskMovesPartlyAndBlendsWithThePhoto()
    {
        // A 0.4 mask scales the motion (flow *= mask) and the composite (0.4·warped + 0.6·photo): each frame is
        // 0.4·(the frame of a 0/1 mask with the motion scaled by 0.4) + 0.6·photo, and exactly the photo where m = 0.
        var photo = Photo();
        const int n = 6;
        var soft = Render(photo, AnimateSample.Motion(Size), HalfMask().Select(v => 0.4f * v).ToArray(), LoopMode.Seamless, n);
        var hard = Render(photo, AnimateSample.Motion(Size).Select(v => 0.4f * v).ToArray(), HalfMask(), LoopMode.Seamless, n);
        int start = AnimateSample.MaskStart(Size), plane = Size * Size;
        for (int t = 0; t < n; t++)
        {
            var expected = hard[t].Select((v, i) => 0.4 * v + 0.6 * photo.Data[i]).ToArray();
            Numerics.AssertClose(soft[t], expected, 1e-5, $"frame {t}");
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < Size; y++)
                    for (int x = 0; x < start; x++)
                    {
                        int i = c * plane + y * Size + x;
                        if (soft[t][i] != photo.Data[i]) Assert.Fail($"frame {t} pixel ({c}, {y}, {x}) where m = 0 is {soft[t][i]}, the photo has {photo.Data[i]}");
                    }
        }
        Assert.That(Enumerable.Range(0, soft[n / 2].Length).Count(i => Math.Abs(soft[n / 2][i] - photo.Data[i]) > 1e-3),
            Is.GreaterThan(Size * (Size - start)), "the 40% region moves");
    }

    [Test]
    public void SeamlessLoopHasDistinctFramesAndOfficialRepeatsFrameZero()
    {
        var photo = Photo();
        const int n = 8;
        var seamless = Render(photo, AnimateSample.Motion(Size), HalfMask(), LoopMode.Seamless, n);
        for (int a = 0; a < n; a++)
            for (int b = a + 1; b < n; b++)
                Assert.That(seamless[a], Is.Not.EqualTo(seamless[b]), $"seamless frames {a} and {b} are equal");

        var official = Render(photo, AnimateSample.Motion(Size), HalfMask(), LoopMode.Official, n);
        Assert.That(official[n - 1], Is.EqualTo(official[0]), "the original's frame N−1 is frame 0");
        Assert.That(official[1], Is.Not.EqualTo(official[0]));
    }

    [Test]
    public void BadArgumentsAreRefused()
    {
        var photo = Photo();
        var motion = AnimateSample.Motion(Size);
        var field = new MotionField(Size, Size, motion);
        Assert.Throws<ArgumentException>(() => WeightFreeRenderer.Create(TestDevice.Instance, photo, new MotionField(Size, Size, motion[1..]), null));
        Assert.Throws<ArgumentException>(() => WeightFreeRenderer.Create(TestDevice.Instance, photo, field, AnimationMask.All(Size / 2, Size / 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightFreeRenderer.Create(TestDevice.Instance, photo, field, null,
            new CinemagraphOptions { FrameCount = 1 }));
        var e = Assert.Throws<ArgumentException>(() => WeightFreeRenderer.Create(TestDevice.Instance, photo, field, null,
            new CinemagraphOptions { PyramidLevels = 5 }));
        Assert.That(e!.Message, Does.Contain("5-level pyramid"));
    }
}
