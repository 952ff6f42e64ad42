using CineKernel.Kernels;
using CineKernel.Pipeline.Warping;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline;

public class WarpOneLevelTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    [TestCase(1024, 3, 381, 1780, 378)]
    [TestCase(512, 2, 190, 888, 188)]
    [TestCase(256, 1, 94, 442, 93)]
    [TestCase(128, 0, 48, 224, 48)]
    [TestCase(64, 0, 24, 112, 24)]
    [TestCase(100, 0, 37, 174, 37)]
    public void GeometryFollowsTheOriginal(int size, int cut, int pad, int padded, int crop)
    {
        var g = WarpGeometry.ForSize(size);
        Assert.That((g.Cut, g.Pad, g.Padded, g.CropOffset), Is.EqualTo((cut, pad, padded, crop)));
    }

    [TestCase(256, 64, 2)]
    [TestCase(16, 64, 2)]
    [TestCase(100, 12, 3)]
    [TestCase(64, 64, 0)]
    public void FlowPyramidStepsByTwo(int from, int to, int steps)
    {
        var s = StepResize.Steps(new Shape4(1, 2, from, from), to);
        Assert.That(s, Has.Count.EqualTo(steps));
        if (steps > 0) Assert.That(s[^1].H, Is.EqualTo(to));
    }

    [Test]
    public void UnreachableFlowSizeIsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => StepResize.Steps(new Shape4(1, 2, 256, 256), 96));
        Assert.That(e!.Message, Does.Contain("256×256").And.Contain("96"));
    }

    /// <summary>
    /// The cropped splat (kept window, sources out of reach skipped, band-parallel on the CPU) gives the warped
    /// level of the full splat, for every frame of a loop, on a masked flow fast enough to leave the grid.
    /// </summary>
    [TestCase(64, 3, 9, LoopMode.Seamless)]
    [TestCase(100, 2, 7, LoopMode.Official)]
    public void CroppedSplatGivesTheFullWarp(int size, int channels, int frames, LoopMode mode)
    {
        var rng = new Random(size);
        var motion = new float[2 * size * size];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                if (y > size / 2) continue; // the lower half is still, as a masked flow
                motion[y * size + x] = (float)(rng.NextDouble() * 2 - 1);
                motion[size * size + y * size + x] = (float)(rng.NextDouble() * 1.5 - 0.5);
            }
        using var flow = Device.Upload(motion, new Shape4(1, 2, size, size));
        using var feature = Device.Upload(Numerics.Random(channels * size * size, size + 1), new Shape4(1, channels, size, size));
        using var warp = new WarpOneLevel(Device, size, channels);
        warp.SetFlow(flow);
        warp.PadFeature(feature);
        using var fields = warp.Integrate(LoopSchedule.Create(mode, frames));
        using var cropFields = warp.Integrate(LoopSchedule.Create(mode, frames), cropOnly: true);
        Assert.That(cropFields.Moving.Count, Is.LessThan(fields.Moving.Count), "sources out of reach of the crop are not traced");
        using var full = Device.Allocate(feature.Shape);
        using var cropped = Device.Allocate(feature.Shape);
        for (int t = 0; t < frames; t++)
        {
            warp.Splat(fields, t);
            warp.ResolveWarped(full);
            warp.Splat(cropFields, t, cropOnly: true);
            warp.ResolveWarped(cropped);
            Numerics.AssertClose(cropped.ToArray(), Numerics.ToDouble(full.ToArray()), 1e-6, $"cropped splat, frame {t}");
        }
        Assert.Throws<InvalidOperationException>(() => warp.Splat(cropFields, 0), "crop-only fields cannot feed a whole-grid splat");
    }

    /// <summary>Every stage of warp_one_level against the fixture the original code wrote.</summary>
    [Test]
    public void GoldenParity()
    {
        using var golden = DfwGolden.Open();
        int frames = int.Parse(golden.Metadata["n_frames"]);
        using var feature = DfwGolden.Upload(Device, golden.Read("in.feature"));
        using var flow = DfwGolden.Upload(Device, golden.Read("in.flow"));
        using var warp = new WarpOneLevel(Device, feature.H, feature.C);
        warp.SetFlow(flow);
        AssertExact(warp.LevelFlow.ToArray(), golden.Read($"out.flow{feature.H}").Data, $"out.flow{feature.H}");
        AssertExact(warp.PaddedFlow.ToArray(), golden.Read("out.padded_flow").Data, "out.padded_flow");

        using var fields = warp.Integrate(LoopSchedule.Official(frames));
        int p = warp.Geometry.Padded;
        using var blend = Device.Allocate(1, feature.C, p, p);
        using var inpainted = Device.Allocate(1, feature.C, p, p);
        using var output = Device.Allocate(feature.Shape);
        foreach (int t in new[] { 0, 3, 9 })
        {
            warp.Warp(feature, fields, t, output);
            warp.ResolveBlend(blend);
            warp.ResolveInpainted(inpainted);
            Numerics.AssertClose(blend.ToArray(), golden.Read($"out.blend.{t}").Data, 1e-5, $"out.blend.{t}");
            Numerics.AssertClose(inpainted.ToArray(), golden.Read($"out.inpaint.{t}").Data, 1e-5, $"out.inpaint.{t}");
            Numerics.AssertClose(output.ToArray(), golden.Read($"out.warp_one_level.{t}").Data, 1e-5, $"out.warp_one_level.{t}");
        }
    }

    private static void AssertExact(float[] actual, float[] expected, string what)
    {
        int differ = Enumerable.Range(0, expected.Length).Count(i => actual[i] != expected[i]);
        TestContext.Out.WriteLine($"{what}: {differ} of {expected.Length} values differ");
        Numerics.AssertClose(actual, expected, 1e-5, what);
        Assert.That(actual, Is.EqualTo(expected), $"{what} must match bit for bit");
    }

    [TestCase(32, 3, 64, 6, 2, TestName = "Level 32 from a 64 flow (down), no cut")]
    [TestCase(32, 2, 8, 6, 4, TestName = "Level 32 from an 8 flow (up twice)")]
    [TestCase(256, 1, 128, 4, 1, TestName = "Level 256 from a 128 flow: cut 1")]
    public void MatchesReference(int size, int channels, int flowSize, int frames, int t)
    {
        var feature = Numerics.Random(channels * size * size, 90 + size);
        // Up to ±1.5 pixels per step at the flow's own resolution: rounding, crossings and escapes all happen.
        var flow = Numerics.Random(2 * flowSize * flowSize, 91 + flowSize, 1.5f);

        using var tFeature = Device.Upload(feature, new Shape4(1, channels, size, size));
        using var tFlow = Device.Upload(flow, new Shape4(1, 2, flowSize, flowSize));
        using var warp = new WarpOneLevel(Device, size, channels);
        warp.SetFlow(tFlow);
        var levelFlow = warp.LevelFlow.ToArray();
        Numerics.AssertClose(levelFlow, DfwReference.ResizeFlow(flow, flowSize, size), 1e-5, "resize_flow");

        // The rest of the step from that float32 flow (see DfwReference.WarpOneLevel on why).
        var expected = DfwReference.WarpOneLevel(feature, channels, size, levelFlow, t, frames);
        Assert.That(warp.PaddedFlow.ToArray(), Is.EqualTo(expected.PaddedFlow), "cut + reflect pad of the flow");
        using var fields = warp.Integrate(LoopSchedule.Official(frames));
        using var output = Device.Allocate(1, channels, size, size);
        warp.Warp(tFeature, fields, t, output);
        using var inpainted = Device.Allocate(1, channels, expected.Padded, expected.Padded);
        warp.ResolveInpainted(inpainted);
        Numerics.AssertClose(inpainted.ToArray(), expected.Inpainted, 1e-5, $"inpainted, level {size}, t {t}");
        Numerics.AssertClose(output.ToArray(), expected.Warped, 1e-5, $"warp_one_level, level {size}, t {t}");
    }

    [Test]
    public void PrecomputedFieldsEqualIntegratingEachFrameFromScratch()
    {
        const int frames = 7;
        var flow = Numerics.Random(2 * 16 * 16, 95, 1.2f);
        using var tFlow = Device.Upload(flow, new Shape4(1, 2, 16, 16));
        using var warp = new WarpOneLevel(Device, 16, 1);
        warp.SetFlow(tFlow);
        using var fields = warp.Integrate(LoopSchedule.Official(frames));
        var shape = warp.PaddedFlow.Shape;
        var padded = warp.PaddedFlow.ToArray();
        for (int t = 0; t < frames; t++)
        {
            Assert.That(fields.ForwardAt(t).ToArray(), Is.EqualTo(DfwReference.Euler(padded, shape, t)), $"forward, frame {t}");
            Assert.That(fields.BackwardAt(t).ToArray(), Is.EqualTo(DfwReference.Euler(padded, shape, frames - 1 - t, -1)), $"backward, frame {t}");
        }
    }

    [Test]
    public void LastFrameEqualsFirstAsInTheOriginal()
    {
        // α = 1 with 0 backward steps: frame N−1 is the unwarped feature, as frame 0 (DESIGN.md "Loop point").
        const int frames = 5;
        var feature = Numerics.Random(2 * 24 * 24, 96);
        using var tFeature = Device.Upload(feature, new Shape4(1, 2, 24, 24));
        using var tFlow = Device.Upload(Numerics.Random(2 * 24 * 24, 97, 1f), new Shape4(1, 2, 24, 24));
        using var warp = new WarpOneLevel(Device, 24, 2);
        warp.SetFlow(tFlow);
        using var fields = warp.Integrate(LoopSchedule.Official(frames));
        using var first = Device.Allocate(tFeature.Shape);
        using var last = Device.Allocate(tFeature.Shape);
        warp.Warp(tFeature, fields, 0, first);
        warp.Warp(tFeature, fields, frames - 1, last);
        Numerics.AssertClose(first.ToArray(), feature, 1e-6, "frame 0");
        Numerics.AssertClose(last.ToArray(), feature, 1e-6, "frame N−1");
    }

    [Test]
    public void WrongFeatureShapeIsAClearError()
    {
        using var warp = new WarpOneLevel(Device, 16, 3);
        using var feature = Device.Allocate(1, 2, 16, 16);
        var e = Assert.Throws<ArgumentException>(() => warp.PadFeature(feature));
        Assert.That(e!.Message, Does.Contain("1×2×16×16").And.Contain("1×3×16×16"));
    }
}
