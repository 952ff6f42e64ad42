using CineKernel.Kernels;
using CineKernel.Pipeline.Warping;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline;

public class DisplacementFieldsTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    // A small non-square padded grid: the scheme does not care about the size, only the step counts do.
    private static readonly Shape4 FlowShape = new(1, 2, 37, 41);
    private static long PlaneBytes => (long)FlowShape.H * FlowShape.W * sizeof(float);

    /// <summary>Motion up to ±1.6 px per step: pixels cross halves, wander, get trapped and leave the grid.</summary>
    private static Tensor UploadFlow(int seed) => Device.Upload(Numerics.Random((int)FlowShape.Length, seed, 1.6f), FlowShape);

    /// <summary>What the original computes for a frame: <c>euler_integration</c> from the start, steps·sign·M.</summary>
    private static int[] FromScratch(Tensor flow, int steps, float sign)
    {
        using var state = Device.Allocate(EulerIntegrator.StateShape(flow.Shape));
        using var output = Device.Allocate(flow.Shape);
        EulerIntegrator.Integrate(flow, steps, state, output, sign);
        return Bits(output.ToArray());
    }

    /// <summary>Bit patterns, so equality is exact (−0 ≠ +0, no tolerance).</summary>
    private static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);

    private static void AssertFrameExact(DisplacementFields fields, Tensor flow, int t, string what)
    {
        // Both views fetched first: a frame's two fields must be usable together (WarpOneLevel.Splat).
        var forward = fields.ForwardAt(t);
        var backward = fields.BackwardAt(t);
        var s = fields.Schedule;
        Assert.That(Bits(forward.ToArray()), Is.EqualTo(FromScratch(flow, s.ForwardSteps(t), 1f)), $"{what}: forward field, frame {t} ({s.ForwardSteps(t)} steps)");
        Assert.That(Bits(backward.ToArray()), Is.EqualTo(FromScratch(flow, s.BackwardSteps(t), -1f)), $"{what}: backward field, frame {t} ({s.BackwardSteps(t)} steps)");
    }

    [Test]
    public void TheTestFlowMovesAndEscapesPixels()
    {
        // Guards the exactness tests below against a degenerate flow (all still, or nothing leaving the grid).
        using var flow = UploadFlow(11);
        using var state = Device.Allocate(EulerIntegrator.StateShape(FlowShape));
        EulerIntegrator.Reset(state);
        EulerIntegrator.Advance(flow, state, 23);
        int plane = FlowShape.H * FlowShape.W;
        int escaped = state.ToArray().Skip(2 * plane).Count(v => v != 0);
        int moved = FromScratch(flow, 23, 1f).Count(b => b != 0);
        Assert.That(escaped, Is.InRange(plane / 20, plane - plane / 20), "some pixels, not all, leave the grid in 23 steps");
        Assert.That(moved, Is.GreaterThan(2 * plane / 20), "pixels still displaced after 23 steps");
    }

    [TestCase(LoopMode.Official, DisplacementStorage.Checkpointed)]
    [TestCase(LoopMode.Seamless, DisplacementStorage.Checkpointed)]
    [TestCase(LoopMode.Official, DisplacementStorage.AllFrames)]
    [TestCase(LoopMode.Seamless, DisplacementStorage.AllFrames)]
    public void EveryFrameInOrderEqualsIntegratingFromScratchBitForBit(LoopMode mode, DisplacementStorage storage)
    {
        using var flow = UploadFlow(11);
        var schedule = LoopSchedule.Create(mode, 24);
        using var fields = DisplacementFields.Compute(flow, schedule, storage);
        Assert.That(fields.Storage, Is.EqualTo(storage));
        for (int t = 0; t < schedule.FrameCount; t++) AssertFrameExact(fields, flow, t, $"{mode} {storage} in order");
    }

    [TestCase(LoopMode.Official, DisplacementStorage.Checkpointed)]
    [TestCase(LoopMode.Seamless, DisplacementStorage.Checkpointed)]
    [TestCase(LoopMode.Official, DisplacementStorage.AllFrames)]
    [TestCase(LoopMode.Seamless, DisplacementStorage.AllFrames)]
    public void FramesOutOfOrderEqualIntegratingFromScratchAtTheStatedCost(LoopMode mode, DisplacementStorage storage)
    {
        using var flow = UploadFlow(12);
        var schedule = LoopSchedule.Create(mode, 24);
        using var fields = DisplacementFields.Compute(flow, schedule, storage);
        int k = fields.CheckpointSpacing;
        // A shuffled pass, then repeats and reversals (the same frame twice, neighbours both ways).
        var shuffled = Enumerable.Range(0, schedule.FrameCount).ToArray();
        new Random(5).Shuffle(shuffled);
        int[] order = [.. shuffled, 7, 7, 6, 8, 0, 23, 1, 22, 12];
        foreach (int t in order)
        {
            long forwardBefore = fields.ForwardEulerSteps, backwardBefore = fields.BackwardEulerSteps;
            AssertFrameExact(fields, flow, t, $"{mode} {storage} random access");
            long forwardCost = fields.ForwardEulerSteps - forwardBefore, backwardCost = fields.BackwardEulerSteps - backwardBefore;
            if (storage == DisplacementStorage.AllFrames)
            {
                Assert.That((forwardCost, backwardCost), Is.EqualTo((0L, 0L)), $"frame {t}: every field is kept");
            }
            else
            {
                // At most a restart: the steps to the end of the F fields traced with t's.
                int f = DisplacementFields.ForwardFieldsPerTrace;
                Assert.That(forwardCost, Is.LessThanOrEqualTo(Math.Min(schedule.ForwardSteps(t) + f - 1, schedule.Period)), $"frame {t}: forward costs at most a restart");
                Assert.That(backwardCost, Is.LessThanOrEqualTo(k - 1), $"frame {t}: backward recomputes at most one segment of K = {k}");
            }
        }
    }

    [TestCase(LoopMode.Official)]
    [TestCase(LoopMode.Seamless)]
    public void StepsForAWholeLoopInOrderAreLinear(LoopMode mode)
    {
        using var flow = UploadFlow(13);
        var schedule = LoopSchedule.Create(mode, 24);
        int p = schedule.Period;
        using (var all = DisplacementFields.Compute(flow, schedule, DisplacementStorage.AllFrames))
        {
            Assert.That(all.EulerSteps, Is.EqualTo(2L * p), "AllFrames: one trace per direction in Compute");
            WalkInOrder(all);
            Assert.That(all.EulerSteps, Is.EqualTo(2L * p), "AllFrames: no steps per frame");
        }
        using var fields = DisplacementFields.Compute(flow, schedule, DisplacementStorage.Checkpointed);
        int k = fields.CheckpointSpacing;
        Assert.That(fields.BackwardEulerSteps, Is.EqualTo(p), "Compute: one checkpoint pass of the period");
        WalkInOrder(fields);
        Assert.That(fields.ForwardEulerSteps, Is.InRange(schedule.FrameCount - 1L, p), "forward: one step per frame (the last trace may run to the period)");
        Assert.That(fields.BackwardEulerSteps, Is.EqualTo(p + p / k * (k - 1)), "backward: the pass + each segment once from its checkpoint");
        Assert.That(fields.BackwardEulerSteps, Is.LessThanOrEqualTo(2L * p));
        Assert.That(fields.EulerSteps, Is.LessThanOrEqualTo(3L * p), $"against the original's {schedule.FrameCount * (long)p}");
    }

    [Test]
    public void StepsGrowLinearlyAndMemoryAsTheSquareRootWithTheLoopLength()
    {
        using var flow = UploadFlow(14);
        (long Steps, long Bytes) Run(int frames)
        {
            using var fields = DisplacementFields.Compute(flow, LoopSchedule.Official(frames), DisplacementStorage.Checkpointed);
            WalkInOrder(fields);
            return (fields.EulerSteps, fields.BytesHeld);
        }
        var small = Run(30);
        var large = Run(120);
        double stepRatio = (double)large.Steps / small.Steps, byteRatio = (double)large.Bytes / small.Bytes;
        TestContext.Out.WriteLine($"N = 30: {small.Steps} steps, {small.Bytes} B; N = 120: {large.Steps} steps, {large.Bytes} B; ratios {stepRatio:F2}, {byteRatio:F2}");
        Assert.That(stepRatio, Is.InRange(3.5, 4.5), "4× the frames: about 4× the steps, not 16×");
        Assert.That(byteRatio, Is.InRange(1.5, 2.5), "4× the frames: about 2× the memory (√N)");
    }

    [TestCase(LoopMode.Official, 24)]
    [TestCase(LoopMode.Seamless, 24)]
    [TestCase(LoopMode.Official, 2)]
    [TestCase(LoopMode.Official, 120)]
    public void MemoryHeldIsWhatTheClassDocStates(LoopMode mode, int frames)
    {
        using var flow = UploadFlow(15);
        var schedule = LoopSchedule.Create(mode, frames);
        int p = schedule.Period;
        using (var all = DisplacementFields.Compute(flow, schedule, DisplacementStorage.AllFrames))
        {
            Assert.That(all.BytesHeld, Is.EqualTo((4L * (p + 1) + 6) * PlaneBytes), "AllFrames: 4(p+1) + 6 planes");
            Assert.That(all.BytesHeld, Is.EqualTo(DisplacementFields.BytesFor(DisplacementStorage.AllFrames, FlowShape, schedule)));
        }
        using var fields = DisplacementFields.Compute(flow, schedule, DisplacementStorage.Checkpointed);
        WalkInOrder(fields);
        int k = fields.CheckpointSpacing;
        int f = Math.Min(DisplacementFields.ForwardFieldsPerTrace, p + 1);
        Assert.That(fields.BytesHeld, Is.EqualTo((3L * (p / k) + 2L * k + 2 * f + 6) * PlaneBytes), "Checkpointed: 3⌊p/K⌋ + 2K + 2F + 6 planes");
        Assert.That(fields.BytesHeld, Is.EqualTo(DisplacementFields.BytesFor(DisplacementStorage.Checkpointed, FlowShape, schedule)));
        Assert.That(fields.BytesHeld, Is.LessThanOrEqualTo((2 * Math.Sqrt(6.0 * p) + 2 * f + 9) * PlaneBytes), "Checkpointed: ≤ 2√(6p) + 2F + 9 planes");
    }

    [Test]
    public void TheClassDocNumbersForTheFullSizeLevelHold()
    {
        // 1024 level, padded side 1780, N = 120 official (p = 119); BytesFor allocates nothing.
        var level = new Shape4(1, 2, 1780, 1780);
        var schedule = LoopSchedule.Official(120);
        long plane = 1780L * 1780 * 4;
        Assert.That(plane, Is.EqualTo(12_673_600));
        Assert.That(DisplacementFields.CheckpointSpacingFor(119), Is.EqualTo(15));
        Assert.That(DisplacementFields.BytesFor(DisplacementStorage.AllFrames, level, schedule), Is.EqualTo(486 * plane)); // 6.16 GB
        Assert.That(DisplacementFields.BytesFor(DisplacementStorage.Checkpointed, level, schedule), Is.EqualTo(65 * plane)); // 824 MB
        Assert.That(119 + 119 + 119 / 15 * 14, Is.EqualTo(336), "steps in order, checkpointed");
        // The 128 level (padded 224) keeps every field under the default budget; the 256 level (442) does not.
        Assert.That(DisplacementFields.ChooseStorage(new Shape4(1, 2, 224, 224), schedule, DisplacementFields.DefaultMemoryBudgetBytes),
            Is.EqualTo(DisplacementStorage.AllFrames));
        Assert.That(DisplacementFields.ChooseStorage(new Shape4(1, 2, 442, 442), schedule, DisplacementFields.DefaultMemoryBudgetBytes),
            Is.EqualTo(DisplacementStorage.Checkpointed));
    }

    [Test]
    public void TheBudgetChoosesTheStorage()
    {
        using var flow = UploadFlow(16);
        var schedule = LoopSchedule.Official(10);
        long allBytes = DisplacementFields.BytesFor(DisplacementStorage.AllFrames, FlowShape, schedule);
        Assert.That(allBytes, Is.GreaterThan(DisplacementFields.BytesFor(DisplacementStorage.Checkpointed, FlowShape, schedule)));
        using (var fits = DisplacementFields.Compute(flow, schedule, allBytes))
            Assert.That(fits.Storage, Is.EqualTo(DisplacementStorage.AllFrames));
        using (var tight = DisplacementFields.Compute(flow, schedule, allBytes - 1))
            Assert.That(tight.Storage, Is.EqualTo(DisplacementStorage.Checkpointed));
        using (var defaults = DisplacementFields.Compute(flow, schedule))
            Assert.That(defaults.Storage, Is.EqualTo(DisplacementStorage.AllFrames), "a small level fits the default budget");
    }

    [Test]
    public void BadInputIsAClearError()
    {
        using var flow = UploadFlow(17);
        using var threeChannels = Device.Allocate(1, 3, 5, 5);
        var e = Assert.Throws<ArgumentException>(() => DisplacementFields.Compute(threeChannels, LoopSchedule.Official(4)));
        Assert.That(e!.Message, Does.Contain("1×3×5×5"));
        Assert.Throws<ArgumentException>(() => DisplacementFields.Compute(flow, default(LoopSchedule), DisplacementStorage.Checkpointed));
        Assert.Throws<ArgumentOutOfRangeException>(() => DisplacementFields.Compute(flow, LoopSchedule.Official(4), -1L));
        var fields = DisplacementFields.Compute(flow, LoopSchedule.Official(4), DisplacementStorage.Checkpointed);
        Assert.Throws<ArgumentOutOfRangeException>(() => fields.ForwardAt(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => fields.BackwardAt(-1));
        fields.Dispose();
        Assert.Throws<ObjectDisposedException>(() => fields.ForwardAt(0));
    }

    private static void WalkInOrder(DisplacementFields fields)
    {
        for (int t = 0; t < fields.FrameCount; t++)
        {
            fields.ForwardAt(t);
            fields.BackwardAt(t);
        }
    }
}
