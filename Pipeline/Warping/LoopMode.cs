namespace CineKernel.Pipeline.Warping;

/// <summary>How a loop of N frames closes (DESIGN.md "Loop point").</summary>
public enum LoopMode
{
    /// <summary>
    /// The original's schedule: frame t integrates t steps forward and N−1−t backward, α = t/(N−1),
    /// so frame N−1 equals frame 0 and a looping player shows that frame twice at the seam.
    /// </summary>
    Official,

    /// <summary>
    /// A period of exactly N distinct frames: t steps forward, N−t backward, α = t/N; the frame that
    /// would follow N−1 is frame 0 again, so the loop has no repeated frame.
    /// </summary>
    Seamless,
}
