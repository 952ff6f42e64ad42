using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Transforms;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// Loads the input photo the way the original's <c>ip_utils.read_image</c> does: centre-crop to a square
/// (<see cref="SquareCrop"/>), then resize to the working size with a Lanczos-3 filter (ImageSharp's
/// <c>KnownResamplers.Lanczos3</c>, widened when shrinking so it also antialiases; the original uses
/// mediapy.resize_image, which is PIL's LANCZOS, the same a = 3 filter). Resizing works on the 8-bit sRGB
/// values, as PIL does (no linear-light companding). EXIF orientation is applied before cropping.
/// </summary>
public static class ImageInput
{
    /// <summary>Largest accepted width or height, checked from the header before decoding.</summary>
    public const int MaxSide = 8192;

    /// <summary>
    /// The most memory ImageSharp may hold at once while an image is decoded, oriented, cropped and resized:
    /// enough for the largest accepted image (8192², any format), and a bound on what a file can make the
    /// decoder allocate, however small the file.
    /// </summary>
    public const long MemoryBudgetBytes = 1L << 30;

    /// <summary>The generator's resolution, the original's working size.</summary>
    public const int DefaultSize = 1024;

    /// <summary>Checks the file (exists, is an image, within <see cref="MaxSide"/>) by its header, without decoding.</summary>
    /// <returns>The stored width and height (before EXIF orientation) and the format name.</returns>
    /// <exception cref="MediaFileException">Missing, unreadable, not an image, a damaged header or over-large.</exception>
    public static (int Width, int Height, string Format) Identify(string path)
    {
        var header = ImageFileReader.Identify(path, "Input image", MaxSide);
        return (header.Width, header.Height, header.Format);
    }

    /// <summary>Reads, centre-crops and resizes the photo to size×size.</summary>
    /// <exception cref="MediaFileException">Missing, unreadable, not an image, over-large, truncated or corrupt.</exception>
    public static InputImage Load(string path, int size = DefaultSize)
    {
        if (size <= 0 || size > MaxSide)
            throw new ArgumentOutOfRangeException(nameof(size), $"Working size must be in 1..{MaxSide}, got {size}.");
        var (image, header) = ImageFileReader.Read(path, "Input image", MaxSide);
        using (image)
        {
            SquareCrop crop = CropAndResize(image, size, size, KnownResamplers.Lanczos3);
            return new InputImage(path, header.Format, RgbPlanes.FromImage(image), crop) { Notes = header.Notes, Warnings = header.Warnings };
        }
    }

    /// <summary>Centre-crops the image in place to a square and resizes it to width×height with the sampler.</summary>
    internal static SquareCrop CropAndResize(Image<Rgb24> image, int width, int height, IResampler sampler)
    {
        SquareCrop crop = SquareCrop.Centre(image.Width, image.Height);
        if (crop.IsCropped)
            image.Mutate(x => x.Crop(new Rectangle(crop.X, crop.Y, crop.Side, crop.Side)));
        if (crop.Side != width || crop.Side != height)
            image.Mutate(x => x.Resize(new ResizeOptions
            {
                Size = new Size(width, height),
                Mode = ResizeMode.Stretch,
                Sampler = sampler,
                Compand = false,
            }));
        return crop;
    }
}
