using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace CineKernel.Kernels;

/// <summary>
/// Bilinear resampling with the index mapping and float32 arithmetic of PyTorch's
/// <c>F.interpolate(mode='bilinear', antialias=False)</c> (CPU kernel <c>upsample_bilinear2d</c>):
/// up or down, any factor, <c>align_corners</c> true or false. Used for the flow pyramid of the deep
/// feature warp (DESIGN.md "Warp at one level"), the mask predictor's feature resize and the motion
/// generator's upsampling.
/// </summary>
public static class Resize
{
    /// <summary>
    /// output = bilinear resize of input to output's H×W (same N, C), times <paramref name="valueScale"/>.
    /// </summary>
    /// <param name="input">N×C×h×w.</param>
    /// <param name="output">N×C×H×W, overwritten.</param>
    /// <param name="alignCorners">torch's <c>align_corners</c>.</param>
    /// <param name="valueScale">Multiplies every output value; the flow pyramid scales flows ×2 or ÷2 per step.
    /// Applied after the interpolation, as the original's in-place <c>flow *= 2</c> / <c>flow /= 2</c>.</param>
    /// <param name="scaleFactorY">torch's <c>scale_factor</c> when the caller resized by a factor rather than to a size:
    /// torch then maps indices with 1/scale_factor instead of in/out (differs for odd sizes). Ignored with align_corners.</param>
    /// <param name="scaleFactorX">As <paramref name="scaleFactorY"/>, for the width.</param>
    public static void Bilinear(Tensor input, Tensor output, bool alignCorners, float valueScale = 1f,
        double? scaleFactorY = null, double? scaleFactorX = null)
    {
        if (input.N != output.N || input.C != output.C)
            throw new ArgumentException($"bilinear resize: input {input.Shape} and output {output.Shape} differ in N or C");
        int threads = GridStride.Threads(input.Device, output.Length);
        var p = new BilinearParams(
            input.H, input.W, output.H, output.W,
            SourceScale(input.H, output.H, alignCorners, scaleFactorY),
            SourceScale(input.W, output.W, alignCorners, scaleFactorX),
            alignCorners ? 1 : 0, valueScale, (int)output.Length, threads);
        input.Device.Load<ArrayView<float>, ArrayView<float>, BilinearParams>(BilinearKernel)(threads, input.View, output.View, p);
    }

    /// <summary>
    /// A Laplacian pyramid's expand step: output = bilinear(coarse) + band (align_corners=False, the resize of
    /// <see cref="Bilinear"/>), in one pass. With <paramref name="mask"/> (N×1×H×W) and <paramref name="background"/>
    /// the composite of <see cref="ElementWise.Composite"/> joins it: output = m·(bilinear(coarse) + band) + (1−m)·background,
    /// and where m is 0 the output is the background itself, with nothing else read: the static part of a
    /// cinemagraph costs one copy.
    /// </summary>
    public static void ExpandAdd(Tensor coarse, Tensor band, Tensor output, Tensor? mask = null, Tensor? background = null)
    {
        if (band.Shape != output.Shape || coarse.N != output.N || coarse.C != output.C)
            throw new ArgumentException($"expand: coarse {coarse.Shape}, band {band.Shape} and output {output.Shape} must share N and C, band and output their shape");
        if ((mask is null) != (background is null))
            throw new ArgumentException("expand: a composite needs both the mask and the background");
        if (mask is not null && (mask.Shape != output.Shape with { C = 1 } || background!.Shape != output.Shape))
            throw new ArgumentException($"expand: mask {mask.Shape} must be {output.Shape with { C = 1 }} and background {background!.Shape} {output.Shape}");
        // A work item is one pixel, all its channels: the source taps and the mask are read once for them.
        var split = WorkSplit.For(output.Device, (long)output.N * output.H * output.W);
        var p = new BilinearParams(coarse.H, coarse.W, output.H, output.W,
            SourceScale(coarse.H, output.H, false, null), SourceScale(coarse.W, output.W, false, null), 0, 1f, (int)output.Length, 0);
        var e = new ExpandParams(output.C, mask is null ? 0 : 1, split);
        output.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, BilinearParams, ExpandParams>(
            ExpandKernel)(split.Threads, coarse.View, band.View, (mask ?? band).View, (background ?? band).View, output.View, p, e);
    }

    internal readonly record struct ExpandParams(int Channels, int Composite, WorkSplit Split);

    private static void ExpandKernel(Index1D thread, ArrayView<float> coarse, ArrayView<float> band, ArrayView<float> mask,
        ArrayView<float> background, ArrayView<float> output, BilinearParams p, ExpandParams e)
    {
        int plane = p.OutH * p.OutW;
        for (int i = e.Split.Begin(thread), end = e.Split.End(thread); i < end; i++)
        {
            int n = i / plane, pixel = i - n * plane, y = pixel / p.OutW, x = pixel - y * p.OutW;
            long at = (long)n * e.Channels * plane + pixel;
            float m = e.Composite != 0 ? mask[i] : 1f;
            if (m == 0f)
            {
                for (int c = 0; c < e.Channels; c++) output[at + (long)c * plane] = background[at + (long)c * plane];
                continue;
            }
            var taps = Taps2D.Of(y, x, p);
            for (int c = 0; c < e.Channels; c++)
            {
                long o = at + (long)c * plane;
                float v = taps.Value(coarse, n * e.Channels + c, p) + band[o];
                output[o] = e.Composite != 0 ? m * v + (1f - m) * background[o] : v;
            }
        }
    }

    /// <summary>torch's <c>area_pixel_compute_scale</c>, in float32 as torch computes it for float tensors.</summary>
    private static float SourceScale(int inSize, int outSize, bool alignCorners, double? scaleFactor)
    {
        if (alignCorners) return outSize > 1 ? (float)(inSize - 1) / (outSize - 1) : 0f;
        if (scaleFactor is > 0) return (float)(1.0 / scaleFactor.Value);
        return (float)inSize / outSize;
    }

    internal readonly record struct BilinearParams(
        int InH, int InW, int OutH, int OutW, float ScaleY, float ScaleX, int AlignCorners, float ValueScale, int Count, int Stride);

    /// <summary>
    /// torch's <c>compute_source_index_and_lambda</c>: the two source taps and their weights for one
    /// output index (equal sizes copy; align_corners=False clamps negative source positions to 0).
    /// </summary>
    private static void SourceTaps(int dst, int inSize, int outSize, float scale, bool alignCorners,
        out int i0, out int i1, out float w0, out float w1)
    {
        if (inSize == outSize)
        {
            i0 = dst;
            i1 = dst;
            w0 = 1f;
            w1 = 0f;
            return;
        }
        float real = alignCorners ? scale * dst : scale * (dst + 0.5f) - 0.5f;
        if (!alignCorners && real < 0f) real = 0f;
        i0 = XMath.Min((int)XMath.Floor(real), inSize - 1);
        float lambda = XMath.Min(XMath.Max(real - i0, 0f), 1f);
        i1 = i0 + (i0 < inSize - 1 ? 1 : 0);
        w1 = lambda;
        w0 = 1f - lambda;
    }

    private static void BilinearKernel(Index1D thread, ArrayView<float> input, ArrayView<float> output, BilinearParams p)
    {
        for (int i = thread; i < p.Count; i += p.Stride) output[i] = BilinearValue(i, input, p);
    }

    /// <summary>Output element i of the resize.</summary>
    private static float BilinearValue(int i, ArrayView<float> input, BilinearParams p)
    {
        int x = i % p.OutW;
        int y = i / p.OutW % p.OutH;
        int plane = i / (p.OutW * p.OutH);
        return Taps2D.Of(y, x, p).Value(input, plane, p);
    }

    /// <summary>The four source taps of output pixel (y, x) and their weights: the same for every plane.</summary>
    private readonly record struct Taps2D(int Y0, int Y1, int X0, int X1, float Wy0, float Wy1, float Wx0, float Wx1)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Taps2D Of(int y, int x, BilinearParams p)
        {
            bool align = p.AlignCorners != 0;
            SourceTaps(y, p.InH, p.OutH, p.ScaleY, align, out int y0, out int y1, out float wy0, out float wy1);
            SourceTaps(x, p.InW, p.OutW, p.ScaleX, align, out int x0, out int x1, out float wx0, out float wx1);
            return new Taps2D(y0, y1, x0, x1, wy0, wy1, wx0, wx1);
        }

        /// <summary>The resized value in input plane <paramref name="plane"/> (n·C + c).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Value(ArrayView<float> input, int plane, BilinearParams p)
        {
            long row0 = ((long)plane * p.InH + Y0) * p.InW;
            long row1 = ((long)plane * p.InH + Y1) * p.InW;
            // Same association as torch's separable Interpolate<2>: rows first, then the two rows blended.
            float t0 = input[row0 + X0] * Wx0 + input[row0 + X1] * Wx1;
            float t1 = input[row1 + X0] * Wx0 + input[row1 + X1] * Wx1;
            return (t0 * Wy0 + t1 * Wy1) * p.ValueScale;
        }
    }
}
