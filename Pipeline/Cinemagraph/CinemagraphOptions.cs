using CineKernel.Pipeline.Warping;

namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>
/// Settings of one cinemagraph: the frame count and loop mode (both renderers) and the pyramid depth (the
/// weight-free renderer only; the full method warps the generator's own levels).
/// </summary>
public sealed record CinemagraphOptions
{
    /// <summary>Frames in the loop (2..10000).</summary>
    public int FrameCount { get; init; } = 120;

    /// <summary>
    /// A multiplier on the motion (default 1; in (0, <see cref="Motion.MotionField.MaxSpeed"/>]), applied with the mask
    /// (<c>flow *= mask · speed</c>): 0.5 moves everything half as far per frame.
    /// </summary>
    public float Speed { get; init; } = 1f;

    /// <summary>How the loop closes (DESIGN.md "Loop point"); seamless by default: N distinct frames.</summary>
    public LoopMode Loop { get; init; } = LoopMode.Seamless;

    /// <summary>
    /// Levels of the image's Laplacian pyramid, each warped at its own size (S, S/2, S/4, ...), as multi-scale deep
    /// feature warping (MSDFW) warps the generator's features at 1024, 512, 256 and 128. Weight-free renderer only.
    /// </summary>
    public int PyramidLevels { get; init; } = 4;

    /// <summary>Most frames the renderer accepts.</summary>
    public const int MaxFrames = 10000;

    /// <summary>Checks the frame count (both renderers).</summary>
    internal void ValidateFrameCount()
    {
        if (FrameCount is < 2 or > MaxFrames)
            throw new ArgumentOutOfRangeException(nameof(FrameCount), FrameCount, $"frame count must be in 2..{MaxFrames}");
        if (!(Speed > 0f && Speed <= Motion.MotionField.MaxSpeed))
            throw new ArgumentOutOfRangeException(nameof(Speed), Speed, $"speed must be in (0, {Motion.MotionField.MaxSpeed}]");
    }

    /// <summary>Most levels a W×H image makes: halvings (⌊s/2⌋, any parity) while the short side stays at least 8, at least 1.</summary>
    public static int MaxPyramidLevels(int width, int height)
    {
        int levels = 1;
        while (Math.Min(width, height) >> levels >= 8) levels++;
        return levels;
    }

    /// <summary>Checks the frame count and that a W×H image makes the pyramid (the weight-free renderer): the coarsest
    /// level, ⌊W/2^(L−1)⌋×⌊H/2^(L−1)⌋, keeps at least 8 pixels a side (sides of any parity; a one-level pyramid takes any size).</summary>
    internal void Validate(int width, int height)
    {
        ValidateFrameCount();
        if (PyramidLevels < 1)
            throw new ArgumentOutOfRangeException(nameof(PyramidLevels), PyramidLevels, "a pyramid needs at least one level");
        if (PyramidLevels > 1 && PyramidLevels > MaxPyramidLevels(width, height))
            throw new ArgumentException($"a {width}x{height} image cannot make a {PyramidLevels}-level pyramid of halvings down to at least 8 pixels a side");
    }
}
