using CineKernel.Kernels;

namespace CineKernel.Tests.Support;

/// <summary>
/// Plain C# references for the deep-feature-warp kernels, written from the original's semantics
/// (utils/cinemagraph_utils.py, utils/joint_splatting.py, utils/softmax_splatting.py, torch's
/// upsample_bilinear2d): arithmetic in float64, except where float32 is the semantics itself:
/// Euler positions (torch accumulates them in float32 and rounds them to pick the next lookup, so only
/// float32 gives the same paths) and splat destinations (float32 coordinates in the original's kernel).
/// </summary>
public static class DfwReference
{
    /// <summary>Bilinear resize of N×C×H×W to oh×ow, torch's index mapping (align_corners, optional scale_factor).</summary>
    public static double[] Bilinear(double[] x, Shape4 s, int oh, int ow, bool alignCorners,
        double? scaleFactorY = null, double? scaleFactorX = null, double valueScale = 1)
    {
        var y = new double[s.N * s.C * oh * ow];
        for (int plane = 0; plane < s.N * s.C; plane++)
        for (int oy = 0; oy < oh; oy++)
        {
            var (y0, y1, ly) = Taps(oy, s.H, oh, alignCorners, scaleFactorY);
            for (int ox = 0; ox < ow; ox++)
            {
                var (x0, x1, lx) = Taps(ox, s.W, ow, alignCorners, scaleFactorX);
                double At(int yy, int xx) => x[(plane * s.H + yy) * s.W + xx];
                double top = At(y0, x0) * (1 - lx) + At(y0, x1) * lx;
                double bottom = At(y1, x0) * (1 - lx) + At(y1, x1) * lx;
                y[(plane * oh + oy) * ow + ox] = (top * (1 - ly) + bottom * ly) * valueScale;
            }
        }
        return y;
    }

    private static (int I0, int I1, double Lambda) Taps(int dst, int inSize, int outSize, bool alignCorners, double? scaleFactor)
    {
        if (inSize == outSize) return (dst, dst, 0);
        double real;
        if (alignCorners)
        {
            real = outSize > 1 ? (double)(inSize - 1) / (outSize - 1) * dst : 0;
        }
        else
        {
            double scale = scaleFactor is > 0 ? 1 / scaleFactor.Value : (double)inSize / outSize;
            real = Math.Max(scale * (dst + 0.5) - 0.5, 0);
        }
        int i0 = Math.Min((int)Math.Floor(real), inSize - 1);
        double lambda = Math.Clamp(real - i0, 0, 1);
        return (i0, Math.Min(i0 + 1, inSize - 1), lambda);
    }

    /// <summary>
    /// Reflect-pads the window (top, left, h, w) of every plane by padTop/padLeft into oh×ow, times
    /// valueScale; with no padding, a crop. torch ReflectionPad2d: the edge is the mirror, not repeated.
    /// </summary>
    public static double[] ReflectPad(double[] x, Shape4 s, Window window, int padTop, int padLeft, int oh, int ow, double valueScale = 1)
    {
        static int Mirror(int i, int n)
        {
            while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
            return i;
        }
        var y = new double[s.N * s.C * oh * ow];
        for (int plane = 0; plane < s.N * s.C; plane++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            int sy = window.Top + Mirror(oy - padTop, window.Height);
            int sx = window.Left + Mirror(ox - padLeft, window.Width);
            y[(plane * oh + oy) * ow + ox] = x[(plane * s.H + sy) * s.W + sx] * valueScale;
        }
        return y;
    }

    /// <summary>
    /// The original's euler_integration on a N×2×H×W motion (each image separately), steps times on
    /// sign·motion: all pixels move together per step, as the original's vectorised loop.
    /// </summary>
    public static float[] Euler(float[] motion, Shape4 s, int steps, float sign = 1)
    {
        int plane = s.H * s.W;
        var output = new float[s.N * 2 * plane];
        for (int n = 0; n < s.N; n++)
        {
            var px = new float[plane];
            var py = new float[plane];
            var invalid = new bool[plane];
            for (int p = 0; p < plane; p++)
            {
                px[p] = p % s.W;
                py[p] = p / s.W;
            }
            for (int k = 0; k < steps; k++)
            {
                var nx = new float[plane];
                var ny = new float[plane];
                for (int p = 0; p < plane; p++)
                {
                    // MathF.Round rounds halves to even, as torch.round.
                    int at = (int)MathF.Round(py[p]) * s.W + (int)MathF.Round(px[p]);
                    nx[p] = px[p] + sign * motion[(n * 2) * plane + at];
                    ny[p] = py[p] + sign * motion[(n * 2 + 1) * plane + at];
                }
                for (int p = 0; p < plane; p++)
                {
                    invalid[p] |= nx[p] > s.W - 1 || nx[p] < 0 || ny[p] > s.H - 1 || ny[p] < 0;
                    px[p] = invalid[p] ? p % s.W : nx[p];
                    py[p] = invalid[p] ? p / s.W : ny[p];
                }
            }
            for (int p = 0; p < plane; p++)
            {
                output[n * 2 * plane + p] = px[p] - p % s.W;
                output[(n * 2 + 1) * plane + p] = py[p] - p / s.W;
            }
        }
        return output;
    }

    /// <summary>One copy of a joint splat: values, float32 flow, optional metric map and a metric scale.</summary>
    public sealed record Copy(double[] Values, float[] Flow, double[]? Metric, double MetricScale = 1);

    /// <summary>
    /// The splat accumulator N×(C+1)×H×W of joint_splatting: both copies add (value·Z, Z) bilinearly to
    /// the four neighbours of their destination. Destinations in float32 as the original computes them
    /// (the backward copy is laid W columns to the right with W subtracted from its x flow).
    /// </summary>
    public static double[] SplatAccumulator(Copy forward, Copy backward, Shape4 s)
    {
        int plane = s.H * s.W;
        var acc = new double[s.N * (s.C + 1) * plane];
        foreach (var (copy, isBackward) in new[] { (forward, false), (backward, true) })
        for (int n = 0; n < s.N; n++)
        for (int y = 0; y < s.H; y++)
        for (int x = 0; x < s.W; x++)
        {
            int p = y * s.W + x;
            float dx = copy.Flow[n * 2 * plane + p], dy = copy.Flow[(n * 2 + 1) * plane + p];
            float fx = isBackward ? (float)(x + s.W) + (dx - s.W) : x + dx;
            float fy = y + dy;
            double z = copy.MetricScale * (copy.Metric?[n * plane + p] ?? 1);
            int x0 = (int)Math.Floor(fx), y0 = (int)Math.Floor(fy);
            for (int corner = 0; corner < 4; corner++)
            {
                int cx = x0 + (corner & 1), cy = y0 + (corner >> 1);
                if (cx < 0 || cx >= s.W || cy < 0 || cy >= s.H) continue;
                double w = (1 - Math.Abs(fx - (double)cx)) * (1 - Math.Abs(fy - (double)cy));
                for (int c = 0; c <= s.C; c++)
                {
                    double v = c < s.C ? copy.Values[(n * s.C + c) * plane + p] * z : z;
                    acc[(n * (s.C + 1) + c) * plane + cy * s.W + cx] += v * w;
                }
            }
        }
        return acc;
    }

    /// <summary>Σ value·Z / Σ Z per pixel, Σ Z = 0 read as 1 (softsplat 'linear').</summary>
    public static double[] Normalize(double[] acc, Shape4 s)
    {
        int plane = s.H * s.W;
        var y = new double[s.N * s.C * plane];
        for (int n = 0; n < s.N; n++)
        for (int c = 0; c < s.C; c++)
        for (int p = 0; p < plane; p++)
        {
            double z = acc[(n * (s.C + 1) + s.C) * plane + p];
            y[(n * s.C + c) * plane + p] = acc[(n * (s.C + 1) + c) * plane + p] / (z == 0 ? 1 : z);
        }
        return y;
    }

    /// <summary>
    /// The map of ones splatted like the feature, as the original's feature_inpaint_conv computes it
    /// (a second joint splat of a one-channel map of ones, normalised).
    /// </summary>
    public static double[] OnesMap(Copy forward, Copy backward, Shape4 s)
    {
        var oneShape = s with { C = 1 };
        var ones = Enumerable.Repeat(1.0, (int)oneShape.Length).ToArray();
        var acc = SplatAccumulator(forward with { Values = ones }, backward with { Values = ones }, oneShape);
        return Normalize(acc, oneShape);
    }

    /// <summary>feature_inpaint_conv: where onesMap is 0, the 7×7 box filter (zero padding, /49); else the feature.</summary>
    public static double[] HoleFill(double[] feature, double[] onesMap, Shape4 s)
    {
        int plane = s.H * s.W;
        var y = new double[feature.Length];
        for (int n = 0; n < s.N; n++)
        for (int c = 0; c < s.C; c++)
        for (int yy = 0; yy < s.H; yy++)
        for (int xx = 0; xx < s.W; xx++)
        {
            int i = (n * s.C + c) * plane + yy * s.W + xx;
            if (onesMap[n * plane + yy * s.W + xx] != 0)
            {
                y[i] = feature[i];
                continue;
            }
            double sum = 0;
            for (int dy = -3; dy <= 3; dy++)
            for (int dx = -3; dx <= 3; dx++)
            {
                int sy = yy + dy, sx = xx + dx;
                if (sy >= 0 && sy < s.H && sx >= 0 && sx < s.W) sum += feature[(n * s.C + c) * plane + sy * s.W + sx];
            }
            y[i] = sum / 49;
        }
        return y;
    }

    /// <summary>The original's resize_flow: ÷2 or ×2 bilinear steps (align_corners=False), values scaled with the grid.</summary>
    public static double[] ResizeFlow(float[] flow, int flowSize, int size)
    {
        double[] f = Numerics.ToDouble(flow);
        int fs = flowSize;
        while (fs != size)
        {
            int next = fs > size ? fs / 2 : fs * 2;
            f = Bilinear(f, new Shape4(1, 2, fs, fs), next, next, alignCorners: false, valueScale: next > fs ? 2 : 0.5);
            fs = next;
        }
        return f;
    }

    /// <summary>What warp_one_level computes after resize_flow, for a level of size S with the original's geometry.</summary>
    public sealed record WarpSteps(float[] PaddedFlow, double[] Blend, double[] Inpainted, double[] Warped, int Padded);

    /// <summary>
    /// The original's warp_one_level(feature 1×C×S×S, flow, t, frameCount) from the flow already at the level
    /// (1×2×S×S, float32 as resize_flow leaves it): cut, reflect pad, Euler both ways, joint splat with
    /// Z = 1−α and α, feature_inpaint_conv, centre crop.
    /// </summary>
    /// <remarks>
    /// It starts from the float32 level flow rather than resizing itself because the normalised splat is
    /// ill-conditioned where only far-off neighbours land (Σ Z·w tiny): a last-bit difference in the flow,
    /// float64 against torch's float32 resize, moves such pixels by 1e-4. The resize is checked on its own.
    /// </remarks>
    public static WarpSteps WarpOneLevel(float[] feature, int channels, int size, float[] levelFlow, int t, int frameCount)
    {
        int cut = size switch { 1024 => 3, 512 => 2, 256 => 1, _ => 0 };
        int inner = size - 2 * cut, pad = inner / 4 + inner / 8, padded = inner + 2 * pad;
        var window = new Window(cut, cut, inner, inner);
        var paddedFlow = Array.ConvertAll(
            ReflectPad(Numerics.ToDouble(levelFlow), new Shape4(1, 2, size, size), window, pad, pad, padded, padded), v => (float)v);
        var paddedFeature = ReflectPad(Numerics.ToDouble(feature), new Shape4(1, channels, size, size), window, pad, pad, padded, padded);
        var fieldShape = new Shape4(1, 2, padded, padded);
        var forward = Euler(paddedFlow, fieldShape, t);
        var backward = Euler(paddedFlow, fieldShape, frameCount - 1 - t, sign: -1);
        double alpha = (double)t / (frameCount - 1);
        var shape = new Shape4(1, channels, padded, padded);
        var forwardCopy = new Copy(paddedFeature, forward, null, (float)(1 - alpha));
        var backwardCopy = new Copy(paddedFeature, backward, null, (float)alpha);
        var blend = Normalize(SplatAccumulator(forwardCopy, backwardCopy, shape), shape);
        var inpainted = HoleFill(blend, OnesMap(forwardCopy, backwardCopy, shape), shape);
        int offset = (padded - size) / 2;
        var warped = ReflectPad(inpainted, shape, new Window(offset, offset, size, size), 0, 0, size, size);
        return new WarpSteps(paddedFlow, blend, inpainted, warped, padded);
    }
}

/// <summary>The golden fixture of the deep-feature-warp steps (Tests/Data/dfw_ops.safetensors, made by the original code).</summary>
public static class DfwGolden
{
    public static string Path => System.IO.Path.Combine(NUnit.Framework.TestContext.CurrentContext.TestDirectory, "Data", "dfw_ops.safetensors");

    public static CineKernel.WeightsLoader.SafetensorsFile Open() => CineKernel.WeightsLoader.SafetensorsFile.Open(Path);

    /// <summary>Uploads a stored tensor with its shape (right-aligned into N×C×H×W).</summary>
    public static Tensor Upload(ComputeDevice device, CineKernel.WeightsLoader.TensorData data) =>
        device.Upload(data.Data, Shape4.FromDims(data.Shape));
}
