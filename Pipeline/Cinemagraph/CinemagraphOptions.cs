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

    /// <summary>Checks the frame count and that an S×S image makes the pyramid (the weight-free renderer).</summary>
    internal void Validate(int size)
    {
        ValidateFrameCount();
        if (PyramidLevels < 1)
            throw new ArgumentOutOfRangeException(nameof(PyramidLevels), PyramidLevels, "a pyramid needs at least one level");
        if (size >> (PyramidLevels - 1) < 8 || (size >> (PyramidLevels - 1)) << (PyramidLevels - 1) != size)
            throw new ArgumentException($"a {size}x{size} image cannot make a {PyramidLevels}-level pyramid of halvings down to at least 8x8");
    }
}
