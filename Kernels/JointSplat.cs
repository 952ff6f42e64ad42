using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace CineKernel.Kernels;

/// <summary>
/// Joint forward splatting, the original's <c>joint_splatting</c> over softsplat 'linear' (DESIGN.md
/// "Joint splatting"): every source pixel of both copies adds (value·Z, Z) bilinearly to the four integer
/// neighbours of its destination, into one accumulator (per pixel: the C value sums, then the metric sum, in
/// groups of four floats; see <see cref="AccumulatorShape"/>); the result is Σ value·Z / Σ Z with Σ Z = 0 read as 1.
/// <para>
/// <see cref="Accumulate(SplatSource, SplatSource, Tensor, Window?, MovingPixels?, int?)"/> writes the sources that stay in place plainly, then scatters the moving sources of
/// both copies (atomics; on the CPU, given a reach, row bands without atomics); <see cref="Resolve"/> then
/// normalises, fills holes (DESIGN.md "Hole filling") and crops in one pass.
/// </para>
/// </summary>
public static class JointSplat
{
    /// <summary>
    /// The accumulator for values of this shape (N×C×H×W): N×S×H×W floats with S = 4·⌈(C+1)/4⌉, laid out pixel
    /// by pixel, not plane by plane: pixel (n, y, x) holds its C value sums, then its metric sum, then zeros, in
    /// S consecutive floats. One pixel's sums are then a few <see cref="Float4"/> groups: a splat tap updates four
    /// sums per view access, and a resolve reads a pixel's metric beside its values. Only
    /// <see cref="Accumulate(SplatSource, SplatSource, Tensor, Window?, MovingPixels?, int?)"/> and
    /// <see cref="Resolve"/> read or write it.
    /// </summary>
    public static Shape4 AccumulatorShape(Shape4 values) => values with { C = 4 * Groups(values.C) };

    /// <summary>Float4 groups per accumulator pixel for C value channels: ⌈(C+1)/4⌉ (C sums and the metric).</summary>
    internal static int Groups(int channels) => channels / 4 + 1;

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
    /// <param name="forward">The forward copy: values, displacement field and Z (weight 1 − α).</param>
    /// <param name="backward">The backward copy (weight α).</param>
    /// <param name="accumulator">The sums of value·Z and Z (<see cref="AccumulatorShape"/>), overwritten.</param>
    /// <param name="keep">When given, only this window of the accumulator is needed; sums elsewhere are not kept.</param>
    /// <param name="moving">When given, the only source pixels whose displacement may be non-zero in either copy
    /// (<see cref="MovingPixels.Of(Tensor, Window?, int)"/> of the motion both fields were integrated from): the atomic pass visits just
    /// those. Pixels outside the list must have displacement exactly 0 in both fields.</param>
    /// <param name="reach">When given, no source's displacement in either copy reaches further than this many rows or
    /// columns (<see cref="MovingPixels.ReachAfter(int)"/>): sources farther than that from the kept window are skipped,
    /// and on the CPU the moving pass runs without atomics (see remarks).</param>
    /// <remarks>
    /// Two passes. A source pixel with displacement exactly (0, 0) lands on itself with bilinear weight 1, so
    /// the first pass writes every accumulator pixel plainly (it also clears it): Σ over the copies that stay
    /// of (value·Z, Z). The second pass adds the moving sources with atomics. The sums are those of one order
    /// of the atomic adds (the stay-at-home terms first), as any atomic order is; on masked motion most of the
    /// grid stays and most atomics go.
    /// <para>
    /// On ILGPU's CPU accelerator an atomic add is a compare-exchange loop, about 7 ns, and the moving pass is
    /// almost all atomics (16 per source pixel with 3 channels). With a <paramref name="reach"/> r, sources in rows
    /// B ≥ 2r apart cannot reach the same accumulator row, so the rows are cut into bands of B rows, each band is
    /// one thread adding plainly, and the even bands run, then the odd ones: no two threads ever write the same
    /// element at once. GPUs keep the atomics (thousands of threads, cheap atomics).
    /// </para>
    /// </remarks>
    public static void Accumulate(SplatSource forward, SplatSource backward, Tensor accumulator, Window? keep,
        MovingPixels? moving = null, int? reach = null)
    {
        var shape = forward.Values.Shape;
        Require(forward, shape, "forward");
        Require(backward, shape, "backward");
        if (accumulator.Shape != AccumulatorShape(shape))
            throw new ArgumentException($"joint splat: accumulator {accumulator.Shape} must be {AccumulatorShape(shape)} for values {shape}");
        if (moving is not null && moving.MotionShape != shape with { C = 2 })
            throw new ArgumentException($"joint splat: moving pixels of a {moving.MotionShape} field do not fit flows {shape with { C = 2 }}");
        if (reach is < 1) throw new ArgumentOutOfRangeException(nameof(reach), reach, "joint splat: reach must be at least 1 row");
        var clip = keep ?? new Window(0, 0, shape.H, shape.W);
        if (clip.Top < 0 || clip.Left < 0 || clip.Height < 1 || clip.Width < 1 || clip.Top + clip.Height > shape.H || clip.Left + clip.Width > shape.W)
            throw new ArgumentException($"joint splat: kept window {clip} does not fit in {shape}");
        var device = accumulator.Device;
        int pixels = shape.N * shape.H * shape.W;
        bool whole = clip.Height == shape.H && clip.Width == shape.W;
        // Outside a kept window nothing lands: clear it all, then the staying pass fills just the window.
        if (!whole) accumulator.View.MemSetToZero(device.Stream);
        // Contiguous runs of pixels per thread (WorkSplit), at most a few per accelerator thread: the CPU
        // accelerator pays per launched thread (Bench/SplatBenchmarks, 442²×32: 63 s with a thread per source
        // pixel, 1.4 s with a grid stride), and with a grid stride the two cores' threads splat neighbouring
        // pixels into the same accumulator cache lines, so every atomic bounces a line.
        var p = new SplatParams(shape.C, shape.H, shape.W,
            forward.Metric is null ? 0 : 1, forward.MetricScale, backward.Metric is null ? 0 : 1, backward.MetricScale,
            clip.Top, clip.Left, clip.Top + clip.Height, clip.Left + clip.Width,
            WorkSplit.For(device, (long)shape.N * clip.Height * clip.Width), moving is null ? 0 : 1, Reach: reach ?? -1,
            SharedValues: ReferenceEquals(forward.Values, backward.Values) ? 1 : 0);
        var f = CopyViews.Of(forward);
        var b = CopyViews.Of(backward);
        var acc = new AccumulatorViews(accumulator);
        device.Load<CopyViews, CopyViews, AccumulatorViews, SplatParams>(StayingKernel)(p.Split.Threads, f, b, acc, p);

        int sources = moving?.Count ?? pixels;
        if (sources == 0) return;
        // Bands of at least 2r rows, and no more than two per accelerator thread (one launch per parity); with
        // fewer than two bands of each parity a launch would run on one thread, and the atomics are faster. Only
        // the rows that can reach the kept window are cut into bands, so the threads share the work that exists.
        int firstRow = 0, endRow = shape.N * shape.H;
        if (reach is { } reachRows && shape.N == 1)
        {
            firstRow = Math.Max(0, clip.Top - reachRows);
            endRow = Math.Min(shape.H, clip.Top + clip.Height + reachRows);
        }
        int rows = endRow - firstRow;
        int bandRows = reach is { } r ? Math.Max(2 * r, (rows + 2 * GridStride.Threads(device, rows) - 1) / (2 * GridStride.Threads(device, rows))) : rows;
        int bands = (rows + bandRows - 1) / bandRows;
        if (device.Kind == DeviceKind.Cpu && bands >= 4)
        {
            var rowStarts = moving?.RowStarts ?? ArrayView<int>.Empty;
            for (int parity = 0; parity < 2 && parity < bands; parity++)
            {
                var banded = p with
                {
                    BandRows = bandRows, Parity = parity, FirstRow = firstRow, EndRow = endRow,
                };
                device.Load<CopyViews, CopyViews, AccumulatorViews, ArrayView<int>, ArrayView<int>, SplatParams>(BandKernel)(
                    (bands - parity + 1) / 2, f, b, acc, moving?.View ?? ArrayView<int>.Empty, rowStarts, banded);
            }
            return;
        }
        p = p with { Split = WorkSplit.For(device, 2L * sources) };
        device.Load<CopyViews, CopyViews, AccumulatorViews, ArrayView<int>, SplatParams>(MovingKernel)(
            p.Split.Threads, f, b, acc, moving?.View ?? ArrayView<int>.Empty, p);
    }

    /// <summary>
    /// output (N×C×h×w) = the normalised splat, Σ value·Z / Σ Z (Σ Z = 0 read as 1), of the accumulator
    /// (<see cref="AccumulatorShape"/> of N×C×H×W values) window at (<paramref name="top"/>, <paramref name="left"/>). With <paramref name="fillHoles"/>, pixels
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
        if (output.N != accumulator.N || accumulator.Shape != AccumulatorShape(accumulator.Shape with { C = output.C }))
            throw new ArgumentException($"joint splat resolve: output {output.Shape} does not match accumulator {accumulator.Shape} (N×4⌈(C+1)/4⌉×H×W)");
        if (top < 0 || left < 0 || top + output.H > accumulator.H || left + output.W > accumulator.W)
            throw new ArgumentException($"joint splat resolve: window at ({top}, {left}) of {output.H}×{output.W} does not fit in accumulator {accumulator.Shape}");
        var source = new SplattedFeature(new AccumulatorViews(accumulator), output.C, accumulator.H, accumulator.W);
        // A work item is one pixel, all its channels: the metric is read once for them.
        var split = WorkSplit.For(accumulator.Device, (long)output.N * output.H * output.W);
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

    /// <summary>One copy's device views; a copy without a metric map never reads its metric view, and its values view stands in for it.</summary>
    internal readonly struct CopyViews(ArrayView<float> values, ArrayView<float> flow, ArrayView<float> metric)
    {
        public readonly ArrayView<float> Values = values, Flow = flow, Metric = metric;

        public static CopyViews Of(SplatSource s) => new(s.Values.View, s.Flow.View, (s.Metric ?? s.Values).View);
    }

    /// <summary>Split: pixels (staying pass) or 2 × sources (moving pass: items [0, S) forward, [S, 2S) backward);
    /// Listed = 1: source j is pixel list[j].</summary>
    internal readonly record struct SplatParams(
        int C, int H, int W, int HasMetricForward, float MetricScaleForward, int HasMetricBackward, float MetricScaleBackward,
        int KeepTop, int KeepLeft, int KeepBottom, int KeepRight, WorkSplit Split, int Listed, int BandRows = 0, int Parity = 0,
        int Reach = -1, int FirstRow = 0, int EndRow = 0, int SharedValues = 0)
    {
        /// <summary>
        /// Whether a source at (y, x) can land in the kept window: always without a reach; with one, only within
        /// Reach rows and columns of it (the rest of a padded grid is border that cannot come back).
        /// </summary>
        public bool CanReachWindow(int y, int x) =>
            Reach < 0 || (y >= KeepTop - Reach && y < KeepBottom + Reach && x >= KeepLeft - Reach && x < KeepRight + Reach);

        /// <summary>Z of a copy's pixel: the scale times the metric map (1 without one).</summary>
        public float Metric(bool backward, ArrayView<float> metric, long at) =>
            (backward ? MetricScaleBackward : MetricScaleForward)
            * ((backward ? HasMetricBackward : HasMetricForward) != 0 ? metric[at] : 1f);
    }

    internal readonly record struct ResolveParams(Shape4 Output, int AccH, int AccW, int Top, int Left, int FillHoles, WorkSplit Split);

    /// <summary>
    /// The accumulator as two views of the same floats: <see cref="Floats"/> for one sum (atomics, the metric),
    /// <see cref="Groups"/> for four at once. Pixel (n, y, x) is cell (n·H + y)·W + x, its sums start at float
    /// cell·S and group cell·(S/4) (<see cref="AccumulatorShape"/>).
    /// </summary>
    internal readonly struct AccumulatorViews(Tensor accumulator)
    {
        public readonly ArrayView<float> Floats = accumulator.View;
        public readonly ArrayView<Float4> Groups = accumulator.View.Cast<Float4>();
    }

    /// <summary>The accumulator read as the normalised splat, for the hole filter's neighbours.</summary>
    internal readonly struct SplattedFeature(AccumulatorViews accumulator, int channels, int height, int width) : IFeatureSource
    {
        private readonly AccumulatorViews accumulator = accumulator;
        private readonly int channels = channels, height = height, width = width;

        private int GroupCount => Groups(channels);

        private long Cell(int n, int y, int x) => ((long)n * height + y) * width + x;

        /// <summary>Σ Z at (y, x).</summary>
        public float Metric(int n, int y, int x) => accumulator.Floats[Cell(n, y, x) * 4 * GroupCount + channels];

        /// <summary>Σ value·Z of channels 4g..4g+3 at (y, x), not yet normalised (the metric and zeros past C−1).</summary>
        public Float4 Sums(int n, int g, int y, int x) => accumulator.Groups[Cell(n, y, x) * GroupCount + g];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Float4 Read(int n, int g, int y, int x)
        {
            var q = Sums(n, g, y, x);
            // The metric shares the last group: read it from there instead of a second access.
            float z = g == GroupCount - 1 ? q.Get(channels % 4) : Metric(n, y, x);
            return Normalised(q, z);
        }

        /// <summary>Sums over Σ Z (Σ Z = 0 read as 1), as the original's blend divides.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Float4 Normalised(Float4 sums, float z)
        {
            float d = z == 0f ? 1f : z;
            return new Float4(sums.X / d, sums.Y / d, sums.Z / d, sums.W / d);
        }
    }

    /// <summary>
    /// Group g of one copy's source pixel before Z: values of channels 4g..4g+3 (planes of <paramref name="values"/>
    /// from <paramref name="at"/>), 1 in the metric's slot (channel C), 0 past it. Times Z it is what the pixel adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Float4 SourceGroup(ArrayView<float> values, long at, int plane, int g, int channels)
    {
        int c = 4 * g;
        return new Float4(
            SourceValue(values, at, plane, c, channels), SourceValue(values, at, plane, c + 1, channels),
            SourceValue(values, at, plane, c + 2, channels), SourceValue(values, at, plane, c + 3, channels));
    }

    private static float SourceValue(ArrayView<float> values, long at, int plane, int c, int channels) =>
        c < channels ? values[at + (long)c * plane] : c == channels ? 1f : 0f;

    private static Float4 Times(Float4 v, float z) => new(v.X * z, v.Y * z, v.Z * z, v.W * z);

    // Pass 1: every accumulator pixel (n, y, x) of the kept window gets the copies that stay there (displacement
    // exactly 0: bilinear weight 1 on itself), or 0. Written plainly: this pass also clears the window.
    private static void StayingKernel(Index1D thread, CopyViews f, CopyViews b, AccumulatorViews acc, SplatParams p)
    {
        int plane = p.H * p.W;
        int groups = Groups(p.C);
        int keepW = p.KeepRight - p.KeepLeft, keepH = p.KeepBottom - p.KeepTop;
        int i = p.Split.Begin(thread), end = p.Split.End(thread);
        if (i >= end) return;
        // Items walk the kept window (N × keepH × keepW); the run's first item is decoded, then stepped.
        int n = i / (keepH * keepW), r = i - n * keepH * keepW, y = r / keepW + p.KeepTop, x = r % keepW + p.KeepLeft;
        for (; i < end; i++)
        {
            int pixel = y * p.W + x;
            long flowAt = (long)n * 2 * plane + pixel;
            long metricAt = (long)n * plane + pixel;
            float zF = p.Metric(false, f.Metric, metricAt), zB = p.Metric(true, b.Metric, metricAt);
            // As the moving pass: a copy with Z = 0 adds nothing.
            bool stayF = zF != 0f && f.Flow[flowAt] == 0f && f.Flow[flowAt + plane] == 0f;
            bool stayB = zB != 0f && b.Flow[flowAt] == 0f && b.Flow[flowAt + plane] == 0f;
            long valuesAt = (long)n * p.C * plane + pixel;
            long cell = ((long)n * p.H + y) * p.W + x;
            for (int g = 0; g < groups; g++)
            {
                var sum = new Float4();
                var v = stayF || stayB ? SourceGroup(stayF ? f.Values : b.Values, valuesAt, plane, g, p.C) : default;
                if (stayF) Float4.AddScaled(ref sum, v, zF);
                if (stayB) Float4.AddScaled(ref sum, stayF && p.SharedValues == 0 ? SourceGroup(b.Values, valuesAt, plane, g, p.C) : v, zB);
                acc.Groups[cell * groups + g] = sum;
            }
            if (++x == p.KeepRight)
            {
                x = p.KeepLeft;
                if (++y == p.KeepBottom)
                {
                    y = p.KeepTop;
                    n++;
                }
            }
        }
    }

    // Pass 2: the sources that move, both copies, with atomics.
    private static void MovingKernel(Index1D thread, CopyViews f, CopyViews b, AccumulatorViews acc, ArrayView<int> list, SplatParams p)
    {
        int plane = p.H * p.W;
        int groups = Groups(p.C);
        int sources = p.Split.Total / 2;
        for (int i = p.Split.Begin(thread), end = p.Split.End(thread); i < end; i++)
        {
            bool backward = i >= sources;
            int j = backward ? i - sources : i;
            int source = p.Listed != 0 ? list[j] : j;
            int n = source / plane, pixel = source - n * plane, y = pixel / p.W, x = pixel - y * p.W;
            if (!p.CanReachWindow(y, x)) continue;
            var copy = backward ? b : f;
            var taps = Taps.Of(n, y, x, backward, copy, p);
            if (!taps.Any) continue;
            long at = (long)n * p.C * plane + pixel;
            for (int g = 0; g < groups; g++)
                taps.AddAtomic(acc.Floats, g, Times(SourceGroup(copy.Values, at, plane, g, p.C), taps.Z), p);
        }
    }

    // Pass 2 on the CPU with a reach: thread k owns band 2k + parity (rows [first + band·B, first + band·B + B) of the
    // rows that can reach the window) and splats both copies of its sources pixel by pixel, plainly (see Accumulate's
    // remarks); the two copies share each value read when they splat the same values (as the warp's do).
    private static void BandKernel(Index1D thread, CopyViews f, CopyViews b, AccumulatorViews acc, ArrayView<int> list,
        ArrayView<int> rowStarts, SplatParams p)
    {
        int band = 2 * thread + p.Parity;
        int firstRow = p.FirstRow + band * p.BandRows;
        int endRow = XMath.Min(firstRow + p.BandRows, p.EndRow);
        int plane = p.H * p.W;
        int groups = Groups(p.C);
        for (int row = firstRow; row < endRow; row++)
        {
            int n = row / p.H, y = row - n * p.H;
            if (!p.CanReachWindow(y, p.KeepLeft)) continue;
            int rowBase = row * p.W; // = n·H·W + y·W, the row's first pixel index
            long valuesAt = (long)n * p.C * plane + (long)y * p.W;
            int j = p.Listed != 0 ? rowStarts[row] : p.Reach < 0 ? 0 : XMath.Max(0, p.KeepLeft - p.Reach);
            int end = p.Listed != 0 ? rowStarts[row + 1] : p.Reach < 0 ? p.W : XMath.Min(p.W, p.KeepRight + p.Reach);
            for (; j < end; j++)
            {
                int x = p.Listed != 0 ? list[j] - rowBase : j;
                if (!p.CanReachWindow(y, x)) continue;
                var forward = Taps.Of(n, y, x, false, f, p);
                var backward = Taps.Of(n, y, x, true, b, p);
                if (!forward.Any && !backward.Any) continue;
                for (int g = 0; g < groups; g++)
                {
                    var v = SourceGroup(f.Values, valuesAt + x, plane, g, p.C);
                    forward.Add(acc.Groups, g, Times(v, forward.Z));
                    if (p.SharedValues == 0) v = SourceGroup(b.Values, valuesAt + x, plane, g, p.C);
                    backward.Add(acc.Groups, g, Times(v, backward.Z));
                }
            }
        }
    }

    /// <summary>
    /// Where one copy's source pixel lands: the copy's Z and the bilinear weights of its destination's four
    /// integer neighbours, which of them are kept, and the accumulator cell of the north-west one.
    /// <see cref="Any"/> is false when it adds nothing: it stays (pass 1 has it), its Z is 0, or no kept
    /// neighbour has a non-zero weight.
    /// </summary>
    private readonly struct Taps
    {
        private readonly float wNW, wNE, wSW, wSE;
        private readonly long cell; // accumulator cell of (n, y0, x0)
        private readonly int width, groups;
        public readonly float Z;
        public readonly bool Any;

        private Taps(float wNW, float wNE, float wSW, float wSE, float z, long cell, int width, int groups, bool any)
        {
            Z = z;
            this.wNW = wNW;
            this.wNE = wNE;
            this.wSW = wSW;
            this.wSE = wSE;
            this.cell = cell;
            this.width = width;
            this.groups = groups;
            Any = any;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)] // per source pixel and copy: no call, no struct copies
        public static Taps Of(int n, int y, int x, bool backward, CopyViews copy, SplatParams p)
        {
            int plane = p.H * p.W;
            int pixel = y * p.W + x;
            long flowAt = (long)n * 2 * plane + pixel;
            float dx = copy.Flow[flowAt], dy = copy.Flow[flowAt + plane];
            if (dx == 0f && dy == 0f) return default;
            float z = p.Metric(backward, copy.Metric, (long)n * plane + pixel);
            // A copy with Z = 0 (frame 0's backward copy, the official loop's last forward copy) adds only zeros:
            // skipping it changes no sum (at most the sign of a zero), only saves additions.
            if (z == 0f) return default;

            // joint_splatting lays the backward copy W columns to the right and subtracts W from its x flow, both
            // in float32; the destination is the same point, but rounded as the original rounds it.
            float px = backward ? (float)(x + p.W) + (dx - p.W) : x + dx;
            float py = y + dy;
            int x0 = (int)XMath.Floor(px), y0 = (int)XMath.Floor(py);
            int x1 = x0 + 1, y1 = y0 + 1;
            float ax = x1 - px, bx = px - x0, ay = y1 - py, by = py - y0;
            // A row or column outside the kept window, or with bilinear weight 0 (all four taps of a pixel that
            // lands on the grid but one), gets nothing: its weight is zeroed and the add skipped.
            bool inX0 = x0 >= p.KeepLeft && x0 < p.KeepRight && ax != 0f, inX1 = x1 >= p.KeepLeft && x1 < p.KeepRight && bx != 0f;
            bool inY0 = y0 >= p.KeepTop && y0 < p.KeepBottom && ay != 0f, inY1 = y1 >= p.KeepTop && y1 < p.KeepBottom && by != 0f;
            if (!((inX0 || inX1) && (inY0 || inY1))) return default;
            return new Taps(
                inY0 && inX0 ? ax * ay : 0f, inY0 && inX1 ? bx * ay : 0f,
                inY1 && inX0 ? ax * by : 0f, inY1 && inX1 ? bx * by : 0f,
                z, ((long)n * p.H + y0) * p.W + x0, p.W, Groups(p.C), true);
        }

        /// <summary>
        /// Adds v·weight to group g of the kept neighbours, plainly (one thread owns them): v is value·Z for the value
        /// channels (softsplat 'linear') and Z itself in the metric's slot.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(ArrayView<Float4> acc, int g, Float4 v)
        {
            if (!Any) return;
            long nw = cell * groups + g, below = (long)width * groups;
            if (wNW != 0f) Float4.AddScaled(ref acc[nw], v, wNW);
            if (wNE != 0f) Float4.AddScaled(ref acc[nw + groups], v, wNE);
            if (wSW != 0f) Float4.AddScaled(ref acc[nw + below], v, wSW);
            if (wSE != 0f) Float4.AddScaled(ref acc[nw + below + groups], v, wSE);
        }

        /// <summary>As <see cref="Add"/>, with an atomic add per sum (channels past the metric are skipped).</summary>
        public void AddAtomic(ArrayView<float> acc, int g, Float4 v, SplatParams p)
        {
            int stride = 4 * groups, count = XMath.Min(4, p.C + 1 - 4 * g);
            long nw = cell * stride + 4 * g;
            for (int k = 0; k < count; k++)
            {
                float value = v.Get(k);
                if (wNW != 0f) Atomic.Add(ref acc[nw + k], value * wNW);
                if (wNE != 0f) Atomic.Add(ref acc[nw + stride + k], value * wNE);
                if (wSW != 0f) Atomic.Add(ref acc[nw + (long)width * stride + k], value * wSW);
                if (wSE != 0f) Atomic.Add(ref acc[nw + (long)width * stride + stride + k], value * wSE);
            }
        }
    }

    private static void ResolveKernel(Index1D thread, SplattedFeature source, ArrayView<float> output, ResolveParams p)
    {
        var s = p.Output;
        int plane = s.H * s.W;
        int groups = Groups(s.C);
        for (int i = p.Split.Begin(thread), end = p.Split.End(thread); i < end; i++)
        {
            int n = i / plane, pixel = i - n * plane;
            int y = pixel / s.W + p.Top, x = pixel % s.W + p.Left;
            // The last group holds the metric: read it first, and with C < 4 it is the only read.
            var last = source.Sums(n, groups - 1, y, x);
            float z = last.Get(s.C % 4);
            bool fill = p.FillHoles != 0 && z == 0f;
            long at = (long)n * s.C * plane + pixel;
            for (int g = 0; g < groups; g++)
            {
                var v = fill ? HoleFill.BoxMean(source, n, g, y, x, p.AccH, p.AccW)
                    : SplattedFeature.Normalised(g == groups - 1 ? last : source.Sums(n, g, y, x), z);
                for (int k = 0, c = 4 * g; k < 4 && c < s.C; k++, c++) output[at + (long)c * plane] = v.Get(k);
            }
        }
    }
}
