using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class EulerTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    /// <summary>
    /// A motion field that exercises the rounding: values on a 0.25 grid, so positions hit exact halves
    /// (where torch.round goes to even) all the time, up to ±1.5 so pixels cross and leave the grid.
    /// </summary>
    private static float[] QuarterGridMotion(Shape4 shape, int seed)
    {
        var rng = new Random(seed);
        var m = new float[shape.Length];
        for (int i = 0; i < m.Length; i++) m[i] = rng.Next(-6, 7) * 0.25f;
        return m;
    }

    private static float[] Integrate(float[] motion, Shape4 shape, int steps, float sign = 1f)
    {
        using var m = Device.Upload(motion, shape);
        using var state = Device.Allocate(EulerIntegrator.StateShape(shape));
        using var output = Device.Allocate(shape);
        EulerIntegrator.Integrate(m, steps, state, output, sign);
        return output.ToArray();
    }

    [TestCase(1, 13, 17, 0)]
    [TestCase(1, 13, 17, 1)]
    [TestCase(2, 9, 6, 7)]
    [TestCase(1, 16, 11, 25)]
    public void MatchesReferenceExactly(int n, int h, int w, int steps)
    {
        var shape = new Shape4(n, 2, h, w);
        var motion = QuarterGridMotion(shape, 31 + steps);
        var expected = DfwReference.Euler(motion, shape, steps);
        var actual = Integrate(motion, shape, steps);
        Assert.That(actual, Is.EqualTo(expected), $"Euler {shape}, {steps} steps");
        if (steps > 0) Assert.That(actual.Count(v => v != 0), Is.GreaterThan(actual.Length / 20), "the case must move pixels");
    }

    [Test]
    public void RandomMotionMatchesReferenceExactly()
    {
        var shape = new Shape4(1, 2, 19, 23);
        var motion = Numerics.Random((int)shape.Length, 32, 1.7f);
        for (int steps = 1; steps <= 12; steps += 11)
            Assert.That(Integrate(motion, shape, steps), Is.EqualTo(DfwReference.Euler(motion, shape, steps)), $"{steps} steps");
    }

    [Test]
    public void NegativeSignIntegratesTheNegatedField()
    {
        var shape = new Shape4(1, 2, 11, 14);
        var motion = QuarterGridMotion(shape, 33);
        var negated = Array.ConvertAll(motion, v => -v);
        Assert.That(Integrate(motion, shape, 6, sign: -1f), Is.EqualTo(DfwReference.Euler(negated, shape, 6)));
    }

    [Test]
    public void AnEscapedPixelStaysAtItsStart()
    {
        // Every pixel moves right by 1.5 per step; one that passes x = W−1 is reset to its start, not clamped.
        var shape = new Shape4(1, 2, 3, 6);
        var motion = new float[shape.Length];
        for (int p = 0; p < 18; p++) motion[p] = 1.5f;
        var d = Integrate(motion, shape, 2);
        // Start x = 0: 1.5, then round(1.5) = 2 → 3.0. Start x = 2: 3.5, round(3.5) = 4 → 5.0.
        Assert.That(d[0], Is.EqualTo(3f));
        Assert.That(d[2], Is.EqualTo(3f));
        // Start x = 3 → 4.5 → 6.0 > 5: out, displacement 0 from then on.
        Assert.That(d[3], Is.EqualTo(0f));
        Assert.That(d[5], Is.EqualTo(0f));
        Assert.That(d, Is.EqualTo(DfwReference.Euler(motion, shape, 2)));
    }

    [Test]
    public void OneStepAtATimeEqualsKStepsAndTraceEqualsEveryK()
    {
        var shape = new Shape4(1, 2, 12, 9);
        var motion = QuarterGridMotion(shape, 34);
        using var m = Device.Upload(motion, shape);
        using var state = Device.Allocate(EulerIntegrator.StateShape(shape));
        using var output = Device.Allocate(shape);
        const int frames = 9;
        using var trajectory = Device.Allocate(shape with { N = frames });
        EulerIntegrator.Reset(state);
        EulerIntegrator.Trace(m, state, trajectory);
        var traced = trajectory.ToArray();
        EulerIntegrator.Reset(state);
        for (int k = 0; k < frames; k++)
        {
            EulerIntegrator.Displacement(state, output);
            var expected = DfwReference.Euler(motion, shape, k);
            Assert.That(output.ToArray(), Is.EqualTo(expected), $"incremental, step {k}");
            Assert.That(traced.AsSpan(k * expected.Length, expected.Length).ToArray(), Is.EqualTo(expected), $"trace, step {k}");
            EulerIntegrator.Advance(m, state, 1);
        }
    }

    /// <summary>Quarter-grid motion zeroed on a band and a disc (a masked flow, as the original's flow *= mask).</summary>
    private static float[] MaskedMotion(Shape4 shape, int seed)
    {
        var m = QuarterGridMotion(shape, seed);
        int plane = shape.H * shape.W;
        for (int n = 0; n < shape.N; n++)
            for (int y = 0; y < shape.H; y++)
                for (int x = 0; x < shape.W; x++)
                {
                    bool masked = y < shape.H / 3 || (x - shape.W / 2) * (x - shape.W / 2) + (y - 2 * shape.H / 3) * (y - 2 * shape.H / 3) < 9;
                    if (!masked) continue;
                    m[n * 2 * plane + y * shape.W + x] = 0f;
                    m[n * 2 * plane + plane + y * shape.W + x] = 0f;
                }
        return m;
    }

    [TestCase(1, 17, 13, 1f)]
    [TestCase(2, 11, 20, -1f)]
    public void MovingPixelListGivesTheSameFieldsBitForBit(int n, int h, int w, float sign)
    {
        var shape = new Shape4(n, 2, h, w);
        var motion = MaskedMotion(shape, 50 + h);
        using var m = Device.Upload(motion, shape);
        using var moving = MovingPixels.Of(m);
        int still = Enumerable.Range(0, n * h * w).Count(i =>
            motion[i / (h * w) * 2 * h * w + i % (h * w)] == 0f && motion[i / (h * w) * 2 * h * w + h * w + i % (h * w)] == 0f);
        Assert.That(moving.Count, Is.EqualTo(n * h * w - still), "moving = pixels with a non-zero motion vector");
        Assert.That(still, Is.GreaterThan(n * h * w / 4), "the case must have a static region");

        using var state = Device.Allocate(EulerIntegrator.StateShape(shape));
        using var output = Device.Allocate(shape);
        EulerIntegrator.Reset(state);
        for (int k = 1; k <= 7; k++)
        {
            EulerIntegrator.Advance(m, state, 1, sign, moving);
            EulerIntegrator.Displacement(state, output);
            Assert.That(output.ToArray(), Is.EqualTo(DfwReference.Euler(motion, shape, k, sign)), $"advance with the list, step {k}");
        }

        if (n != 1) return;
        const int frames = 6;
        using var trajectory = Device.Allocate(shape with { N = frames });
        EulerIntegrator.Reset(state);
        EulerIntegrator.Trace(m, state, trajectory, sign, moving);
        var traced = trajectory.ToArray();
        for (int k = 0; k < frames; k++)
            Assert.That(traced.AsSpan(k * 2 * h * w, 2 * h * w).ToArray(), Is.EqualTo(DfwReference.Euler(motion, shape, k, sign)), $"trace with the list, step {k}");
    }

    /// <summary>A trace that advances first (a running state's next fields in one launch) writes the fields after
    /// skip + j steps and leaves the state where Advance then Trace would.</summary>
    [TestCase(false, 1f)]
    [TestCase(true, -1f)]
    public void TraceAfterAdvancingFirstEqualsAdvanceThenTrace(bool listed, float sign)
    {
        var shape = new Shape4(1, 2, 14, 11);
        var motion = MaskedMotion(shape, 77);
        using var m = Device.Upload(motion, shape);
        using var moving = MovingPixels.Of(m);
        var list = listed ? moving : null;
        using var state = Device.Allocate(EulerIntegrator.StateShape(shape));
        using var output = Device.Allocate(shape);
        using var trajectory = Device.Allocate(shape with { N = 3 });
        EulerIntegrator.Reset(state);
        EulerIntegrator.Trace(m, state, trajectory, sign, list, advanceFirst: 4);
        var traced = trajectory.ToArray();
        int field = 2 * shape.H * shape.W;
        for (int j = 0; j < 3; j++)
            Assert.That(traced.AsSpan(j * field, field).ToArray(), Is.EqualTo(DfwReference.Euler(motion, shape, 4 + j, sign)), $"field {j}");
        EulerIntegrator.Displacement(state, output);
        Assert.That(output.ToArray(), Is.EqualTo(DfwReference.Euler(motion, shape, 6, sign)), "the state after 4 + 3 − 1 steps");
        Assert.Throws<ArgumentOutOfRangeException>(() => EulerIntegrator.Trace(m, state, trajectory, sign, list, advanceFirst: -1));
    }

    [Test]
    public void ReachBoundsEveryDisplacement()
    {
        var shape = new Shape4(1, 2, 19, 15);
        var motion = MaskedMotion(shape, 61);
        using var m = Device.Upload(motion, shape);
        using var moving = MovingPixels.Of(m);
        Assert.That(moving.LargestStep, Is.EqualTo(motion.Max(Math.Abs)));
        foreach (int steps in new[] { 1, 4, 11 })
        {
            int reach = moving.ReachAfter(steps)!.Value;
            float farthest = DfwReference.Euler(motion, shape, steps).Max(Math.Abs);
            Assert.That(farthest, Is.LessThan(reach), $"after {steps} steps");
        }
        motion[3] = float.NaN;
        using var withNaN = Device.Upload(motion, shape);
        using var unbounded = MovingPixels.Of(withNaN);
        Assert.That(unbounded.ReachAfter(3), Is.Null, "a NaN motion has no bound");
    }

    [Test]
    public void MovingPixelsOfAStillFieldIsEmptyAndAdvancesNothing()
    {
        var shape = new Shape4(1, 2, 5, 7);
        using var m = Device.Allocate(shape);
        using var moving = MovingPixels.Of(m);
        Assert.That(moving.Count, Is.Zero);
        using var state = Device.Allocate(EulerIntegrator.StateShape(shape));
        using var output = Device.Allocate(shape);
        EulerIntegrator.Reset(state);
        EulerIntegrator.Advance(m, state, 3, 1f, moving);
        EulerIntegrator.Displacement(state, output);
        Assert.That(output.ToArray(), Is.All.EqualTo(0f));
    }

    [Test]
    public void GoldenEulerIsExact()
    {
        using var golden = DfwGolden.Open();
        var motion = golden.Read("in.motion");
        var shape = Shape4.FromDims(motion.Shape);
        foreach (int k in new[] { 0, 1, 5, 17 })
        {
            var expected = golden.Read($"out.euler.{k}").Data;
            var actual = Integrate(motion.Data, shape, k);
            int mismatches = Enumerable.Range(0, expected.Length).Count(i => actual[i] != expected[i]);
            TestContext.Out.WriteLine($"out.euler.{k}: {mismatches} of {expected.Length} values differ");
            Assert.That(actual, Is.EqualTo(expected), $"out.euler.{k}");
        }
    }

    [Test]
    public void BadShapesAreClearErrors()
    {
        using var motion = Device.Allocate(1, 2, 5, 5);
        using var state = Device.Allocate(1, 3, 5, 6);
        var e = Assert.Throws<ArgumentException>(() => EulerIntegrator.Advance(motion, state, 1));
        Assert.That(e!.Message, Does.Contain("1×3×5×6").And.Contain("1×2×5×5"));
    }
}
