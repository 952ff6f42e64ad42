using CineKernel.Pipeline.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace CineKernel.Pipeline.Mask;

/// <summary>
/// Loads an animation mask (white = animated, black = static) as one float plane of 0s and 1s.
/// The mask is read like the photo (same checks and limits), centre-cropped the same way if it is not
/// square (a mask drawn over the uncropped photo then lines up with the cropped photo), resized with a
/// bilinear (triangle) filter (widened when shrinking, so it averages the area under each output pixel)
/// and thresholded at half: a pixel is animated when the mean of its R, G, B after resizing is at least
/// 0.5. Thresholding after bilinear keeps edges smoother than nearest sampling and never drops thin
/// regions at random. (The original keeps the Lanczos-resized red channel as a soft mask; the motion
/// is multiplied by it either way, and a binary mask is what the compositing and the previews expect.)
/// </summary>
public static class MaskInput
{
    /// <summary>The original's mask and motion resolution.</summary>
    public const int DefaultSize = 512;

    /// <summary>Reads the mask and returns width×height values in {0, 1}, row-major.</summary>
    /// <exception cref="MediaFileException">Missing, unreadable, not an image, over-large, truncated or corrupt.</exception>
    public static float[] Load(string path, int width = DefaultSize, int height = DefaultSize)
    {
        if (width <= 0 || height <= 0 || width > ImageInput.MaxSide || height > ImageInput.MaxSide)
            throw new ArgumentOutOfRangeException(nameof(width), $"Mask size must be in 1..{ImageInput.MaxSide} a side, got {width}x{height}.");
        var (image, _) = ImageFileReader.Read(path, "Mask", ImageInput.MaxSide);
        using (image)
        {
            ImageInput.CropAndResize(image, width, height, KnownResamplers.Triangle);
            var mask = new float[width * height];
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height; y++)
                {
                    Span<Rgb24> row = rows.GetRowSpan(y);
                    for (int x = 0; x < row.Length; x++)
                        mask[y * width + x] = row[x].R + row[x].G + row[x].B >= 3 * 127.5f ? 1f : 0f;
                }
            });
            return mask;
        }
    }
}
