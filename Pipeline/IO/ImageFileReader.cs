using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Pbm;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tga;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// Reads an image file defensively, for <see cref="ImageInput"/> and <see cref="Mask.MaskInput"/>:
/// the header alone first (ImageSharp's Identify, after a check of a BMP's pixel data offset, which ImageSharp
/// would otherwise trust for an allocation) so an oversized image is refused before any pixel memory is
/// allocated, then a completeness check of PNG and JPEG files (ImageSharp 2.1 decodes a truncated PNG or
/// JPEG without complaint, leaving the missing rows black or grey), then the decode, under a memory budget:
/// only the first frame of a GIF or TIFF is decoded (ImageSharp would otherwise allocate every frame at the
/// full logical size, gigabytes from a file of a few hundred bytes), and all of ImageSharp's buffers together
/// stay within <see cref="ImageInput.MemoryBudgetBytes"/> (<see cref="ImageMemoryBudget"/>).
/// Every failure becomes a one-line <see cref="MediaFileException"/> naming the file; the role
/// ("Input image", "Mask") starts the message.
/// </summary>
internal static class ImageFileReader
{
    /// <summary>The formats ImageSharp 2.1 decodes, for the "not an image" message.</summary>
    private const string KnownFormats = "PNG, JPEG, BMP, GIF, TIFF, WebP, TGA, PBM";

    public sealed record Header(int Width, int Height, string Format);

    /// <summary>The configuration every image is identified and decoded with: one budget for the process.</summary>
    private static readonly Configuration Shared = CreateConfiguration(new ImageMemoryBudget(ImageInput.MemoryBudgetBytes));

    /// <summary>
    /// ImageSharp's formats with a fresh format manager (Configuration.Clone would share Default's), the GIF
    /// and TIFF decoders set to the first frame, and the given allocator.
    /// </summary>
    internal static Configuration CreateConfiguration(MemoryAllocator allocator)
    {
        var configuration = new Configuration(new PngConfigurationModule(), new JpegConfigurationModule(), new GifConfigurationModule(),
            new BmpConfigurationModule(), new PbmConfigurationModule(), new TgaConfigurationModule(), new TiffConfigurationModule(),
            new WebpConfigurationModule())
        {
            MemoryAllocator = allocator,
        };
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }

    /// <summary>Reads and checks the header only: the file exists, is an image, and has at most maxSide² pixels (any aspect).</summary>
    public static Header Identify(string path, string role, int maxSide) => Identify(path, role, maxSide, Shared);

    private static Header Identify(string path, string role, int maxSide, Configuration configuration)
    {
        CheckPath(path, role);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
            return IdentifyStream(stream, path, role, maxSide, configuration);
        }
        catch (Exception e) when (e is IOException and not MediaFileException or UnauthorizedAccessException)
        {
            throw new MediaFileException(path, $"{role} '{path}': cannot be read ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Identify, check, decode to 8-bit RGB and apply the EXIF orientation (so a phone photo comes out
    /// upright, as it displays). Alpha is dropped, not composited.
    /// </summary>
    public static (Image<Rgb24> Image, Header Header) Read(string path, string role, int maxSide) => Read<Rgb24>(path, role, maxSide, Shared);

    /// <summary>As <see cref="Read(string, string, int)"/>, decoded to 8-bit RGBA: alpha is kept (255 where the file has none).</summary>
    public static (Image<Rgba32> Image, Header Header) ReadWithAlpha(string path, string role, int maxSide) => Read<Rgba32>(path, role, maxSide, Shared);

    /// <summary><see cref="Read(string, string, int)"/> with another configuration (a test's own budget).</summary>
    internal static (Image<Rgb24> Image, Header Header) Read(string path, string role, int maxSide, Configuration configuration) =>
        Read<Rgb24>(path, role, maxSide, configuration);

    private static (Image<TPixel> Image, Header Header) Read<TPixel>(string path, string role, int maxSide, Configuration configuration)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        Header header = Identify(path, role, maxSide, configuration);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MediaFileException(path, $"{role} '{path}': cannot be read ({e.Message}).", e);
        }

        string? damage = header.Format switch
        {
            "PNG" => ContainerCheck.PngDamage(bytes),
            "JPEG" => ContainerCheck.JpegDamage(bytes),
            _ => null,
        };
        if (damage is not null)
            throw new MediaFileException(path, $"{role} '{path}': {damage}; the {header.Format} file is truncated or corrupt.");

        Image<TPixel> image;
        try
        {
            image = Image.Load<TPixel>(configuration, bytes);
        }
        catch (Exception e) when (OverBudget(e) is { } budget)
        {
            throw OverBudget(path, role, header, budget);
        }
        catch (Exception e) when (IsDecodeFailure(e))
        {
            throw new MediaFileException(path, $"{role} '{path}': corrupt {header.Format} data ({e.Message}).", e);
        }

        try
        {
            image.Mutate(x => x.AutoOrient());
        }
        catch (Exception e) when (OverBudget(e) is { } budget)
        {
            image.Dispose();
            throw OverBudget(path, role, header, budget);
        }
        catch
        {
            image.Dispose();
            throw;
        }
        return (image, header);
    }

    private static MediaFileException OverBudget(string path, string role, Header header, InvalidMemoryOperationException e) =>
        new(path, $"{role} '{path}': the {header.Width}x{header.Height} {header.Format} image needs more memory than allowed ({e.Message}).", e);

    /// <summary>The budget's refusal, also when a decoder wrapped it (ImageSharp's "failed to allocate buffers").</summary>
    private static InvalidMemoryOperationException? OverBudget(Exception e) =>
        e as InvalidMemoryOperationException ?? e.InnerException as InvalidMemoryOperationException;

    private static Header IdentifyStream(Stream stream, string path, string role, int maxSide, Configuration configuration)
    {
        if (stream.Length == 0)
            throw new MediaFileException(path, $"{role} '{path}': the file is empty, not an image.");
        Span<byte> head = stackalloc byte[14];
        int headLength = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        if (ContainerCheck.BmpHeaderDamage(head[..headLength], stream.Length) is { } damage)
            throw new MediaFileException(path, $"{role} '{path}': {damage}; the BMP file is truncated or corrupt.");
        IImageInfo? info;
        IImageFormat? format;
        try
        {
            info = Image.Identify(configuration, stream, out format);
        }
        catch (Exception e) when (OverBudget(e) is { } budget)
        {
            throw new MediaFileException(path, $"{role} '{path}': reading the header needs more memory than allowed ({budget.Message}).", e);
        }
        catch (Exception e) when (IsDecodeFailure(e))
        {
            throw new MediaFileException(path, $"{role} '{path}': corrupt image ({e.Message}).", e);
        }
        if (info is null || format is null)
            throw new MediaFileException(path, $"{role} '{path}': not an image (no decoder recognises it; readable formats: {KnownFormats}).");
        if (info.Width <= 0 || info.Height <= 0)
            throw new MediaFileException(path, $"{role} '{path}': the {format.Name} header declares an empty image ({info.Width}x{info.Height}).");
        // A limit on pixels decoded, not on a side: a long panorama whose pixels fit is read (and only the part used is rendered).
        if ((long)info.Width * info.Height > (long)maxSide * maxSide)
            throw new MediaFileException(path,
                $"{role} '{path}': {info.Width}x{info.Height} pixels is over the limit of {maxSide} pixels a side for a square image ({(long)maxSide * maxSide} pixels in all, any aspect); downscale it first.");
        return new Header(info.Width, info.Height, format.Name);
    }

    private static void CheckPath(string path, string role)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new MediaFileException(path ?? string.Empty, $"{role}: no file name given.");
        if (Directory.Exists(path))
            throw new MediaFileException(path, $"{role} '{path}': is a directory, not an image file.");
        if (!File.Exists(path))
            throw new MediaFileException(path, $"{role} '{path}': file not found.");
    }

    /// <summary>
    /// What a decoder may throw on hostile or damaged bytes: ImageSharp's own format exceptions, but also
    /// index and argument errors from deep inside a codec. Out-of-memory and cancellation pass through.
    /// </summary>
    private static bool IsDecodeFailure(Exception e) =>
        e is not (OutOfMemoryException or OperationCanceledException or MediaFileException);
}
