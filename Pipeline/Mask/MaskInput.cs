using CineKernel.Pipeline.IO;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Pipeline.Mask;

/// <summary>
/// Loads an animation mask (white = animated, black = static) as the original's main.py does: the image's red
/// channel resized to the grid with PIL's LANCZOS filter (mediapy's <c>resize_image</c>, here
/// <see cref="PilLanczosResize"/>, bit for bit) and divided by 255, a soft weight in [0, 1]. Grey levels are kept:
/// the motion is multiplied by the weight and the frame is <c>result·m + photo·(1 − m)</c>, so a feathered edge
/// blends and a 40% grey region moves at 40%.
/// <para>
/// Beyond the original: the mask is read like the photo (same checks, limits and EXIF orientation) and goes through
/// the photo's region (<see cref="Load(string, int, int, ImageRegion)"/>: the whole photo, or the square the generator
/// runs on), after a check that it has the photo's aspect (a mask of another shape is refused, never stretched);
/// without a region it is centre-cropped like the photo (<see cref="SquareCrop"/>); where the file has an alpha channel the red channel
/// is composited over black first (R·A/255, rounded), so transparent means static; and a file whose largest value
/// (after that) is 1, a label image saved as 0/1, is read as labels: 1 counts as 255 (animated).
/// </para>
/// </summary>
public static class MaskInput
{
    /// <summary>The original's mask and motion resolution.</summary>
    public const int DefaultSize = 512;

    /// <summary>Reads the mask at width×height (values in [0, 1], row-major) and says whether it was read as labels.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The requested size is not in 1..<see cref="ImageInput.MaxSide"/>.</exception>
    /// <exception cref="MediaFileException">Missing, unreadable, not an image, over-large, truncated or corrupt.</exception>
    public static MaskReading Load(string path, int width = DefaultSize, int height = DefaultSize)
    {
        if (width <= 0 || height <= 0 || width > ImageInput.MaxSide || height > ImageInput.MaxSide)
            throw new ArgumentOutOfRangeException(nameof(width), $"Mask size must be in 1..{ImageInput.MaxSide} a side, got {width}x{height}.");
        return Read(path, width, height, null);
    }

    /// <summary>
    /// Reads the mask over the photo's region at width×height: the mask must have the aspect of the (oriented) photo,
    /// <paramref name="photoRegion"/>.SourceWidth×SourceHeight, within a pixel of rounding
    /// (<see cref="ImageRegion.SameAspect"/>); the region, scaled to the mask's pixels (<see cref="ImageRegion.ScaledTo"/>;
    /// the centre square exactly as <see cref="SquareCrop.Centre"/> takes it from the mask), is cut out and resized as
    /// <see cref="Load(string, int, int)"/> resizes.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The requested size is not in 1..<see cref="ImageInput.MaxSide"/>.</exception>
    /// <exception cref="MediaFileException">Missing, unreadable, not an image, over-large, truncated, corrupt, or of another
    /// aspect than the photo (one line naming both sizes).</exception>
    public static MaskReading Load(string path, int width, int height, ImageRegion photoRegion)
    {
        if (width <= 0 || height <= 0 || width > ImageInput.MaxSide || height > ImageInput.MaxSide)
            throw new ArgumentOutOfRangeException(nameof(width), $"Mask size must be in 1..{ImageInput.MaxSide} a side, got {width}x{height}.");
        return Read(path, width, height, photoRegion);
    }

    private static MaskReading Read(string path, int width, int height, ImageRegion? photoRegion)
    {
        var (image, _) = ImageFileReader.ReadWithAlpha(path, "Mask", ImageInput.MaxSide);
        byte[] red;
        ImageRegion crop;
        using (image)
        {
            if (photoRegion is { } p && !ImageRegion.SameAspect(image.Width, image.Height, p.SourceWidth, p.SourceHeight))
                throw new MediaFileException(path,
                    $"Mask '{path}': {image.Width}x{image.Height} does not have the aspect of the {p.SourceWidth}x{p.SourceHeight} photo; " +
                    "a mask must cover the same picture (it is never stretched): resize or crop it like the photo.");
            crop = photoRegion is not { } r || r.IsCentreSquare
                ? ImageRegion.Of(SquareCrop.Centre(image.Width, image.Height))
                : r.ScaledTo(image.Width, image.Height);
            red = new byte[crop.Width * crop.Height];
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < crop.Height; y++)
                {
                    Span<Rgba32> row = rows.GetRowSpan(crop.Y + y).Slice(crop.X, crop.Width);
                    for (int x = 0; x < row.Length; x++)
                        red[y * crop.Width + x] = (byte)((row[x].R * row[x].A + 127) / 255);
                }
            });
        }

        bool labels = red.Max() == 1;
        if (labels)
            for (int i = 0; i < red.Length; i++) red[i] *= 255;
        byte[] resized = PilLanczosResize.Resize(red, crop.Width, crop.Height, width, height);
        // numpy's uint8 / 255 is a float64 division, then stored as float32.
        float[] values = Array.ConvertAll(resized, v => (float)(v / 255.0));
        return new MaskReading(path, new AnimationMask(width, height, values), labels);
    }
}
