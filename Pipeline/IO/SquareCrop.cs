namespace CineKernel.Pipeline.IO;

/// <summary>
/// The square taken from a source image: the whole image if it is square, else its centre, the longer
/// side cut equally from both ends. Offsets round down, as the original's <c>ip_utils.crop_image</c>
/// (<c>int((W − H) / 2)</c>), so a 5×2 image keeps columns 1 and 2.
/// </summary>
public readonly record struct SquareCrop(int SourceWidth, int SourceHeight, int X, int Y, int Side)
{
    public static SquareCrop Centre(int sourceWidth, int sourceHeight)
    {
        if (sourceWidth <= 0 || sourceHeight <= 0)
            throw new ArgumentOutOfRangeException(nameof(sourceWidth), $"Image size must be positive, got {sourceWidth}x{sourceHeight}.");
        int side = Math.Min(sourceWidth, sourceHeight);
        return new SquareCrop(sourceWidth, sourceHeight, (sourceWidth - side) / 2, (sourceHeight - side) / 2, side);
    }

    /// <summary>True when the source was not square and part of it was cut away.</summary>
    public bool IsCropped => SourceWidth != SourceHeight;

    /// <summary>
    /// One line for the command line, e.g. "centre-cropped 1280x720 to 720x720 (columns 280..999 kept)",
    /// or "square 1024x1024, not cropped".
    /// </summary>
    public string Describe()
    {
        if (!IsCropped) return $"square {SourceWidth}x{SourceHeight}, not cropped";
        string kept = SourceWidth > SourceHeight ? $"columns {X}..{X + Side - 1}" : $"rows {Y}..{Y + Side - 1}";
        return $"centre-cropped {SourceWidth}x{SourceHeight} to {Side}x{Side} ({kept} kept)";
    }
}
