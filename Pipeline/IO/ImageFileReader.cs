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

    /// <summary>What the header says, and (from <see cref="Read(string, string, int)"/>) what reading the photo did.</summary>
    public sealed record Header(int Width, int Height, string Format)
    {
        /// <summary>The header allows transparency (PNG alpha or tRNS, or 32/64 bits a pixel in BMP, TGA, TIFF, WebP).</summary>
        public bool MayHaveAlpha { get; init; }

        /// <summary>One line each: the ICC conversion done, the composite over <see cref="PhotoBackground"/>.</summary>
        public IReadOnlyList<string> Notes { get; init; } = [];

        /// <summary>One line each: an embedded ICC profile that could not be converted.</summary>
        public IReadOnlyList<string> Warnings { get; init; } = [];
    }

    /// <summary>The background a photo's transparent pixels are composited over: black (GIF's transparent pixels decode black too).</summary>
    public static readonly Rgb24 PhotoBackground = new(0, 0, 0);

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
    /// Identify, check, decode to 8-bit RGB and apply the EXIF orientation (so a phone photo comes out upright,
    /// as it displays), then colour-manage it as a photo: an embedded ICC profile other than sRGB is converted to
    /// sRGB (<see cref="IccConversion"/>; one that cannot be is left as it is, with a warning in
    /// <see cref="Header.Warnings"/>), and transparent pixels are composited over <see cref="PhotoBackground"/>
    /// (straight alpha, on the 8-bit sRGB values, rounded), with a note in <see cref="Header.Notes"/>.
    /// Untagged or sRGB-tagged opaque photos come out exactly as decoded.
    /// </summary>
    public static (Image<Rgb24> Image, Header Header) Read(string path, string role, int maxSide) => Read(path, role, maxSide, Shared);

    /// <summary>As <see cref="Read(string, string, int)"/>, decoded to 8-bit RGBA: alpha is kept (255 where the file has none), no colour management (masks are data).</summary>
    public static (Image<Rgba32> Image, Header Header) ReadWithAlpha(string path, string role, int maxSide)
    {
        Header header = Identify(path, role, maxSide, Shared);
        var (image, _) = Decode<Rgba32>(path, role, header, Shared);
        return (image, header);
    }

    /// <summary><see cref="Read(string, string, int)"/> with another configuration (a test's own budget).</summary>
    internal static (Image<Rgb24> Image, Header Header) Read(string path, string role, int maxSide, Configuration configuration)
    {
        Header header = Identify(path, role, maxSide, configuration);
        if (!header.MayHaveAlpha)
        {
            var (image, bytes) = Decode<Rgb24>(path, role, header, configuration);
            try
            {
                var warnings = new List<string>();
                var notes = new List<string>();
                using (var icc = Icc(image, header, bytes, path, role, notes, warnings))
                    icc?.Apply(image);
                return (image, header with { Notes = notes, Warnings = warnings });
            }
            catch
            {
                image.Dispose();
                throw;
            }
        }
        var (rgba, file) = Decode<Rgba32>(path, role, header, configuration);
        using (rgba)
        {
            var warnings = new List<string>();
            var notes = new List<string>();
            using (var icc = Icc(rgba, header, file, path, role, notes, warnings))
                icc?.Apply(rgba);
            try
            {
                var (rgb, transparent) = Composite(rgba, PhotoBackground, configuration);
                if (transparent > 0)
                    notes.Add($"{role.ToLowerInvariant()} '{path}': {transparent} of {(long)rgba.Width * rgba.Height} pixels are not fully opaque; " +
                        $"composited over black (RGB {PhotoBackground.R},{PhotoBackground.G},{PhotoBackground.B})");
                return (rgb, header with { Notes = notes, Warnings = warnings });
            }
            catch (Exception e) when (OverBudget(e) is { } budget)
            {
                throw OverBudget(path, role, header, budget);
            }
        }
    }

    /// <summary>The conversion for the image's embedded profile, or null; adds its note or warning.</summary>
    private static IccConversion? Icc(Image image, Header header, byte[] file, string path, string role, List<string> notes, List<string> warnings)
    {
        string what = $"{role.ToLowerInvariant()} '{path}'";
        byte[]? profile;
        try
        {
            profile = IccConversion.EmbeddedProfile(image, header.Format, file);
        }
        catch (InvalidDataException e)
        {
            warnings.Add($"{what}: its embedded ICC profile cannot be read ({e.Message}); its pixels are used as they are, so its colours may look off");
            return null;
        }
        var icc = IccConversion.For(profile, what, out string? warning);
        if (warning is not null) warnings.Add(warning);
        if (icc is not null) notes.Add($"{what}: converted from its embedded ICC profile '{icc.ProfileName}' to sRGB");
        return icc;
    }

    /// <summary>
    /// out = α·c + (1 − α)·background per 8-bit channel (α = A/255, straight alpha), rounded half up, as a new RGB
    /// image; also counts the pixels with A &lt; 255.
    /// </summary>
    internal static (Image<Rgb24> Image, long Transparent) Composite(Image<Rgba32> rgba, Rgb24 background, Configuration configuration)
    {
        var rgb = new Image<Rgb24>(configuration, rgba.Width, rgba.Height);
        long transparent = 0;
        rgba.ProcessPixelRows(rgb, (from, to) =>
        {
            for (int y = 0; y < from.Height; y++)
            {
                var source = from.GetRowSpan(y);
                var target = to.GetRowSpan(y);
                for (int x = 0; x < source.Length; x++)
                {
                    Rgba32 p = source[x];
                    if (p.A == 255)
                    {
                        target[x] = new Rgb24(p.R, p.G, p.B);
                        continue;
                    }
                    transparent++;
                    int a = p.A, b = 255 - a;
                    // (c·a + bg·(255 − a)) / 255 rounded: integer exact, no float drift.
                    target[x] = new Rgb24((byte)((p.R * a + background.R * b + 127) / 255),
                        (byte)((p.G * a + background.G * b + 127) / 255), (byte)((p.B * a + background.B * b + 127) / 255));
                }
            }
        });
        return (rgb, transparent);
    }

    /// <summary>Reads, checks and decodes the file whose header was identified; returns the image (EXIF-oriented) and the file's bytes.</summary>
    private static (Image<TPixel> Image, byte[] Bytes) Decode<TPixel>(string path, string role, Header header, Configuration configuration)
        where TPixel : unmanaged, IPixel<TPixel>
    {
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
        return (image, bytes);
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
        return new Header(info.Width, info.Height, format.Name) { MayHaveAlpha = MayHaveAlpha(info, format.Name) };
    }

    /// <summary>
    /// Whether the header allows transparency, so only such files are decoded with alpha (opaque ones decode to
    /// RGB exactly as before, in 3/4 of the memory). ImageSharp 2.1's Identify leaves AlphaRepresentation unset,
    /// so: PNG by colour type and tRNS; BMP, TGA, TIFF and WebP by 32 or 64 bits a pixel. A GIF's transparent
    /// colour is not looked for: its transparent pixels decode black, the same as the composite.
    /// </summary>
    private static bool MayHaveAlpha(IImageInfo info, string format) => format switch
    {
        "PNG" => info.Metadata.GetPngMetadata() is { } png &&
                 (png.ColorType is PngColorType.RgbWithAlpha or PngColorType.GrayscaleWithAlpha || png.HasTransparency),
        "BMP" or "TGA" or "TIFF" or "Webp" => info.PixelType.BitsPerPixel is 32 or 64,
        _ => false,
    };

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
