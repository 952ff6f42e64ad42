using System.Globalization;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// The rectangle of a source image (EXIF-oriented, in its pixels) that a run uses: the whole photo for the
/// weight-free renderer, a square for the full method's generator (the centre square by default, as the original's
/// <c>ip_utils.crop_image</c>, or one the user names with <c>--region x,y,side</c>). The photo and its mask go
/// through the same region (<see cref="Mask.MaskInput"/>).
/// </summary>
/// <param name="SourceWidth">Width of the oriented source, pixels.</param>
/// <param name="SourceHeight">Height of the oriented source, pixels.</param>
/// <param name="X">First column kept (0-based).</param>
/// <param name="Y">First row kept (0-based).</param>
/// <param name="Width">Columns kept (≥ 1).</param>
/// <param name="Height">Rows kept (≥ 1).</param>
public readonly record struct ImageRegion(int SourceWidth, int SourceHeight, int X, int Y, int Width, int Height)
{
    /// <summary>The whole W×H source.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is not positive.</exception>
    public static ImageRegion Whole(int sourceWidth, int sourceHeight)
    {
        if (sourceWidth <= 0 || sourceHeight <= 0)
            throw new ArgumentOutOfRangeException(nameof(sourceWidth), $"Image size must be positive, got {sourceWidth}x{sourceHeight}.");
        return new ImageRegion(sourceWidth, sourceHeight, 0, 0, sourceWidth, sourceHeight);
    }

    /// <summary>The region of a <see cref="SquareCrop"/> (the centre square, offsets rounded down).</summary>
    public static ImageRegion Of(SquareCrop crop) => new(crop.SourceWidth, crop.SourceHeight, crop.X, crop.Y, crop.Side, crop.Side);

    /// <summary>
    /// The square <paramref name="request"/> names (top-left pixel and side), or the centre square (<see cref="SquareCrop.Centre"/>) when <paramref name="request"/> is null.
    /// </summary>
    /// <exception cref="ArgumentException">The side is not positive or the square does not lie inside the source (one line naming both).</exception>
    public static ImageRegion Square(int sourceWidth, int sourceHeight, SquareRequest? request)
    {
        if (request is not { } r) return Of(SquareCrop.Centre(sourceWidth, sourceHeight));
        if (r.Side < 1)
            throw new ArgumentException($"region {r}: the side must be positive");
        if (r.X < 0 || r.Y < 0 || (long)r.X + r.Side > sourceWidth || (long)r.Y + r.Side > sourceHeight)
            throw new ArgumentException(
                $"region {r}: x {r.X}..{(long)r.X + r.Side - 1}, y {r.Y}..{(long)r.Y + r.Side - 1} is not inside the {sourceWidth}x{sourceHeight} photo");
        return new ImageRegion(sourceWidth, sourceHeight, r.X, r.Y, r.Side, r.Side);
    }

    /// <summary>True when the region is the whole source.</summary>
    public bool IsWhole => X == 0 && Y == 0 && Width == SourceWidth && Height == SourceHeight;

    /// <summary>True when the region is a square.</summary>
    public bool IsSquare => Width == Height;

    /// <summary>The centre square of the source (what <see cref="SquareCrop.Centre"/> keeps).</summary>
    public bool IsCentreSquare => this == Of(SquareCrop.Centre(SourceWidth, SourceHeight));

    /// <summary>This region as a <see cref="SquareCrop"/>.</summary>
    /// <exception cref="InvalidOperationException">The region is not square.</exception>
    public SquareCrop ToSquareCrop() => IsSquare
        ? new SquareCrop(SourceWidth, SourceHeight, X, Y, Width)
        : throw new InvalidOperationException($"the {Width}x{Height} region is not square");

    /// <summary>
    /// One line for the command line: the centre square as <see cref="SquareCrop.Describe"/> says it,
    /// "whole 1280x720 photo", or "region 100,50,400 (x 100..499, y 50..449) of the 1280x720 photo".
    /// </summary>
    public string Describe()
    {
        if (IsWhole && !IsSquare) return $"whole {SourceWidth}x{SourceHeight} photo, not cropped";
        if (IsSquare && IsCentreSquare) return ToSquareCrop().Describe();
        return string.Create(CultureInfo.InvariantCulture,
            $"region {X},{Y},{Width} (x {X}..{X + Width - 1}, y {Y}..{Y + Height - 1}) of the {SourceWidth}x{SourceHeight} photo");
    }

    /// <summary>
    /// This region in the pixels of an image of <paramref name="width"/>×<paramref name="height"/> with the source's
    /// aspect (a mask of another size): every edge scaled by the size ratio and rounded to the nearest pixel, at least
    /// one pixel kept. The whole source maps to the whole image.
    /// </summary>
    public ImageRegion ScaledTo(int width, int height)
    {
        if (width == SourceWidth && height == SourceHeight) return this;
        int left = Edge(X, width, SourceWidth), right = Math.Max(left + 1, Edge(X + Width, width, SourceWidth));
        int top = Edge(Y, height, SourceHeight), bottom = Math.Max(top + 1, Edge(Y + Height, height, SourceHeight));
        right = Math.Min(right, width);
        bottom = Math.Min(bottom, height);
        left = Math.Min(left, right - 1);
        top = Math.Min(top, bottom - 1);
        return new ImageRegion(width, height, left, top, right - left, bottom - top);
    }

    private static int Edge(int edge, int to, int from) => (int)Math.Round((double)edge * to / from, MidpointRounding.AwayFromZero);

    /// <summary>
    /// Whether an image of <paramref name="width"/>×<paramref name="height"/> has the aspect of one of
    /// <paramref name="otherWidth"/>×<paramref name="otherHeight"/> within a pixel of rounding: either side, computed
    /// from the other through the aspect, is less than one pixel off.
    /// </summary>
    public static bool SameAspect(int width, int height, int otherWidth, int otherHeight)
    {
        long cross = Math.Abs((long)width * otherHeight - (long)height * otherWidth);
        return cross < otherWidth || cross < otherHeight;
    }
}
