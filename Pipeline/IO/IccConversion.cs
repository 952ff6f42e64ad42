using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SkiaSharp;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// Converts a photo's pixels from its embedded ICC profile to sRGB, the colour space the networks were trained in
/// (a phone's Display P3 photo read as sRGB looks washed out). The colour maths is Skia's (skcms, through
/// SkiaSharp): <c>SKColorSpace.CreateIcc</c> models matrix/TRC RGB profiles (Display P3, Adobe RGB, ProPhoto,
/// Rec. 2020, ...) and refuses what it cannot model (LUT-based, CMYK, gray, ...); the pixels then go through Skia's
/// colour-space-aware pixel conversion (linearise with the profile's TRC, the profile's primaries to XYZ D50, XYZ D50
/// to sRGB primaries, sRGB encoding), rounded to 8 bits and clipped to the sRGB gamut (relative colorimetric).
/// ImageSharp 2.1 parses profiles but converts no colours with them, and its PNG decoder ignores the iCCP chunk,
/// which is read here.
/// </summary>
internal sealed class IccConversion : IDisposable
{
    /// <summary>Largest decompressed PNG iCCP profile accepted; real profiles are a few KB (rare LUT ones a few hundred).</summary>
    internal const int MaxProfileBytes = 4 << 20;

    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly SKColorSpace source;
    private readonly SKColorSpace srgb = SKColorSpace.CreateSrgb();

    private IccConversion(SKColorSpace source, string name)
    {
        this.source = source;
        ProfileName = name;
    }

    /// <summary>The profile's description tag ('desc'), or "unnamed".</summary>
    public string ProfileName { get; }

    /// <summary>
    /// The conversion for an embedded profile: null when there is nothing to convert (no profile, or one equal to
    /// sRGB: the pixels stay bit for bit) or when the profile cannot be converted, in which case
    /// <paramref name="warning"/> says so (one line, without the "warning:" prefix) and the pixels stay as they are.
    /// </summary>
    /// <param name="profile">The ICC profile's bytes, or null.</param>
    /// <param name="what">Names the image in the warning, e.g. "input image 'a.jpg'".</param>
    /// <param name="warning">Set when a profile is present but not convertible.</param>
    public static IccConversion? For(byte[]? profile, string what, out string? warning)
    {
        warning = null;
        if (profile is null || profile.Length == 0) return null;
        var (name, space) = Describe(profile);
        // Skia would model a gray profile as RGB; only an RGB profile describes RGB pixels.
        SKColorSpace? model = space == "RGB" ? SKColorSpace.CreateIcc(profile) : null;
        if (model is null)
        {
            string kind = string.IsNullOrEmpty(space) ? "" : $"{space} ";
            warning = $"{what}: its embedded {kind}ICC profile '{name}' cannot be converted to sRGB (only matrix/TRC RGB profiles are); " +
                "its pixels are used as they are, so its colours may look off";
            return null;
        }
        if (model.IsSrgb)
        {
            model.Dispose();
            return null;
        }
        return new IccConversion(model, name);
    }

    /// <summary>
    /// The embedded profile of a decoded image: ImageSharp's (JPEG APP2, WebP ICCP, TIFF) or, for a PNG, the
    /// iCCP chunk of <paramref name="file"/>, which ImageSharp 2.1 does not read. Null when there is none.
    /// </summary>
    /// <exception cref="InvalidDataException">A PNG iCCP chunk that is malformed or decompresses past <see cref="MaxProfileBytes"/>.</exception>
    public static byte[]? EmbeddedProfile(Image image, string format, ReadOnlySpan<byte> file) =>
        format == "PNG" ? PngProfile(file) : image.Metadata.IccProfile?.ToByteArray();

    /// <summary>
    /// The zlib-inflated profile of the first iCCP chunk before IDAT (PNG 1.2 §4.2.2.4: a 1–79 byte name, a NUL,
    /// compression method 0, zlib data), or null. The chunk list itself was checked by
    /// <see cref="ContainerCheck.PngDamage"/>; lengths are still checked here before use.
    /// </summary>
    /// <exception cref="InvalidDataException">A malformed iCCP chunk, bad zlib data, or a profile over <see cref="MaxProfileBytes"/>.</exception>
    internal static byte[]? PngProfile(ReadOnlySpan<byte> file)
    {
        if (file.Length < PngSignature.Length || !file[..PngSignature.Length].SequenceEqual(PngSignature)) return null;
        long position = PngSignature.Length;
        while (position + 8 <= file.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file.Slice((int)position, 4));
            var type = file.Slice((int)position + 4, 4);
            if (length > int.MaxValue || position + 12 + length > file.Length) return null;
            if (type.SequenceEqual("IDAT"u8) || type.SequenceEqual("IEND"u8)) return null;
            if (type.SequenceEqual("iCCP"u8))
                return Inflate(file.Slice((int)position + 8, (int)length));
            position += 12 + length;
        }
        return null;
    }

    private static byte[] Inflate(ReadOnlySpan<byte> chunk)
    {
        int nul = chunk[..Math.Min(chunk.Length, 80)].IndexOf((byte)0);
        if (nul < 1 || nul + 2 > chunk.Length)
            throw new InvalidDataException("the PNG iCCP chunk has no profile name or no compression method");
        if (chunk[nul + 1] != 0)
            throw new InvalidDataException($"the PNG iCCP chunk uses unknown compression method {chunk[nul + 1]}");
        using var compressed = new MemoryStream(chunk[(nul + 2)..].ToArray());
        using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
        using var profile = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = zlib.Read(buffer)) > 0)
        {
            if (profile.Length + read > MaxProfileBytes)
                throw new InvalidDataException($"the PNG iCCP profile inflates past {MaxProfileBytes >> 20} MB");
            profile.Write(buffer, 0, read);
        }
        return profile.ToArray();
    }

    /// <summary>
    /// The profile's data colour space (header bytes 16–19, ICC.1 §7.2.6) and description: its 'desc' tag, the
    /// v2 textDescriptionType (ASCII) or the v4 multiLocalizedUnicodeType's first record (UTF-16BE). ImageSharp
    /// 2.1 keeps its tag entry types internal, so the tag table is read here, every offset checked first.
    /// </summary>
    private static (string Name, string? Space) Describe(ReadOnlySpan<byte> icc)
    {
        if (icc.Length < 132) return ("unreadable", null);
        string space = System.Text.Encoding.ASCII.GetString(icc.Slice(16, 4)).Trim(' ', '\0');
        uint count = BinaryPrimitives.ReadUInt32BigEndian(icc.Slice(128, 4));
        for (long i = 0; i < count && 132 + 12 * (i + 1) <= icc.Length; i++)
        {
            var entry = icc.Slice((int)(132 + 12 * i), 12);
            if (!entry[..4].SequenceEqual("desc"u8)) continue;
            uint offset = BinaryPrimitives.ReadUInt32BigEndian(entry.Slice(4, 4)), size = BinaryPrimitives.ReadUInt32BigEndian(entry.Slice(8, 4));
            if (offset > icc.Length || size > icc.Length - offset || size < 12) break;
            var tag = icc.Slice((int)offset, (int)size);
            if (tag[..4].SequenceEqual("desc"u8))
            {
                uint length = BinaryPrimitives.ReadUInt32BigEndian(tag.Slice(8, 4));
                if (length <= tag.Length - 12)
                    return (Clean(System.Text.Encoding.ASCII.GetString(tag.Slice(12, (int)length)).TrimEnd('\0')), space);
            }
            else if (tag[..4].SequenceEqual("mluc"u8) && tag.Length >= 28)
            {
                uint records = BinaryPrimitives.ReadUInt32BigEndian(tag.Slice(8, 4));
                uint length = BinaryPrimitives.ReadUInt32BigEndian(tag.Slice(20, 4)), start = BinaryPrimitives.ReadUInt32BigEndian(tag.Slice(24, 4));
                if (records > 0 && start <= tag.Length && length <= tag.Length - start)
                    return (Clean(System.Text.Encoding.BigEndianUnicode.GetString(tag.Slice((int)start, (int)length))), space);
            }
            break;
        }
        return ("unnamed", space);
    }

    /// <summary>A description fit for one stderr line: printable characters only, at most 64.</summary>
    private static string Clean(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return "unnamed";
        var printable = new string(name.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return printable.Length == 0 ? "unnamed" : printable.Length > 64 ? printable[..64] + "..." : printable;
    }

    /// <summary>Converts the 8-bit RGB pixels in place (row by row through Skia's RGBA8888 conversion).</summary>
    public void Apply(Image<Rgb24> image)
    {
        int width = image.Width;
        var rgba = new byte[width * 4];
        var converted = new byte[width * 4];
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < width; x++)
                {
                    rgba[4 * x] = row[x].R;
                    rgba[4 * x + 1] = row[x].G;
                    rgba[4 * x + 2] = row[x].B;
                    rgba[4 * x + 3] = 255;
                }
                ConvertRow(rgba, converted, width, SKAlphaType.Opaque);
                for (int x = 0; x < width; x++)
                    row[x] = new Rgb24(converted[4 * x], converted[4 * x + 1], converted[4 * x + 2]);
            }
        });
    }

    /// <summary>
    /// Converts the colours of unassociated (straight) 8-bit RGBA pixels in place; alpha is unchanged, so a
    /// later composite happens in sRGB.
    /// </summary>
    public void Apply(Image<Rgba32> image)
    {
        int width = image.Width;
        var converted = new byte[width * 4];
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = MemoryMarshal.AsBytes(rows.GetRowSpan(y));
                ConvertRow(row, converted, width, SKAlphaType.Unpremul);
                converted.CopyTo(row);
            }
        });
    }

    private unsafe void ConvertRow(ReadOnlySpan<byte> rgba, byte[] destination, int width, SKAlphaType alpha)
    {
        var from = new SKImageInfo(width, 1, SKColorType.Rgba8888, alpha, source);
        var to = new SKImageInfo(width, 1, SKColorType.Rgba8888, alpha, srgb);
        fixed (byte* s = rgba)
        fixed (byte* d = destination)
        {
            using var pixmap = new SKPixmap(from, (IntPtr)s, width * 4);
            if (!pixmap.ReadPixels(to, (IntPtr)d, width * 4))
                throw new InvalidOperationException($"Skia refused to convert pixels from the ICC profile '{ProfileName}' to sRGB.");
        }
    }

    /// <summary>Releases the Skia colour spaces.</summary>
    public void Dispose()
    {
        source.Dispose();
        srgb.Dispose();
    }
}
