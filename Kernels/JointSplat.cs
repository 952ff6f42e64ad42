using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace CineKernel.Kernels;

/// <summary>
/// One copy of a joint splat: values (N×C×H×W) moved by a displacement field (N×2×H×W, x then y) with an
/// importance metric Z: a per-pixel map (N×1×H×W) times <see cref="MetricScale"/>, or the scale alone
/// when <see cref="Metric"/> is null (the warp's Z is a constant, (1−α) or α).
/// </summary>
public readonly record struct SplatSource(Tensor Values, Tensor Flow, Tensor? Metric = null, float MetricScale = 1f);

/// <summary>
/// Joint forward splatting, the original's <c>joint_splatting</c> over softsplat 'linear' (DESIGN.md
/// "Joint splatting"): every source pixel of both copies adds (value·Z, Z) bilinearly to the four integer
/// neighbours of its destination, into one accumulator (N×(C+1)×H×W: C value planes, then the metric
/// plane); the result is Σ value·Z / Σ Z with Σ Z = 0 read as 1.
/// <para>
/// <see cref="Accumulate"/> scatters both copies in one launch (atomics); <see cref="Resolve"/> then
/// normalises, fills holes (DESIGN.md "Hole filling") and crops in one pass.
/// </para>
/// </summary>
public static class JointSplat
{
    /// <summary>The accumulator for values of this shape: C value planes and one metric plane.</summary>
    public static Shape4 AccumulatorShape(Shape4 values) => values with { C = values.C + 1 };

    /// <summary>
    /// Clears the accumulator and splats both copies into it. Destinations are the copies' own H×W grid
    /// (the original's output_size); contributions landing outside are dropped.
    /// </summary>
    public static void Accumulate(SplatSource forward, SplatSource backward, Tensor accumulator) =>
        Accumulate(forward, backward, accumulator, null);

    /// <summary>
    /// As <see cref="Accumulate(SplatSource, SplatSource, Tensor)"/>, but contributions landing outside
    /// <paramref name="keep"/> are dropped as well (they are left 0): a caller that reads only that window of
    /// the accumulator (a resolve that crops, plus the hole filter's radius) saves their atomics. Inside the
    /// window the sums are those of the full splat.
    /// </summary>
    public static void Accumulate(SplatSource forward, SplatSource backward, Tensor accumulator, Window? keep)
    {
        var shape = forward.Values.Shape;
        Require(forward, shape, "forward");
        Require(backward, shape, "backward");
        if (accumulator.Shape != AccumulatorShape(shape))
            throw new ArgumentException($"joint splat: accumulator {accumulator.Shape} must be {AccumulatorShape(shape)} for values {shape}");
        var clip = keep ?? new Window(0, 0, shape.H, shape.W);
        if (clip.Top < 0 || clip.Left < 0 || clip.Height < 1 || clip.Width < 1 || clip.Top + clip.Height > shape.H || clip.Left + clip.Width > shape.W)
            throw new ArgumentException($"joint splat: kept window {clip} does not fit in {shape}");
        var device = accumulator.Device;
        accumulator.View.MemSetToZero(device.Stream);
        // At most the accelerator's thread count (Bench/SplatBenchmarks, 442²×32 on the CPU accelerator: 63 s with
        // a thread per source pixel, 1.4 s with a grid stride); the accumulator is cleared with a memset rather than
        // a kernel for the same reason.
        int sources = shape.N * 2 * shape.H * shape.W;
        // Contiguous runs of source pixels per thread (WorkSplit): with a grid stride the two cores' threads
        // splat neighbouring pixels into the same accumulator cache lines and every atomic bounces a line.
        var split = WorkSplit.For(device, sources);
        int threads = split.Threads;
        var p = new SplatParams(shape.C, shape.H, shape.W,
            forward.Metric is null ? 0 : 1, forward.MetricScale, backward.Metric is null ? 0 : 1, backward.MetricScale,
            clip.Top, clip.Left, clip.Top + clip.Height, clip.Left + clip.Width, split);
        // A copy without a metric map never reads its metric view; its values view stands in for it.
        device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, SplatParams>(AccumulateKernel)(
            threads,
            forward.Values.View, forward.Flow.View, (forward.Metric ?? forward.Values).View,
            backward.Values.View, backward.Flow.View, (backward.Metric ?? backward.Values).View,
            accumulator.View, p);
    }

    /// <summary>
    /// output (N×C×h×w) = the normalised splat, Σ value·Z / Σ Z (Σ Z = 0 read as 1), of the accumulator
    /// window at (<paramref name="top"/>, <paramref name="left"/>). With <paramref name="fillHoles"/>, pixels
    /// no source reached (Σ Z = 0) take the 7×7 box filter of the normalised splat over the whole
    /// accumulator plane, as <c>feature_inpaint_conv</c> does before the crop.
    /// </summary>
    /// <remarks>
    /// The original finds holes by splatting a map of ones with the same displacements and metrics and
    /// testing it for 0; that map is Σ Z·w / Σ Z·w, which is 0 exactly where Σ Z·w is, because all
    /// terms are non-negative when Z ≥ 0. So the metric plane already is the hole mask, and the second
    /// splat is not needed. (With a negative metric Σ Z could cancel to 0; the warp never has one.)
    /// </remarks>
    public static void Resolve(Tensor accumulator, Tensor output, int top, int left, bool fillHoles)
    {
        if (output.N != accumulator.N || output.C != accumulator.C - 1)
            throw new ArgumentException($"joint splat resolve: output {output.Shape} does not match accumulator {accumulator.Shape} (N×(C+1)×H×W)");
        if (top < 0 || left < 0 || top + output.H > accumulator.H || left + output.W > accumulator.W)
            throw new ArgumentException($"joint splat resolve: window at ({top}, {left}) of {output.H}×{output.W} does not fit in accumulator {accumulator.Shape}");
        var source = new SplattedFeature(accumulator.View, output.C, accumulator.H, accumulator.W);
        var split = WorkSplit.For(accumulator.Device, output.Length);
        int threads = split.Threads;
        var p = new ResolveParams(output.Shape, accumulator.H, accumulator.W, top, left, fillHoles ? 1 : 0, split);
        accumulator.Device.Load<SplattedFeature, ArrayView<float>, ResolveParams>(ResolveKernel)(threads, source, output.View, p);
    }

    /// <summary>The original's <c>joint_splatting(..., mode="full")</c>: accumulate, then normalise.</summary>
    public static void Splat(SplatSource forward, SplatSource backward, Tensor accumulator, Tensor output)
    {
        Accumulate(forward, backward, accumulator);
        Resolve(accumulator, output, 0, 0, fillHoles: false);
    }

    private static void Require(SplatSource s, Shape4 shape, string which)
    {
        if (s.Values.Shape != shape)
            throw new ArgumentException($"joint splat: {which} values {s.Values.Shape} differ from {shape}");
        if (s.Flow.Shape != shape with { C = 2 })
            throw new ArgumentException($"joint splat: {which} flow {s.Flow.Shape} must be {shape with { C = 2 }}");
        if (s.Metric is { } m && m.Shape != shape with { C = 1 })
            throw new ArgumentException($"joint splat: {which} metric {m.Shape} must be {shape with { C = 1 }}");
    }

    internal readonly record struct SplatParams(
        int C, int H, int W, int HasMetricForward, float MetricScaleForward, int HasMetricBackward, float MetricScaleBackward,
        int KeepTop, int KeepLeft, int KeepBottom, int KeepRight, WorkSplit Split);

    internal readonly record struct ResolveParams(Shape4 Output, int AccH, int AccW, int Top, int Left, int FillHoles, WorkSplit Split);

    /// <summary>The accumulator read as the normalised splat, for the hole filter's neighbours.</summary>
    internal readonly struct SplattedFeature(ArrayView<float> accumulator, int channels, int height, int width) : IFeatureSource
    {
        private readonly ArrayView<float> accumulator = accumulator;
        private readonly int channels = channels, height = height, width = width;

        public float Metric(int n, int y, int x) =>
            accumulator[(((long)n * (channels + 1) + channels) * height + y) * width + x];

        public float Read(int n, int c, int y, int x)
        {
            float z = Metric(n, y, x);
            return accumulator[(((long)n * (channels + 1) + c) * height + y) * width + x] / (z == 0f ? 1f : z);
        }
    }

    private static void AccumulateKernel(Index1D thread,
        ArrayView<float> valuesF, ArrayView<float> flowF, ArrayView<float> metricF,
        ArrayView<float> valuesB, ArrayView<float> flowB, ArrayView<float> metricB,
        ArrayView<float> acc, SplatParams p)
    {
        for (int i = p.Split.Begin(thread), end = p.Split.End(thread); i < end; i++)
            SplatSourcePixel(i, valuesF, flowF, metricF, valuesB, flowB, metricB, acc, p);
    }

    /// <summary>Source pixel i (of N × 2 copies × H × W) adds (value·Z, Z) to its destination's neighbours.</summary>
    private static void SplatSourcePixel(int i,
        ArrayView<float> valuesF, ArrayView<float> flowF, ArrayView<float> metricF,
        ArrayView<float> valuesB, ArrayView<float> flowB, ArrayView<float> metricB,
        ArrayView<float> acc, SplatParams p)
    {
        int plane = p.H * p.W;
        int pixel = i % plane;
        int copy = i / plane % 2;
        int n = i / (2 * plane);
        int x = pixel % p.W, y = pixel / p.W;

        bool backward = copy == 1;
        var values = backward ? valuesB : valuesF;
        var flow = backward ? flowB : flowF;
        long flowAt = (long)n * 2 * plane + pixel;
        float dx = flow[flowAt], dy = flow[flowAt + plane];
        bool hasMetric = (backward ? p.HasMetricBackward : p.HasMetricForward) != 0;
        float z = (backward ? p.MetricScaleBackward : p.MetricScaleForward)
                  * (hasMetric ? (backward ? metricB : metricF)[(long)n * plane + pixel] : 1f);

        // A copy with Z = 0 (frame 0's backward copy, the official loop's last forward copy) adds only zeros:
        // skipping it changes no sum (at most the sign of a zero), only saves atomics.
        if (z == 0f) return;

        // joint_splatting lays the backward copy W columns to the right and subtracts W from its x flow, both
        // in float32; the destination is the same point, but rounded as the original rounds it.
        float px = backward ? (float)(x + p.W) + (dx - p.W) : x + dx;
        float py = y + dy;

        int x0 = (int)XMath.Floor(px), y0 = (int)XMath.Floor(py);
        int x1 = x0 + 1, y1 = y0 + 1;
        float ax = x1 - px, bx = px - x0, ay = y1 - py, by = py - y0;
        float wNW = ax * ay, wNE = bx * ay, wSW = ax * by, wSE = bx * by;
        bool inX0 = x0 >= p.KeepLeft && x0 < p.KeepRight, inX1 = x1 >= p.KeepLeft && x1 < p.KeepRight;
        bool inY0 = y0 >= p.KeepTop && y0 < p.KeepBottom, inY1 = y1 >= p.KeepTop && y1 < p.KeepBottom;
        // A row or column with bilinear weight 0 gets nothing (all four taps of a pixel that lands on the grid
        // but one): skip it rather than add zeros.
        inX0 &= ax != 0f;
        inX1 &= bx != 0f;
        inY0 &= ay != 0f;
        inY1 &= by != 0f;
        if (!((inX0 || inX1) && (inY0 || inY1))) return;

        long accPlane0 = (long)n * (p.C + 1) * plane;
        for (int c = 0; c <= p.C; c++)
        {
            // Metric plane last: it splats Z itself; value planes splat value·Z (softsplat 'linear').
            float v = c < p.C ? values[((long)n * p.C + c) * plane + pixel] * z : z;
            long b = accPlane0 + (long)c * plane;
            if (inY0 && inX0) Atomic.Add(ref acc[b + (long)y0 * p.W + x0], v * wNW);
            if (inY0 && inX1) Atomic.Add(ref acc[b + (long)y0 * p.W + x1], v * wNE);
            if (inY1 && inX0) Atomic.Add(ref acc[b + (long)y1 * p.W + x0], v * wSW);
            if (inY1 && inX1) Atomic.Add(ref acc[b + (long)y1 * p.W + x1], v * wSE);
        }
    }

    private static void ResolveKernel(Index1D thread, SplattedFeature source, ArrayView<float> output, ResolveParams p)
    {
        var s = p.Output;
        for (int i = p.Split.Begin(thread), end = p.Split.End(thread); i < end; i++)
        {
            int x = i % s.W + p.Left;
            int y = i / s.W % s.H + p.Top;
            int c = i / (s.W * s.H) % s.C;
            int n = i / (s.W * s.H * s.C);
            bool hole = source.Metric(n, y, x) == 0f;
            output[i] = hole && p.FillHoles != 0
                ? HoleFill.BoxMean(source, n, c, y, x, p.AccH, p.AccW)
                : source.Read(n, c, y, x);
        }
    }
}
