namespace CineKernel.Pipeline.Warping;

/// <summary>Steps and blend weight of every frame of a loop.</summary>
public readonly record struct LoopSchedule(LoopMode Mode, int FrameCount)
{
    public static LoopSchedule Official(int frameCount) => Create(LoopMode.Official, frameCount);

    public static LoopSchedule Seamless(int frameCount) => Create(LoopMode.Seamless, frameCount);

    public static LoopSchedule Create(LoopMode mode, int frameCount) =>
        frameCount >= 2 ? new LoopSchedule(mode, frameCount)
            : throw new ArgumentOutOfRangeException(nameof(frameCount), frameCount, "a loop needs at least 2 frames");

    /// <summary>The period the loop divides by: N−1 (official) or N (seamless).</summary>
    public int Period => Mode == LoopMode.Official ? FrameCount - 1 : FrameCount;

    /// <summary>The most Euler steps any frame needs in one direction.</summary>
    public int MaxSteps => Period;

    public int ForwardSteps(int t) => CheckFrame(t);

    public int BackwardSteps(int t) => Period - CheckFrame(t);

    /// <summary>α = t / period, as a double: the original multiplies float32 ones by the Python doubles 1−α and α.</summary>
    public double Alpha(int t) => (double)CheckFrame(t) / Period;

    /// <summary>The joint-splat metrics of the two copies: Z = 1−α forward, α backward.</summary>
    public (float Forward, float Backward) Metrics(int t)
    {
        double alpha = Alpha(t);
        return ((float)(1 - alpha), (float)alpha);
    }

    private int CheckFrame(int t) =>
        t >= 0 && t < FrameCount ? t : throw new ArgumentOutOfRangeException(nameof(t), t, $"frame index must be in 0..{FrameCount - 1}");
}
