using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class JointSplatTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    private sealed record Case(Shape4 Shape, float[] A, float[] B, float[] FlowA, float[] FlowB, float[] MetricA, float[] MetricB);

    /// <summary>Random values and flows up to ±4 pixels (so some splats leave the grid), positive metrics.</summary>
    private static Case RandomCase(Shape4 shape, int seed)
    {
        var flowShape = shape with { C = 2 };
        var metricShape = shape with { C = 1 };
        return new Case(shape,
            Numerics.Random((int)shape.Length, seed), Numerics.Random((int)shape.Length, seed + 1),
            Numerics.Random((int)flowShape.Length, seed + 2, 4f), Numerics.Random((int)flowShape.Length, seed + 3, 4f),
            Array.ConvertAll(Numerics.Random((int)metricShape.Length, seed + 4), v => v + 1.5f),
            Array.ConvertAll(Numerics.Random((int)metricShape.Length, seed + 5), v => v + 1.5f));
    }

    private static float[] Splat(Case k, bool withMetricMaps, float scaleA, float scaleB, int top, int left, int h, int w, bool fill)
    {
        using var a = Device.Upload(k.A, k.Shape);
        using var b = Device.Upload(k.B, k.Shape);
        using var fa = Device.Upload(k.FlowA, k.Shape with { C = 2 });
        using var fb = Device.Upload(k.FlowB, k.Shape with { C = 2 });
        using var ma = Device.Upload(k.MetricA, k.Shape with { C = 1 });
        using var mb = Device.Upload(k.MetricB, k.Shape with { C = 1 });
        using var acc = Device.Allocate(JointSplat.AccumulatorShape(k.Shape));
        using var output = Device.Allocate(k.Shape with { H = h, W = w });
        JointSplat.Accumulate(new SplatSource(a, fa, withMetricMaps ? ma : null, scaleA),
            new SplatSource(b, fb, withMetricMaps ? mb : null, scaleB), acc);
        JointSplat.Resolve(acc, output, top, left, fill);
        return output.ToArray();
    }

    private static double[] Reference(Case k, bool withMetricMaps, double scaleA, double scaleB, out double[] onesMap)
    {
        var forward = new DfwReference.Copy(Numerics.ToDouble(k.A), k.FlowA, withMetricMaps ? Numerics.ToDouble(k.MetricA) : null, scaleA);
        var backward = new DfwReference.Copy(Numerics.ToDouble(k.B), k.FlowB, withMetricMaps ? Numerics.ToDouble(k.MetricB) : null, scaleB);
        onesMap = DfwReference.OnesMap(forward, backward, k.Shape);
        return DfwReference.Normalize(DfwReference.SplatAccumulator(forward, backward, k.Shape), k.Shape);
    }

    [TestCase(1, 3, 9, 13)]
    [TestCase(2, 1, 7, 5)]
    [TestCase(1, 4, 16, 16)]
    public void MetricMapsMatchReference(int n, int c, int h, int w)
    {
        var k = RandomCase(new Shape4(n, c, h, w), 40 + h);
        var actual = Splat(k, true, 1f, 1f, 0, 0, h, w, fill: false);
        Numerics.AssertClose(actual, Reference(k, true, 1, 1, out _), 1e-5, $"joint splat {k.Shape}");
    }

    /// <summary>
    /// The moving-pixel list and the staying pass: both copies' flows zero on a region (the static part of a masked
    /// motion) and on scattered pixels (escaped pixels come back to 0), with both copies' values different.
    /// </summary>
    [TestCase(1, 3, 11, 14, true)]
    [TestCase(2, 2, 9, 7, false)]
    public void StillSourcesAndTheMovingListMatchReference(int n, int c, int h, int w, bool useList)
    {
        var k = RandomCase(new Shape4(n, c, h, w), 70 + h);
        int plane = h * w;
        var motion = new float[n * 2 * plane]; // the "motion" the list is built from: 0 where both flows are 0
        var rng = new Random(h);
        for (int i = 0; i < n * plane; i++)
        {
            int img = i / plane, pixel = i % plane;
            bool still = pixel / w < h / 2 || rng.Next(5) == 0;
            int at = img * 2 * plane + pixel;
            foreach (var flow in new[] { k.FlowA, k.FlowB })
            {
                if (still) flow[at] = flow[at + plane] = 0f;
            }
            if (!still) motion[at] = 1f;
        }
        using var a = Device.Upload(k.A, k.Shape);
        using var b = Device.Upload(k.B, k.Shape);
        using var fa = Device.Upload(k.FlowA, k.Shape with { C = 2 });
        using var fb = Device.Upload(k.FlowB, k.Shape with { C = 2 });
        using var m = Device.Upload(motion, k.Shape with { C = 2 });
        using var moving = MovingPixels.Of(m);
        using var acc = Device.Allocate(JointSplat.AccumulatorShape(k.Shape));
        acc.CopyFrom(Enumerable.Repeat(123f, (int)acc.Length).ToArray()); // the staying pass must clear it
        using var output = Device.Allocate(k.Shape);
        JointSplat.Accumulate(new SplatSource(a, fa, null, 0.6f), new SplatSource(b, fb, null, 0.4f), acc, null, useList ? moving : null);
        JointSplat.Resolve(acc, output, 0, 0, fillHoles: false);
        Numerics.AssertClose(output.ToArray(), Reference(k, false, 0.6, 0.4, out _), 1e-5, $"joint splat with still sources {k.Shape}");
    }

    /// <summary>
    /// The band-parallel moving pass (CPU, with a reach): flows up to ±2.5 px and a reach of 4 rows, so a 41-row
    /// grid splits into several bands of each parity; with and without the moving list, one and two images.
    /// </summary>
    [TestCase(1, 3, 41, 23, true)]
    [TestCase(2, 2, 37, 16, false)]
    [TestCase(1, 1, 9, 30, true)]
    public void BandedMovingPassMatchesReference(int n, int c, int h, int w, bool useList)
    {
        var k = RandomCase(new Shape4(n, c, h, w), 90 + h);
        for (int i = 0; i < k.FlowA.Length; i++)
        {
            k.FlowA[i] *= 0.6f;
            k.FlowB[i] *= 0.6f;
            if (i % 7 == 0) k.FlowA[i] = k.FlowB[i] = 0f; // some still components
        }
        using var a = Device.Upload(k.A, k.Shape);
        using var b = Device.Upload(k.B, k.Shape);
        using var fa = Device.Upload(k.FlowA, k.Shape with { C = 2 });
        using var fb = Device.Upload(k.FlowB, k.Shape with { C = 2 });
        var union = new float[k.FlowA.Length];
        for (int i = 0; i < union.Length; i++) union[i] = k.FlowA[i] != 0f || k.FlowB[i] != 0f ? 1f : 0f;
        using var m = Device.Upload(union, k.Shape with { C = 2 });
        using var moving = MovingPixels.Of(m);
        using var acc = Device.Allocate(JointSplat.AccumulatorShape(k.Shape));
        using var output = Device.Allocate(k.Shape);
        int reach = (int)Math.Ceiling(k.FlowA.Concat(k.FlowB).Max(Math.Abs)) + 1;
        Assert.That(reach, Is.LessThanOrEqualTo(4), "the case is built for bands of a few rows");
        JointSplat.Accumulate(new SplatSource(a, fa, null, 0.25f), new SplatSource(b, fb, null, 0.75f), acc, null,
            useList ? moving : null, reach);
        JointSplat.Resolve(acc, output, 0, 0, fillHoles: false);
        Numerics.AssertClose(output.ToArray(), Reference(k, false, 0.25, 0.75, out _), 1e-5, $"banded joint splat {k.Shape}");
    }

    /// <summary>
    /// A kept window (not square, off centre) with a still region, two images and a reach: the accumulator inside
    /// the window holds the full splat's sums, outside it nothing; sources farther than the reach are skipped.
    /// The accumulator starts dirty, so the clear of the staying pass and the memset are checked too.
    /// </summary>
    [TestCase(true)]
    [TestCase(false)]
    public void KeptWindowWithStillSourcesAndReachMatchesReference(bool useList)
    {
        var shape = new Shape4(2, 2, 46, 27);
        var k = RandomCase(shape, 120);
        int plane = shape.H * shape.W;
        var motion = new float[k.FlowA.Length];
        for (int i = 0; i < shape.N * plane; i++)
        {
            int at = i / plane * 2 * plane + i % plane;
            bool still = i % plane / shape.W > 30; // the lower rows stay
            foreach (var flow in new[] { k.FlowA, k.FlowB })
            {
                flow[at] = still ? 0f : flow[at] * 0.5f;
                flow[at + plane] = still ? 0f : flow[at + plane] * 0.5f;
            }
            if (!still) motion[at] = 1f;
        }
        var window = new Window(9, 5, 30, 14);
        int reach = (int)Math.Ceiling(k.FlowA.Concat(k.FlowB).Max(Math.Abs)) + 1;
        using var a = Device.Upload(k.A, shape);
        using var b = Device.Upload(k.B, shape);
        using var fa = Device.Upload(k.FlowA, shape with { C = 2 });
        using var fb = Device.Upload(k.FlowB, shape with { C = 2 });
        using var m = Device.Upload(motion, shape with { C = 2 });
        using var moving = MovingPixels.Of(m);
        using var acc = Device.Allocate(JointSplat.AccumulatorShape(shape));
        acc.CopyFrom(Enumerable.Repeat(-7f, (int)acc.Length).ToArray());
        JointSplat.Accumulate(new SplatSource(a, fa, null, 0.3f), new SplatSource(b, fb, null, 0.7f), acc, window,
            useList ? moving : null, reach);

        var forward = new DfwReference.Copy(Numerics.ToDouble(k.A), k.FlowA, null, 0.3);
        var backward = new DfwReference.Copy(Numerics.ToDouble(k.B), k.FlowB, null, 0.7);
        var full = DfwReference.SplatAccumulator(forward, backward, shape);
        var actual = SumPlanes(acc, shape);
        var expected = InsideWindow(full, shape, window);
        Numerics.AssertClose(actual, expected, 1e-5, $"kept window {window} of {shape}");
    }

    /// <summary>
    /// The warp's case: both copies splat one value tensor (the band pass reads each value once for both), one image,
    /// a kept window with a reach, so only the rows that can reach the window are cut into bands.
    /// </summary>
    [TestCase(true)]
    [TestCase(false)]
    public void BandedPassWithOneValueTensorAndKeptWindowMatchesReference(bool useList)
    {
        var shape = new Shape4(1, 3, 61, 19);
        var k = RandomCase(shape, 130);
        for (int i = 0; i < k.FlowA.Length; i++)
        {
            k.FlowA[i] *= 0.5f;
            k.FlowB[i] *= -0.5f;
            if (i % 5 == 0) k.FlowA[i] = k.FlowB[i] = 0f;
        }
        var window = new Window(17, 2, 23, 15);
        int reach = (int)Math.Ceiling(k.FlowA.Concat(k.FlowB).Max(Math.Abs)) + 1;
        using var a = Device.Upload(k.A, shape);
        using var fa = Device.Upload(k.FlowA, shape with { C = 2 });
        using var fb = Device.Upload(k.FlowB, shape with { C = 2 });
        using var m = Device.Upload(Enumerable.Repeat(1f, (int)fa.Length).ToArray(), shape with { C = 2 });
        using var moving = MovingPixels.Of(m);
        using var acc = Device.Allocate(JointSplat.AccumulatorShape(shape));
        JointSplat.Accumulate(new SplatSource(a, fa, null, 0.4f), new SplatSource(a, fb, null, 0.6f), acc, window,
            useList ? moving : null, reach);

        var values = Numerics.ToDouble(k.A);
        var full = DfwReference.SplatAccumulator(new DfwReference.Copy(values, k.FlowA, null, 0.4),
            new DfwReference.Copy(values, k.FlowB, null, 0.6), shape);
        var actual = SumPlanes(acc, shape);
        var expected = InsideWindow(full, shape, window);
        Numerics.AssertClose(actual, expected, 1e-5, $"one value tensor, kept window {window} of {shape}");
    }

    /// <summary>
    /// The accumulator's sums as the reference lays them out, N×(C+1)×H×W planes (C value planes, then the metric):
    /// the kernel keeps each pixel's sums together (<see cref="JointSplat.AccumulatorShape"/>), padded to groups of four
    /// with zeros, which this checks too.
    /// </summary>
    private static float[] SumPlanes(Tensor accumulator, Shape4 values)
    {
        var data = accumulator.ToArray();
        int stride = accumulator.C, plane = values.H * values.W;
        Assert.That(stride % 4, Is.Zero, "pixels are whole Float4 groups");
        var planes = new float[values.N * (values.C + 1) * plane];
        for (int n = 0; n < values.N; n++)
            for (int p = 0; p < plane; p++)
                for (int c = 0; c < stride; c++)
                {
                    float v = data[((long)n * plane + p) * stride + c];
                    if (c <= values.C) planes[(n * (values.C + 1) + c) * plane + p] = v;
                    else Assert.That(v, Is.Zero, $"padding sum {c} of pixel {p}");
                }
        return planes;
    }

    /// <summary>The accumulator a kept window leaves: the full splat's sums inside the window, 0 outside.</summary>
    private static double[] InsideWindow(double[] full, Shape4 shape, Window window)
    {
        var kept = new double[full.Length];
        for (int i = 0; i < kept.Length; i++)
        {
            int x = i % shape.W, y = i / shape.W % shape.H;
            bool inside = y >= window.Top && y < window.Top + window.Height && x >= window.Left && x < window.Left + window.Width;
            kept[i] = inside ? full[i] : 0;
        }
        return kept;
    }

    [Test]
    public void MovingListOfAnotherShapeIsRefused()
    {
        using var v = Device.Allocate(1, 2, 4, 4);
        using var flow = Device.Allocate(1, 2, 4, 4);
        using var other = Device.Allocate(1, 2, 5, 4);
        using var moving = MovingPixels.Of(other);
        using var acc = Device.Allocate(JointSplat.AccumulatorShape(v.Shape));
        var e = Assert.Throws<ArgumentException>(() => JointSplat.Accumulate(new SplatSource(v, flow), new SplatSource(v, flow), acc, null, moving));
        Assert.That(e!.Message, Does.Contain("moving pixels"));
    }

    [TestCase(0.7f, 0.3f)]
    [TestCase(1f, 0f)]
    [TestCase(0f, 1f)]
    public void ConstantMetricsMatchReference(float scaleA, float scaleB)
    {
        var k = RandomCase(new Shape4(1, 2, 11, 8), 50);
        var actual = Splat(k, false, scaleA, scaleB, 0, 0, 11, 8, fill: false);
        Numerics.AssertClose(actual, Reference(k, false, scaleA, scaleB, out _), 1e-5, $"joint splat Z = {scaleA}, {scaleB}");
    }

    [Test]
    public void PixelsNoSourceReachesReadZero()
    {
        // Both copies move everything 3 columns right: the first 2 columns receive nothing (Σ Z = 0 read as 1).
        var shape = new Shape4(1, 2, 5, 7);
        var k = RandomCase(shape, 60);
        var flow = new float[2 * 35];
        for (int p = 0; p < 35; p++) flow[p] = 3f;
        k = k with { FlowA = flow, FlowB = flow };
        var actual = Splat(k, true, 1f, 1f, 0, 0, 5, 7, fill: false);
        for (int c = 0; c < 2; c++)
        for (int y = 0; y < 5; y++)
            Assert.That(actual[(c * 5 + y) * 7], Is.EqualTo(0f));
        Numerics.AssertClose(actual, Reference(k, true, 1, 1, out _), 1e-5, "joint splat with holes");
    }

    [TestCase(0, 0, 13, 15)]
    [TestCase(3, 2, 6, 9)]
    public void FusedFillAndCropMatchReference(int top, int left, int h, int w)
    {
        // Flows up to ±4 on a 13×15 grid leave holes; the fused resolve fills them from the whole grid, then crops.
        var shape = new Shape4(1, 3, 13, 15);
        var k = RandomCase(shape, 70);
        var actual = Splat(k, false, 0.6f, 0.4f, top, left, h, w, fill: true);
        var blend = Reference(k, false, 0.6f, 0.4f, out var ones);
        Assert.That(ones.Count(v => v == 0), Is.GreaterThan(0), "the case must have holes");
        var filled = DfwReference.HoleFill(blend, ones, shape);
        var expected = DfwReference.ReflectPad(filled, shape, new Window(top, left, h, w), 0, 0, h, w);
        Numerics.AssertClose(actual, expected, 1e-5, $"splat + fill + crop at ({top}, {left})");
    }

    [Test]
    public void GoldenJointSplat()
    {
        using var golden = DfwGolden.Open();
        var k = new Case(Shape4.FromDims(golden.Read("in.splat.a").Shape),
            golden.Read("in.splat.a").Data, golden.Read("in.splat.b").Data,
            golden.Read("in.splat.flow_a").Data, golden.Read("in.splat.flow_b").Data,
            golden.Read("in.splat.metric_a").Data, golden.Read("in.splat.metric_b").Data);
        var actual = Splat(k, true, 1f, 1f, 0, 0, k.Shape.H, k.Shape.W, fill: false);
        Numerics.AssertClose(actual, golden.Read("out.splat").Data, 1e-5, "golden out.splat");
        Numerics.AssertClose(actual, Reference(k, true, 1, 1, out _), 1e-5, "out.splat vs reference");
    }

    [Test]
    public void MismatchedShapesAreClearErrors()
    {
        using var v = Device.Allocate(1, 3, 4, 4);
        using var flow = Device.Allocate(1, 2, 4, 5);
        using var acc = Device.Allocate(1, 4, 4, 4);
        var e = Assert.Throws<ArgumentException>(() => JointSplat.Accumulate(new SplatSource(v, flow), new SplatSource(v, flow), acc));
        Assert.That(e!.Message, Does.Contain("forward flow 1×2×4×5"));
    }
}
