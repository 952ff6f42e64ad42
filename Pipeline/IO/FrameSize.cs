namespace CineKernel.Pipeline.IO;

/// <summary>
/// The width and height frames are rendered at: the photo's (or region's) aspect at a requested long side
/// (<c>--size</c>), each side rounded to the nearest pixel and at least 1; with <c>evenSides</c> (MP4's yuv420p
/// needs them) each side rounded to the nearest even number, at least 2.
/// </summary>
/// <param name="Width">Pixels.</param>
/// <param name="Height">Pixels.</param>
public readonly record struct FrameSize(int Width, int Height)
{
    /// <summary>The largest default long side: a photo larger than this is rendered at 2048 unless <c>--size</c> says otherwise.</summary>
    public const int DefaultLongSideCap = 2048;

    /// <summary>The largest long side rendered (the output size limit, whatever the photo).</summary>
    public const int MaxLongSide = 4096;

    /// <summary>The long side, max(W, H).</summary>
    public int LongSide => Math.Max(Width, Height);

    /// <summary>The default long side for a source: its own long side, at most <see cref="DefaultLongSideCap"/>.</summary>
    public static int DefaultLongSide(int sourceWidth, int sourceHeight) => Math.Min(Math.Max(sourceWidth, sourceHeight), DefaultLongSideCap);

    /// <summary>
    /// The size with the aspect of <paramref name="sourceWidth"/>×<paramref name="sourceHeight"/> whose long side is
    /// <paramref name="longSide"/> (rounded down to even with <paramref name="evenSides"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A source side is not positive, or the long side is not in 1..<see cref="MaxLongSide"/>.</exception>
    public static FrameSize Fit(int sourceWidth, int sourceHeight, int longSide, bool evenSides = false)
    {
        if (sourceWidth <= 0 || sourceHeight <= 0)
            throw new ArgumentOutOfRangeException(nameof(sourceWidth), $"Image size must be positive, got {sourceWidth}x{sourceHeight}.");
        if (longSide < 1 || longSide > MaxLongSide)
            throw new ArgumentOutOfRangeException(nameof(longSide), longSide, $"the long side must be in 1..{MaxLongSide}");
        if (evenSides) longSide = Math.Max(2, longSide & ~1);
        int sourceLong = Math.Max(sourceWidth, sourceHeight);
        int Side(int s)
        {
            double exact = (double)s * longSide / sourceLong;
            return evenSides ? Math.Max(2, 2 * (int)Math.Round(exact / 2, MidpointRounding.AwayFromZero))
                : Math.Max(1, (int)Math.Round(exact, MidpointRounding.AwayFromZero));
        }
        return sourceWidth >= sourceHeight ? new FrameSize(longSide, Math.Min(longSide, Side(sourceHeight))) : new FrameSize(Math.Min(longSide, Side(sourceWidth)), longSide);
    }

    public override string ToString() => $"{Width}x{Height}";
}
