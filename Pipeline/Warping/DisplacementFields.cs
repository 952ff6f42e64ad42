using CineKernel.Kernels;

namespace CineKernel.Pipeline.Warping;

/// <summary>
/// The Euler displacement fields of one level for a loop (DESIGN.md "Euler integration", "Performance"):
/// frame t splats along forward(t) = <see cref="LoopSchedule.ForwardSteps"/> steps on +M and backward(t) =
/// <see cref="LoopSchedule.BackwardSteps"/> steps on −M, bit for bit what the original's per-frame
/// <c>euler_integration</c> from scratch gives (the state is only ever advanced, never approximated).
/// The original integrates every frame from scratch: N·period steps per loop, O(N²).
/// <para>
/// Costs below in planes of the padded grid (one plane = H·W float32s; at the 1024 level H = W = 1780, a plane
/// is 12.67 MB) and in Euler steps of the whole grid, for a loop of period p (N−1 official, N seamless).
/// For N = 120 (official, p = 119) at the 1024 level:
/// </para>
/// <list type="bullet">
/// <item><see cref="DisplacementStorage.AllFrames"/>: both directions traced once, fields k = 0..p kept:
/// 4(p+1) + 6 planes (6.16 GB), 2p steps (238) in <see cref="Compute(Tensor, LoopSchedule, long, Window?)"/>, none per frame; any order is free.</item>
/// <item><see cref="DisplacementStorage.Checkpointed"/>, spacing K chosen to minimise memory (≈ √(1.5p); 15 here):
/// forward = one state advanced as t grows and a buffer of F = <see cref="ForwardFieldsPerTrace"/> fields traced in one
/// launch (3 + 2F planes); backward = the states after K, 2K, …, ⌊p/K⌋K steps (3⌊p/K⌋ planes), stored by one pass
/// of p steps in <see cref="Compute(Tensor, LoopSchedule, long, Window?)"/>, a buffer of K fields (2K planes) and one state (3):
/// 3⌊p/K⌋ + 2K + 2F + 6 ≤ 2√(6p) + 17 planes (65 planes, 824 MB, 7.5× less).
/// Frames in order t = 0..N−1 cost at most p forward steps and p + ⌊p/K⌋(K−1) backward steps (each backward segment
/// is recomputed once from its checkpoint, as frames need it in decreasing step order): under 3p in all
/// (336 with Compute's pass, against the original's 14 280).</item>
/// </list>
/// <para>
/// Random access (frames out of order) gives the same fields at a bounded cost: a backward field outside the
/// buffered segment recomputes that segment from its checkpoint, at most K−1 steps (and a state copy); a forward
/// field outside the buffered F fields traces from the running state when it is behind t, else from the start
/// state, to the end of t's F fields: up to min(t + F − 1, p) steps. <see cref="Compute(Tensor, LoopSchedule, long, Window?)"/> picks <see cref="DisplacementStorage.AllFrames"/> when its
/// bytes fit the budget (the small levels: 97 MB at the 128 level for N = 120), else the checkpoints.
/// </para>
/// <para>
/// The tensor <see cref="ForwardAt"/> or <see cref="BackwardAt"/> returns is a view of this object's buffers:
/// valid until the next call for the same direction (for ever with <see cref="DisplacementStorage.AllFrames"/>),
/// so a frame's two fields can be used together. Not thread-safe.
/// </para>
/// </summary>
public sealed class DisplacementFields : IDisposable
{
    /// <summary>
    /// Forward fields a checkpointed trace writes per launch (F): the running state is read and written once per F
    /// frames instead of once per frame, for 2(F − 1) more planes.
    /// </summary>
    public const int ForwardFieldsPerTrace = 4;

    /// <summary>Memory <see cref="Compute(Tensor, LoopSchedule, long, Window?)"/> may spend to keep every field (256 MiB: the 128 level for any usual N).</summary>
    public const long DefaultMemoryBudgetBytes = 256L << 20;

    private readonly Trajectory forward, backward;
    private bool disposed;

    private DisplacementFields(LoopSchedule schedule, DisplacementStorage storage, MovingPixels moving, Window? target,
        Trajectory forward, Trajectory backward)
    {
        Target = target;
        Schedule = schedule;
        Storage = storage;
        Moving = moving;
        this.forward = forward;
        this.backward = backward;
    }

    /// <summary>
    /// The pixels whose displacement can be non-zero (motion not 0 under them); every other pixel's field is
    /// exactly 0 in every frame. The Euler steps visit only these; pass them to the splat
    /// (<see cref="JointSplat.Accumulate(SplatSource, SplatSource, Tensor, Window?, MovingPixels?, int?)"/>) too.
    /// </summary>
    public MovingPixels Moving { get; }

    /// <summary>
    /// The window the fields were traced for (<see cref="Compute(Tensor, LoopSchedule, long, Window?)"/>), or null
    /// for every pixel: outside the window's reach the fields of moving pixels are left 0.
    /// </summary>
    public Window? Target { get; }

    /// <summary>How many rows (or columns) frame t's two fields reach at most (<see cref="MovingPixels.ReachAfter"/>), null if unbounded.</summary>
    public int? ReachAt(int t) => Moving.ReachAfter(Math.Max(Schedule.ForwardSteps(t), Schedule.BackwardSteps(t)));

    public LoopSchedule Schedule { get; }

    public int FrameCount => Schedule.FrameCount;

    public DisplacementStorage Storage { get; }

    /// <summary>Backward steps between checkpoints (K); the whole period + 1 when every field is kept.</summary>
    public int CheckpointSpacing => backward.SegmentLength;

    /// <summary>Device memory this object holds, in bytes (what <see cref="BytesFor"/> predicts).</summary>
    public long BytesHeld => forward.BytesHeld + backward.BytesHeld;

    /// <summary>Euler steps of the whole grid taken so far on +M (instrumentation: each is one pass over every pixel).</summary>
    public long ForwardEulerSteps => forward.Steps;

    /// <summary>Euler steps of the whole grid taken so far on −M.</summary>
    public long BackwardEulerSteps => backward.Steps;

    public long EulerSteps => ForwardEulerSteps + BackwardEulerSteps;

    /// <summary>
    /// Prepares the fields of <paramref name="paddedFlow"/> (1×2×H×W) for every frame of the loop: keeps them all
    /// when <see cref="BytesFor"/>(AllFrames) ≤ <paramref name="memoryBudgetBytes"/>, else checkpoints the backward
    /// direction (one pass of period steps). The flow must stay unchanged while the fields are in use.
    /// </summary>
    /// <param name="paddedFlow">The flow at the level, padded as the warp pads it: 1×2×H×W, pixels per frame.</param>
    /// <param name="schedule">The loop: frame count and the steps of each frame's two copies.</param>
    /// <param name="memoryBudgetBytes">Bytes the fields may hold; above it the backward direction is checkpointed.</param>
    /// <param name="target">When given, only the pixels that can reach this window during the loop are integrated
    /// (<see cref="MovingPixels.Of(Tensor, Window?, int)"/>): the fields are exact for every splat kept to it.</param>
    public static DisplacementFields Compute(Tensor paddedFlow, LoopSchedule schedule, long memoryBudgetBytes = DefaultMemoryBudgetBytes,
        Window? target = null)
    {
        if (memoryBudgetBytes < 0) throw new ArgumentOutOfRangeException(nameof(memoryBudgetBytes), memoryBudgetBytes, "memory budget must be ≥ 0 bytes");
        return Compute(paddedFlow, schedule, ChooseStorage(paddedFlow.Shape, schedule, memoryBudgetBytes), target);
    }

    /// <summary>As <see cref="Compute(Tensor, LoopSchedule, long, Window?)"/> with the storage given.</summary>
    public static DisplacementFields Compute(Tensor paddedFlow, LoopSchedule schedule, DisplacementStorage storage, Window? target = null)
    {
        if (paddedFlow.N != 1 || paddedFlow.C != 2) throw new ArgumentException($"padded flow must be 1×2×H×W, got {paddedFlow.Shape}");
        if (schedule.FrameCount < 2) throw new ArgumentException($"a loop needs at least 2 frames, got {schedule.FrameCount} (use LoopSchedule.Create)");
        var (forwardSegment, backwardSegment, checkpoints) = Layout(storage, schedule.Period);
        Trajectory? f = null, b = null;
        var moving = MovingPixels.Of(paddedFlow, target, schedule.Period);
        try
        {
            f = new Trajectory(paddedFlow, 1f, schedule.Period, forwardSegment, 0, moving);
            b = new Trajectory(paddedFlow, -1f, schedule.Period, backwardSegment, checkpoints, moving);
            var fields = new DisplacementFields(schedule, storage, moving, target, f, b);
            // Frame 0 of both directions: in AllFrames the whole trace; in Checkpointed the checkpoint pass.
            fields.ForwardAt(0);
            fields.BackwardAt(0);
            return fields;
        }
        catch
        {
            f?.Dispose();
            b?.Dispose();
            moving.Dispose();
            throw;
        }
    }

    /// <summary>AllFrames when it fits <paramref name="memoryBudgetBytes"/>, else Checkpointed.</summary>
    public static DisplacementStorage ChooseStorage(Shape4 paddedFlow, LoopSchedule schedule, long memoryBudgetBytes) =>
        BytesFor(DisplacementStorage.AllFrames, paddedFlow, schedule) <= memoryBudgetBytes
            ? DisplacementStorage.AllFrames
            : DisplacementStorage.Checkpointed;

    /// <summary>The device bytes <see cref="Compute(Tensor, LoopSchedule, long, Window?)"/> holds for this storage, flow shape (1×2×H×W) and loop.</summary>
    public static long BytesFor(DisplacementStorage storage, Shape4 paddedFlow, LoopSchedule schedule)
    {
        var (forwardSegment, backwardSegment, checkpoints) = Layout(storage, schedule.Period);
        return Trajectory.Planes(forwardSegment, 0) * PlaneBytes(paddedFlow)
            + Trajectory.Planes(backwardSegment, checkpoints) * PlaneBytes(paddedFlow);
    }

    /// <summary>
    /// The checkpoint spacing K that holds the fewest planes, 3⌊p/K⌋ + 2K (checkpoint states + segment buffer),
    /// ties to the fewer recomputed steps ⌊p/K⌋(K−1).
    /// </summary>
    public static int CheckpointSpacingFor(int period)
    {
        if (period < 1) throw new ArgumentOutOfRangeException(nameof(period), period, "a loop period must be ≥ 1");
        int best = 1;
        long bestPlanes = long.MaxValue, bestSteps = long.MaxValue;
        for (int k = 1; k <= period + 1; k++)
        {
            long planes = 3L * (period / k) + 2L * k;
            long steps = (long)(period / k) * (k - 1);
            if (planes < bestPlanes || (planes == bestPlanes && steps < bestSteps))
            {
                best = k;
                bestPlanes = planes;
                bestSteps = steps;
            }
        }
        return best;
    }

    /// <summary>Frame t's forward field (t steps on +M), 1×2×H×W.</summary>
    public Tensor ForwardAt(int t)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return forward.At(Schedule.ForwardSteps(t));
    }

    /// <summary>Frame t's backward field (period − t steps on −M), 1×2×H×W.</summary>
    public Tensor BackwardAt(int t)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return backward.At(Schedule.BackwardSteps(t));
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        forward.Dispose();
        backward.Dispose();
        Moving.Dispose();
    }

    private static long PlaneBytes(Shape4 flow) => (long)flow.H * flow.W * sizeof(float);

    /// <summary>Segment lengths of both directions and the backward checkpoint count for a storage.</summary>
    private static (int ForwardSegment, int BackwardSegment, int Checkpoints) Layout(DisplacementStorage storage, int period)
    {
        switch (storage)
        {
            case DisplacementStorage.AllFrames:
                return (period + 1, period + 1, 0);
            case DisplacementStorage.Checkpointed:
                int k = CheckpointSpacingFor(period);
                return (Math.Min(ForwardFieldsPerTrace, period + 1), k, period / k);
            default:
                throw new ArgumentOutOfRangeException(nameof(storage), storage, "unknown displacement storage");
        }
    }

    /// <summary>
    /// The displacement after k = 0..maxSteps steps of sign·M for one direction. Fields are produced a segment
    /// at a time (steps [jL, jL + L) for segment length L) by tracing from the cheapest state at or before jL:
    /// the running state, the checkpoint at ⌊jL/K⌋·K (K = L; checkpoints are stored the first time the running
    /// state passes them), or the start. L = maxSteps + 1 keeps every field; L = 1 is a plain running state.
    /// </summary>
    private sealed class Trajectory : IDisposable
    {
        private readonly Tensor motion;
        private readonly MovingPixels moving;   // the state and fields of the other pixels never change from the start
        private readonly float sign;
        private readonly int maxSteps;
        private readonly Tensor state;          // the running state, after stateSteps steps
        private readonly Tensor segment;        // fields segmentStart .. segmentStart + segmentCount − 1
        private readonly Tensor? checkpoints;   // checkpoint j−1 = the state after j·L steps, j = 1..checkpointCount
        private readonly int checkpointCount;
        private int stateSteps, segmentStart = -1, segmentCount, knownCheckpoints;

        public Trajectory(Tensor motion, float sign, int maxSteps, int segmentLength, int checkpointCount, MovingPixels moving)
        {
            this.motion = motion;
            this.moving = moving;
            this.sign = sign;
            this.maxSteps = maxSteps;
            SegmentLength = segmentLength;
            this.checkpointCount = checkpointCount;
            var device = motion.Device;
            var stateShape = EulerIntegrator.StateShape(motion.Shape);
            state = device.Allocate(stateShape);
            try
            {
                segment = device.Allocate(motion.Shape with { N = segmentLength });
                if (checkpointCount > 0) checkpoints = device.Allocate(stateShape with { N = checkpointCount });
            }
            catch
            {
                state.Dispose();
                segment?.Dispose();
                throw;
            }
            EulerIntegrator.Reset(state);
        }

        public int SegmentLength { get; }

        public long Steps { get; private set; }

        /// <summary>State (3), segment buffer (2 per field) and checkpoint states (3 each), in planes.</summary>
        public static long Planes(int segmentLength, int checkpointCount) => 3 + 2L * segmentLength + 3L * checkpointCount;

        public long BytesHeld => (state.Length + segment.Length + (checkpoints?.Length ?? 0)) * sizeof(float);

        public Tensor At(int k)
        {
            if (k < segmentStart || k >= segmentStart + segmentCount || segmentStart < 0)
                Fill(k / SegmentLength * SegmentLength);
            return segment.Batch(k - segmentStart);
        }

        private void Fill(int start)
        {
            int count = Math.Min(SegmentLength, maxSteps + 1 - start);
            if (stateSteps > start)
            {
                // Behind the running state: restart from the last checkpoint at or before start, or from 0.
                int j = Math.Min(start / SegmentLength, knownCheckpoints);
                if (j > 0) EulerIntegrator.CopyState(checkpoints!.Batch(j - 1), state);
                else EulerIntegrator.Reset(state);
                stateSteps = j * SegmentLength;
            }
            else if (knownCheckpoints > 0 && knownCheckpoints * SegmentLength > stateSteps)
            {
                // A checkpoint at or before start is further along than the running state.
                int j = Math.Min(start / SegmentLength, knownCheckpoints);
                if (j * SegmentLength > stateSteps)
                {
                    EulerIntegrator.CopyState(checkpoints!.Batch(j - 1), state);
                    stateSteps = j * SegmentLength;
                }
            }
            while (stateSteps < start)
            {
                // Stop at the next checkpoint not yet stored, so one pass stores them all.
                int next = knownCheckpoints < checkpointCount ? (knownCheckpoints + 1) * SegmentLength : int.MaxValue;
                if (start < next) break; // the last stretch: the trace takes it (one launch, the state read once)
                Advance(next - stateSteps);
                EulerIntegrator.CopyState(state, checkpoints!.Batch(knownCheckpoints));
                knownCheckpoints++;
            }
            int skip = start - stateSteps;
            // Invalidate first: should the trace fail, the buffer no longer holds the old segment.
            segmentStart = -1;
            EulerIntegrator.Trace(motion, state, segment.Batch(0, count), sign, moving, skip);
            Steps += skip + count - 1;
            stateSteps = start + count - 1;
            segmentStart = start;
            segmentCount = count;
        }

        private void Advance(int steps)
        {
            EulerIntegrator.Advance(motion, state, steps, sign, moving);
            Steps += steps;
            stateSteps += steps;
        }

        public void Dispose()
        {
            state.Dispose();
            segment.Dispose();
            checkpoints?.Dispose();
        }
    }
}
