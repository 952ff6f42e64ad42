namespace CineKernel.Pipeline.IO;

/// <summary>
/// PIL's LANCZOS resize of one 8-bit plane, bit for bit (Pillow's <c>libImaging/Resample.c</c>,
/// <c>ImagingResample</c> with the lanczos filter; what mediapy's <c>resize_image</c> runs on uint8 images, and so
/// how the original reads its mask). Separable, horizontal pass first:
/// <list type="bullet">
/// <item>the filter is sinc(x)·sinc(x/3) on −3 ≤ x &lt; 3 (a = 3);</item>
/// <item>output pixel i is centred on (i + ½)·in/out in input pixels; when shrinking, the filter is widened by
/// in/out (support 3·in/out), so it also averages the area it covers;</item>
/// <item>each output's weights are normalised to sum 1, then rounded to 22-bit fixed point (half away from 0);</item>
/// <item>each sum starts at ½ in that fixed point and is shifted back and clamped to 0..255, after the horizontal
/// pass too: the intermediate image is uint8, as in PIL.</item>
/// </list>
/// ImageSharp's Lanczos3 uses the same filter but centres, normalises and rounds differently and keeps the
/// intermediate pass in floating point; on soft masks it differs from PIL by a few grey levels.
/// </summary>
public static class PilLanczosResize
{
    /// <summary>The filter's half-width in input pixels at scale 1 (Lanczos a = 3).</summary>
    public const double Support = 3.0;

    /// <summary>PIL's PRECISION_BITS for 8-bit images: 32 − 8 − 2.</summary>
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>
    /// Resizes a width×height plane (row-major bytes) to outWidth×outHeight. A side that keeps its size is not
    /// filtered along that axis (as PIL skips the pass).
    /// </summary>
    /// <returns>outWidth×outHeight bytes, row-major.</returns>
    /// <exception cref="ArgumentException">A size is not positive, or the plane does not hold width×height bytes.</exception>
    public static byte[] Resize(ReadOnlySpan<byte> plane, int width, int height, int outWidth, int outHeight)
    {
        if (width <= 0 || height <= 0 || outWidth <= 0 || outHeight <= 0)
            throw new ArgumentException($"Lanczos resize: sizes must be positive, got {width}x{height} to {outWidth}x{outHeight}.");
        if (plane.Length != (long)width * height)
            throw new ArgumentException($"Lanczos resize: a {width}x{height} plane needs {(long)width * height} bytes, got {plane.Length}.", nameof(plane));

        byte[] source = plane.ToArray();
        int sourceWidth = width, firstRow = 0;
        var (rowBounds, rowWeights, rowTaps) = Coefficients(height, outHeight);
        if (outWidth != width)
        {
            // Only the rows the vertical pass reads (PIL's ybox_first..ybox_last).
            firstRow = rowBounds[0];
            int lastRow = rowBounds[2 * outHeight - 2] + rowBounds[2 * outHeight - 1];
            var (bounds, weights, taps) = Coefficients(width, outWidth);
            var horizontal = new byte[(long)outWidth * (lastRow - firstRow)];
            for (int y = firstRow; y < lastRow; y++)
            {
                int row = y * width, outRow = (y - firstRow) * outWidth;
                for (int x = 0; x < outWidth; x++)
                {
                    int min = bounds[2 * x], count = bounds[2 * x + 1], k = x * taps;
                    int sum = 1 << (PrecisionBits - 1);
                    for (int i = 0; i < count; i++) sum += source[row + min + i] * weights[k + i];
                    horizontal[outRow + x] = Clip8(sum);
                }
            }
            source = horizontal;
            sourceWidth = outWidth;
        }
        if (outHeight == height) return source;

        var result = new byte[(long)outWidth * outHeight];
        for (int y = 0; y < outHeight; y++)
        {
            int min = rowBounds[2 * y] - firstRow, count = rowBounds[2 * y + 1], k = y * rowTaps;
            for (int x = 0; x < outWidth; x++)
            {
                int sum = 1 << (PrecisionBits - 1);
                for (int i = 0; i < count; i++) sum += source[(min + i) * sourceWidth + x] * rowWeights[k + i];
                result[y * outWidth + x] = Clip8(sum);
            }
        }
        return result;
    }

    /// <summary>PIL's lanczos_filter: sinc(x)·sinc(x/3) on [−3, 3), else 0.</summary>
    private static double Lanczos(double x) => x is >= -Support and < Support ? Sinc(x) * Sinc(x / Support) : 0.0;

    private static double Sinc(double x)
    {
        if (x == 0.0) return 1.0;
        x *= Math.PI;
        return Math.Sin(x) / x;
    }

    /// <summary>
    /// PIL's precompute_coeffs then normalize_coeffs_8bpc for one axis: per output pixel the first input index and
    /// the tap count (bounds, 2 per output), and taps fixed-point weights (taps per output, zero-padded).
    /// </summary>
    private static (int[] Bounds, int[] Weights, int Taps) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = Support * filterScale;
        int taps = (int)Math.Ceiling(support) * 2 + 1;
        var bounds = new int[2 * outSize];
        var weights = new int[outSize * taps];
        var k = new double[taps];
        for (int o = 0; o < outSize; o++)
        {
            double centre = (o + 0.5) * scale;
            double total = 0.0, step = 1.0 / filterScale;
            int min = Math.Max((int)(centre - support + 0.5), 0);   // C's (int) truncates, as C#'s cast does
            int count = Math.Min((int)(centre + support + 0.5), inSize) - min;
            for (int i = 0; i < count; i++)
            {
                k[i] = Lanczos((i + min - centre + 0.5) * step);
                total += k[i];
            }
            for (int i = 0; i < count; i++)
            {
                double w = total != 0.0 ? k[i] / total : k[i];
                weights[o * taps + i] = w < 0 ? (int)(-0.5 + w * (1 << PrecisionBits)) : (int)(0.5 + w * (1 << PrecisionBits));
            }
            bounds[2 * o] = min;
            bounds[2 * o + 1] = count;
        }
        return (bounds, weights, taps);
    }

    /// <summary>PIL's clip8: the fixed-point sum back to 0..255.</summary>
    private static byte Clip8(int sum) => sum >= 1 << PrecisionBits << 8 ? (byte)255 : sum <= 0 ? (byte)0 : (byte)(sum >> PrecisionBits);
}
