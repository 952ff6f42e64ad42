using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// An RGB image as three float planes (R, then G, then B; each H×W, row-major) with values in [0, 1]:
/// the layout of one NCHW image, ready to upload as a 1×3×H×W tensor.
/// </summary>
public sealed class RgbPlanes
{
    public RgbPlanes(int width, int height)
        : this(width, height, new float[CheckedLength(width, height)])
    {
    }

    public RgbPlanes(int width, int height, float[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        long expected = CheckedLength(width, height);
        if (data.Length != expected)
            throw new ArgumentException($"RGB planes of {width}x{height} need 3*{width}*{height} = {expected} floats, got {data.Length}.", nameof(data));
        Width = width;
        Height = height;
        Data = data;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>3×H×W samples in [0, 1]: the R plane, the G plane, the B plane.</summary>
    public float[] Data { get; }

    public int PlaneLength => Width * Height;

    /// <summary>
    /// A copy in [−1, 1] (2v − 1), the networks' input range. For samples decoded from 8 bits this equals
    /// the original's <c>x / 127.5 − 1</c> (ip_utils.to_tensor) exactly in float32, for every byte value.
    /// </summary>
    public float[] ToSigned()
    {
        var signed = new float[Data.Length];
        for (int i = 0; i < signed.Length; i++) signed[i] = Data[i] * 2f - 1f;
        return signed;
    }

    /// <summary>Planes from samples in the given range (copied; [−1, 1] is mapped to [0, 1], nothing is clamped).</summary>
    public static RgbPlanes From(int width, int height, ReadOnlySpan<float> planes, PixelRange range)
    {
        var result = new RgbPlanes(width, height);
        if (planes.Length != result.Data.Length)
            throw new ArgumentException($"RGB planes of {width}x{height} need {result.Data.Length} floats, got {planes.Length}.", nameof(planes));
        if (range == PixelRange.Unit) planes.CopyTo(result.Data);
        else for (int i = 0; i < planes.Length; i++) result.Data[i] = (planes[i] + 1f) * 0.5f;
        return result;
    }

    /// <summary>Planes from an 8-bit image (v / 255).</summary>
    public static RgbPlanes FromImage(Image<Rgb24> image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = new RgbPlanes(image.Width, image.Height);
        float[] data = result.Data;
        int plane = result.PlaneLength;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<Rgb24> row = rows.GetRowSpan(y);
                int offset = y * rows.Width;
                for (int x = 0; x < row.Length; x++)
                {
                    data[offset + x] = row[x].R / 255f;
                    data[plane + offset + x] = row[x].G / 255f;
                    data[2 * plane + offset + x] = row[x].B / 255f;
                }
            }
        });
        return result;
    }

    /// <summary>An 8-bit image of these planes (clamped, rounded to nearest).</summary>
    public Image<Rgb24> ToImage() => PixelQuantizer.ToImage(Data, Width, Height, PixelRange.Unit);

    private static int CheckedLength(int width, int height)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"Image size must be positive, got {width}x{height}.");
        long length = 3L * width * height;
        if (length > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(width), $"Image of {width}x{height} is too large for one array.");
        return (int)length;
    }
}
