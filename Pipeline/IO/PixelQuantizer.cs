using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Pipeline.IO;

/// <summary>Float planes to 8-bit pixels, shared by the frame writers and the previews.</summary>
internal static class PixelQuantizer
{
    /// <summary>Clamps to the range and rounds to the nearest of 256 levels; NaN becomes 0.</summary>
    public static byte ToByte(float value, PixelRange range)
    {
        float unit = range == PixelRange.Unit ? value : (value + 1f) * 0.5f;
        if (!(unit > 0f)) return 0; // also NaN
        if (unit >= 1f) return 255;
        return (byte)(unit * 255f + 0.5f);
    }

    /// <summary>Planar RGB floats (3×H×W) to interleaved rgb24 bytes (H×W×3).</summary>
    public static void ToRgb24(ReadOnlySpan<float> planes, int width, int height, PixelRange range, Span<byte> rgb24)
    {
        int plane = width * height;
        if (planes.Length != 3 * plane)
            throw new ArgumentException($"A {width}x{height} frame needs 3*{width}*{height} = {3 * plane} floats (planar RGB), got {planes.Length}.", nameof(planes));
        if (rgb24.Length != 3 * plane)
            throw new ArgumentException($"A {width}x{height} rgb24 buffer needs {3 * plane} bytes, got {rgb24.Length}.", nameof(rgb24));
        ReadOnlySpan<float> r = planes[..plane], g = planes.Slice(plane, plane), b = planes.Slice(2 * plane, plane);
        for (int i = 0; i < plane; i++)
        {
            rgb24[3 * i] = ToByte(r[i], range);
            rgb24[3 * i + 1] = ToByte(g[i], range);
            rgb24[3 * i + 2] = ToByte(b[i], range);
        }
    }

    public static Image<Rgb24> ToImage(ReadOnlySpan<float> planes, int width, int height, PixelRange range)
    {
        var bytes = new byte[3 * width * height];
        ToRgb24(planes, width, height, range, bytes);
        return Image.LoadPixelData<Rgb24>(bytes, width, height);
    }
}
