using CineKernel.Kernels;

namespace CineKernel.Pipeline.Warping;

/// <summary>
/// The Euler displacement fields of one level for a whole loop of <see cref="FrameCount"/> frames, computed
/// once per cinemagraph (DESIGN.md "Performance"): forward[k] = k steps on +M, backward[k] = k steps on −M,
/// k = 0..period, each direction in one O(N) pass. Frame t splats with forward[t] and backward[N−1−t], as the
/// original's <c>blend_feature</c> integrates idx and n_frames−idx−1 steps.
/// <para>Memory: 2·N·2·P²·4 bytes for a padded side P (N = 120 at the 1024 level, P = 1780: about 6 GB;
/// at 128, P = 224: about 96 MB). A caller short of memory can instead keep an
/// <see cref="EulerIntegrator"/> state and advance it frame by frame.</para>
/// </summary>
public sealed class DisplacementFields : IDisposable
{
    private DisplacementFields(LoopSchedule schedule, Tensor forward, Tensor backward)
    {
        Schedule = schedule;
        Forward = forward;
        Backward = backward;
    }

    public LoopSchedule Schedule { get; }

    public int FrameCount => Schedule.FrameCount;

    /// <summary>N×2×P×P: forward[k] is the displacement after k steps on +M.</summary>
    public Tensor Forward { get; }

    /// <summary>N×2×P×P: backward[k] is the displacement after k steps on −M.</summary>
    public Tensor Backward { get; }

    /// <summary>Traces both directions of <paramref name="paddedFlow"/> (1×2×P×P) for every frame of the loop.</summary>
    public static DisplacementFields Compute(Tensor paddedFlow, LoopSchedule schedule)
    {
        if (paddedFlow.N != 1 || paddedFlow.C != 2) throw new ArgumentException($"padded flow must be 1×2×H×W, got {paddedFlow.Shape}");
        var device = paddedFlow.Device;
        var fieldShape = paddedFlow.Shape with { N = schedule.MaxSteps + 1 };
        var forward = device.Allocate(fieldShape);
        var backward = device.Allocate(fieldShape);
        using var state = device.Allocate(EulerIntegrator.StateShape(paddedFlow.Shape));
        EulerIntegrator.Reset(state);
        EulerIntegrator.Trace(paddedFlow, state, forward, motionSign: 1f);
        EulerIntegrator.Reset(state);
        EulerIntegrator.Trace(paddedFlow, state, backward, motionSign: -1f);
        return new DisplacementFields(schedule, forward, backward);
    }

    /// <summary>Frame t's forward field (t steps on +M).</summary>
    public Tensor ForwardAt(int t) => Forward.Batch(Schedule.ForwardSteps(t));

    /// <summary>Frame t's backward field (N−1−t steps on −M, or N−t in a seamless loop).</summary>
    public Tensor BackwardAt(int t) => Backward.Batch(Schedule.BackwardSteps(t));

    public void Dispose()
    {
        Forward.Dispose();
        Backward.Dispose();
    }
}
