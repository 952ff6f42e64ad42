namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>
/// How far a <see cref="CinemagraphEngine"/> render is: reported once with <see cref="FramesDone"/> = 0 when the
/// once-per-cinemagraph work (inversion, mask, motion, displacement fields) is done, then after every frame.
/// </summary>
/// <param name="FramesDone">Frames handed out so far, 0..<paramref name="FrameCount"/>.</param>
/// <param name="FrameCount">Frames in the loop.</param>
/// <param name="Seconds">Seconds since the render began (wall clock, preparation included).</param>
public readonly record struct CinemagraphProgress(int FramesDone, int FrameCount, double Seconds)
{
    /// <summary>The fraction done, in [0, 1].</summary>
    public double Fraction => FrameCount == 0 ? 0 : (double)FramesDone / FrameCount;
}
