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
/// Beyond the original: the mask is read like the photo (same checks, limits and EXIF orientation) and centre-cropped
/// the same way if it is not square (<see cref="SquareCrop"/>); where the file has an alpha channel the red channel
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
        var (image, _) = ImageFileReader.ReadWithAlpha(path, "Mask", ImageInput.MaxSide);
        byte[] red;
        SquareCrop crop;
        using (image)
        {
            crop = SquareCrop.Centre(image.Width, image.Height);
            red = new byte[crop.Side * crop.Side];
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < crop.Side; y++)
                {
                    Span<Rgba32> row = rows.GetRowSpan(crop.Y + y).Slice(crop.X, crop.Side);
                    for (int x = 0; x < row.Length; x++)
                        red[y * crop.Side + x] = (byte)((row[x].R * row[x].A + 127) / 255);
                }
            });
        }

        bool labels = red.Max() == 1;
        if (labels)
            for (int i = 0; i < red.Length; i++) red[i] *= 255;
        byte[] resized = PilLanczosResize.Resize(red, crop.Side, crop.Side, width, height);
        // numpy's uint8 / 255 is a float64 division, then stored as float32.
        float[] values = Array.ConvertAll(resized, v => (float)(v / 255.0));
        return new MaskReading(path, new AnimationMask(width, height, values), labels);
    }
}
