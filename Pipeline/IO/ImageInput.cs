using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Transforms;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// Loads the input photo. For the full method, the way the original's <c>ip_utils.read_image</c> does: a square
/// region (<see cref="SquareCrop"/>'s centre square, or one given: <see cref="LoadSquare"/>), resized to the working
/// size with a Lanczos-3 filter (ImageSharp's <c>KnownResamplers.Lanczos3</c>, widened when shrinking so it also
/// antialiases; the original uses mediapy.resize_image, which is PIL's LANCZOS, the same a = 3 filter). For the
/// weight-free renderer, the whole photo at its own aspect (<see cref="LoadWhole"/>). Resizing works on the 8-bit
/// sRGB values, as PIL does (no linear-light companding). EXIF orientation is applied before cropping.
/// </summary>
public static class ImageInput
{
    /// <summary>
    /// The decoding limit, as a square's side: an image of at most <see cref="MaxPixels"/> = 8192² pixels is decoded,
    /// whatever its aspect (a 20000×3000 panorama is), checked from the header before decoding. Also the largest
    /// working side <see cref="Load"/> accepts.
    /// </summary>
    public const int MaxSide = 8192;

    /// <summary>Most pixels decoded from one file (<see cref="MaxSide"/>²), any aspect.</summary>
    public const long MaxPixels = (long)MaxSide * MaxSide;

    /// <summary>
    /// The most memory ImageSharp may hold at once while an image is decoded, oriented, cropped and resized:
    /// enough for the largest accepted image (<see cref="MaxPixels"/>, any format), and a bound on what a file can
    /// make the decoder allocate, however small the file.
    /// </summary>
    public const long MemoryBudgetBytes = 1L << 30;

    /// <summary>The generator's resolution, the original's working size.</summary>
    public const int DefaultSize = 1024;

    /// <summary>Checks the file (exists, is an image, within <see cref="MaxPixels"/>) by its header, without decoding.</summary>
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

    /// <summary>
    /// Reads the photo and resizes a square region of it to size×size: the centre square when
    /// <paramref name="request"/> is null (exactly <see cref="Load"/>), else the square it names, checked against the
    /// oriented photo.
    /// </summary>
    /// <exception cref="ArgumentException">The region does not lie inside the photo or its side is not positive (one line).</exception>
    /// <exception cref="MediaFileException">Missing, unreadable, not an image, over-large, truncated or corrupt.</exception>
    public static InputImage LoadSquare(string path, int size, SquareRequest? request)
    {
        if (request is null) return Load(path, size);
        if (size <= 0 || size > MaxSide)
            throw new ArgumentOutOfRangeException(nameof(size), $"Working size must be in 1..{MaxSide}, got {size}.");
        var (image, header) = ImageFileReader.Read(path, "Input image", MaxSide);
        using (image)
        {
            var region = ImageRegion.Square(image.Width, image.Height, request);
            ResizeRegion(image, region, size, size);
            return new InputImage(path, header.Format, RgbPlanes.FromImage(image), region) { Notes = header.Notes, Warnings = header.Warnings };
        }
    }

    /// <summary>
    /// Reads the whole photo at its own aspect, resized so its long side is <paramref name="longSide"/>
    /// (<see cref="FrameSize.Fit"/>; default <see cref="FrameSize.DefaultLongSide"/>: its own, at most 2048), nothing cut.
    /// </summary>
    /// <param name="path">The image file.</param>
    /// <param name="longSide">The long side in pixels (1..<see cref="FrameSize.MaxLongSide"/>), or null for the default.</param>
    /// <param name="evenSides">Round both sides to even numbers (MP4).</param>
    /// <exception cref="ArgumentOutOfRangeException">The long side is out of range.</exception>
    /// <exception cref="MediaFileException">Missing, unreadable, not an image, over-large, truncated or corrupt.</exception>
    public static InputImage LoadWhole(string path, int? longSide = null, bool evenSides = false)
    {
        var (image, header) = ImageFileReader.Read(path, "Input image", MaxSide);
        using (image)
        {
            var size = FrameSize.Fit(image.Width, image.Height, longSide ?? FrameSize.DefaultLongSide(image.Width, image.Height), evenSides);
            var region = ImageRegion.Whole(image.Width, image.Height);
            ResizeRegion(image, region, size.Width, size.Height);
            return new InputImage(path, header.Format, RgbPlanes.FromImage(image), region) { Notes = header.Notes, Warnings = header.Warnings };
        }
    }

    /// <summary>Crops the image in place to the region and resizes it to width×height (Lanczos-3, no companding).</summary>
    private static void ResizeRegion(Image<Rgb24> image, ImageRegion region, int width, int height)
    {
        if (!region.IsWhole)
            image.Mutate(x => x.Crop(new Rectangle(region.X, region.Y, region.Width, region.Height)));
        if (region.Width != width || region.Height != height)
            image.Mutate(x => x.Resize(new ResizeOptions
            {
                Size = new Size(width, height),
                Mode = ResizeMode.Stretch,
                Sampler = KnownResamplers.Lanczos3,
                Compand = false,
            }));
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
