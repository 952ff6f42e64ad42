using System.Runtime.CompilerServices;
using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// The 3×3 stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, "Fast Algorithms for
/// Convolutional Neural Networks", CVPR 2016, eq. 8): each 2×2 output tile is
/// <code>
///   Y = Aᵀ [ Σ_i (G g[o,i] Gᵀ) ⊙ (Bᵀ d[i] B) ] A
/// </code>
/// with d[i] the tile's 4×4 window of input channel i (padding read through the padding map, zero or reflect), so
/// a tile takes 16 multiplies per (o, i) instead of the direct conv's 36. The transformed weight
/// U[o,i] = G g[o,i] Gᵀ (Cout×Cin×4×4, <see cref="TransformWeight"/>) depends on the weight alone: a plan computes it
/// once (Graph's weight transform step), and a modulated conv still uses it because the style scales input channels
/// (d[i] · s[n,i]) and demod the outputs, as in the direct conv (<see cref="ModulatedConv2d"/>). The epilogue
/// (<see cref="EpilogueArguments"/>) is applied in the store, as by <see cref="Conv2d"/>. In float32 the result
/// differs from the direct conv by rounding only (the transforms' coefficients are 0, ±½ and ±1).
/// </summary>
public static class WinogradConv2d
{
    private const string Op = "winograd_conv2d";

    /// <summary>Output channels per work item (the accumulators of one item: 4 channels × 2 tiles × 16).</summary>
    internal const int ChannelBlock = 4;

    /// <summary>Whether a conv of <paramref name="weight"/> (Cout×Cin×KH×KW) with <paramref name="stride"/> can run as F(2×2, 3×3).</summary>
    public static bool Supports(Shape4 weight, int stride) => weight.H == 3 && weight.W == 3 && stride == 1;

    /// <summary>
    /// Whether <paramref name="device"/> should run a 3×3 stride-1 conv by this kernel rather than the direct one: the
    /// CPU accelerator, where it does 16 multiplies per tile and input channel instead of 36 and fewer view accesses per
    /// multiply-add. GPU backends keep the direct conv (the kernel shape follows <see cref="DeviceKind"/>).
    /// </summary>
    public static bool Preferred(ComputeDevice device) => Preferred(device.Kind);

    /// <summary>Whether a device of this kind should run a 3×3 stride-1 conv by this kernel (see <see cref="Preferred(ComputeDevice)"/>).</summary>
    public static bool Preferred(DeviceKind kind) => kind == DeviceKind.Cpu;

    /// <summary>The transformed weight's shape for a Cout×Cin×3×3 weight: Cout×Cin×4×4.</summary>
    /// <exception cref="ArgumentException">The weight is not 3×3.</exception>
    public static Shape4 TransformedWeightShape(Shape4 weight)
    {
        if (weight.H != 3 || weight.W != 3)
            throw new ArgumentException($"{Op}: weight {weight} (Cout×Cin×KH×KW) must be 3×3");
        return weight with { H = 4, W = 4 };
    }

    /// <summary>
    /// U[o,i] = G g[o,i] Gᵀ, G = [[1,0,0],[½,½,½],[½,−½,½],[0,0,1]] (Lavin and Gray eq. 8), from the stored
    /// <paramref name="weight"/> (Cout×Cin×3×3, unscaled) into <paramref name="transformed"/> (Cout×Cin×4×4).
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not fit, or tensors on two devices.</exception>
    public static void TransformWeight(Tensor weight, Tensor transformed)
    {
        ConvChecks.SameDevice(Op, weight, transformed, "transformed weight");
        ConvChecks.OutputShape(Op, transformed, TransformedWeightShape(weight.Shape));
        ConvChecks.Disjoint(Op, transformed, weight, "weight");
        ConvChecks.Fits(Op, transformed, "transformed weight");
        var split = WorkSplit.For(weight.Device, (long)weight.N * weight.C);
        weight.Device.Load<ArrayView<float>, ArrayView<float>, WorkSplit>(WeightTransformKernel)(split.Threads, weight.View,
            transformed.View, split);
    }

    /// <summary>
    /// conv2d (stride 1, 3×3, any zero or reflect padding) from the transformed weight (<see cref="TransformWeight"/>)
    /// into <paramref name="output"/> (N×Cout×OH×OW, not aliasing the input) with any <paramref name="epilogue"/> in its
    /// store; the same result as <see cref="Conv2d.Forward(Tensor, Tensor, Tensor, Conv2dOptions, EpilogueArguments)"/>
    /// with the untransformed weight.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not fit, a stride other than 1, or an activation in the
    /// options (it goes in the epilogue).</exception>
    public static void Forward(Tensor input, Tensor transformedWeight, Tensor output, Conv2dOptions options,
        EpilogueArguments epilogue)
    {
        if (options.Epilogue != ActivationFunction.Identity)
            throw new ArgumentException($"{Op}: the activation goes in the epilogue arguments, not also in the options");
        if (options.Stride != 1) throw new ArgumentException($"{Op}: stride {options.Stride} must be 1");
        Validate(input, transformedWeight, output, options.Padding, epilogue);
        Launch(input, transformedWeight, null, null, output, options.Padding,
            new ConvFusion(options.WeightScale, false, false, epilogue));
    }

    /// <summary>
    /// StyleGAN2's plain modulated conv (<see cref="ModulatedConv2d.Forward(Tensor, Tensor, Tensor, Tensor?, Tensor, float, EpilogueArguments)"/>,
    /// 3×3, zero padding 1) from the transformed weight: <paramref name="style"/> N×Cin scales the input channels,
    /// <paramref name="demod"/> N×Cout (null: none) the outputs, then the epilogue.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not fit.</exception>
    public static void ForwardModulated(Tensor input, Tensor transformedWeight, Tensor style, Tensor? demod, Tensor output,
        float weightScale, EpilogueArguments epilogue)
    {
        var padding = Padding2d.Uniform(1);
        Validate(input, transformedWeight, output, padding, epilogue);
        ConvChecks.SameDevice(Op, input, style, "style");
        ConvChecks.SameDevice(Op, input, demod, "demod");
        ConvChecks.Length(Op, style, (long)input.N * input.C, "style", $"N×Cin = {input.N}×{input.C}");
        ConvChecks.Length(Op, demod, (long)input.N * transformedWeight.N, "demod", $"N×Cout = {input.N}×{transformedWeight.N}");
        Launch(input, transformedWeight, style, demod, output, padding, new ConvFusion(weightScale, true, demod is not null, epilogue));
    }

    private static void Validate(Tensor input, Tensor transformedWeight, Tensor output, Padding2d padding, EpilogueArguments epilogue)
    {
        if (transformedWeight.H != 4 || transformedWeight.W != 4)
            throw new ArgumentException($"{Op}: transformed weight {transformedWeight.Shape} must be Cout×Cin×4×4 (WinogradConv2d.TransformWeight)");
        ConvChecks.SameDevice(Op, input, transformedWeight, "transformed weight");
        Conv2d.Validate(Op, input, transformedWeight.Shape with { H = 3, W = 3 }, epilogue, output, 1, padding);
    }

    private static void Launch(Tensor input, Tensor u, Tensor? style, Tensor? demod, Tensor output, Padding2d padding, ConvFusion fusion)
    {
        var g = new WinogradGeometry(input.Device, input.Shape, output.Shape, padding, ChannelBlock);
        var empty = ArrayView<float>.Empty;
        // The kernel reads each (o, i)'s 16 transformed weights as one Tile: one view access instead of 16.
        input.Device.Load<ArrayView<float>, ArrayView<Tile>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            WinogradGeometry, ConvFusion>(TileKernel)(g.Split.Threads, input.View, u.View.Cast<Tile>(), style?.View ?? empty,
            demod?.View ?? empty, output.View, g, fusion);
    }

    // One work item per (o, i): the 3×3 g to the 4×4 G g Gᵀ.
    private static void WeightTransformKernel(Index1D index, ArrayView<float> weight, ArrayView<float> transformed, WorkSplit split)
    {
        for (int e = split.Begin(index), end = split.End(index); e < end; e++)
        {
            int p = e * 9, q = e * 16;
            // Rows of G g (4×3), then (G g) Gᵀ column by column.
            for (int r = 0; r < 4; r++)
            {
                float c0, c1, c2;
                if (r == 0) { c0 = weight[p]; c1 = weight[p + 1]; c2 = weight[p + 2]; }
                else if (r == 3) { c0 = weight[p + 6]; c1 = weight[p + 7]; c2 = weight[p + 8]; }
                else
                {
                    float sign = r == 1 ? 1f : -1f;
                    c0 = 0.5f * (weight[p] + sign * weight[p + 3] + weight[p + 6]);
                    c1 = 0.5f * (weight[p + 1] + sign * weight[p + 4] + weight[p + 7]);
                    c2 = 0.5f * (weight[p + 2] + sign * weight[p + 5] + weight[p + 8]);
                }
                transformed[q + r * 4] = c0;
                transformed[q + r * 4 + 1] = 0.5f * (c0 + c1 + c2);
                transformed[q + r * 4 + 2] = 0.5f * (c0 - c1 + c2);
                transformed[q + r * 4 + 3] = c2;
            }
        }
    }

    // A work item is ChannelBlock output channels at two horizontally adjacent 2×2 tiles (a 2×4 block of outputs),
    // so each input window load feeds 4 channels and each transformed weight two tiles. The padding map (zero or
    // reflect, and zero past the padded input for the partial tiles at the right and bottom edge) is resolved once per
    // item into row and column offsets; -1 reads as 0.
    private static void TileKernel(Index1D index, ArrayView<float> input, ArrayView<Tile> u, ArrayView<float> style,
        ArrayView<float> demod, ArrayView<float> output, WinogradGeometry g, ConvFusion f)
    {
        for (int e = g.Split.Begin(index), end = g.Split.End(index); e < end; e++)
        {
            int tx = e % g.TilePairsPerRow * 4; // output column of the item's first tile
            int t = e / g.TilePairsPerRow;
            int oy = t % g.TileRows * 2;
            t /= g.TileRows;
            int o0 = t % g.ChannelBlocks * ChannelBlock;
            int n = t / g.ChannelBlocks;

            int iy = oy - g.PadTop, ix = tx - g.PadLeft;
            int r0 = g.Row(iy), r1 = g.Row(iy + 1), r2 = g.Row(iy + 2), r3 = g.Row(iy + 3);
            int c0 = g.Column(ix), c1 = g.Column(ix + 1), c2 = g.Column(ix + 2), c3 = g.Column(ix + 3),
                c4 = g.Column(ix + 4), c5 = g.Column(ix + 5);
            int plane = g.H * g.W;
            int q0 = g.WeightOffset(o0, 0), q1 = g.WeightOffset(o0, 1), q2 = g.WeightOffset(o0, 2), q3 = g.WeightOffset(o0, 3);

            Tile a0 = default, a1 = default, a2 = default, a3 = default; // first tile, channels o0..o0+3
            Tile b0 = default, b1 = default, b2 = default, b3 = default; // second tile
            for (int ci = 0; ci < g.Cin; ci++)
            {
                int at = (n * g.Cin + ci) * plane;
                float sc = f.HasStyle != 0 ? style[n * g.Cin + ci] : 1f;
                // Bᵀ d over the 4×6 window, row by row: t0 = d0 − d2, t1 = d1 + d2, t2 = d2 − d1, t3 = d1 − d3.
                Row6 d0 = Row6.Load(input, at, r0, c0, c1, c2, c3, c4, c5, sc);
                Row6 d1 = Row6.Load(input, at, r1, c0, c1, c2, c3, c4, c5, sc);
                Row6 d2 = Row6.Load(input, at, r2, c0, c1, c2, c3, c4, c5, sc);
                Row6 d3 = Row6.Load(input, at, r3, c0, c1, c2, c3, c4, c5, sc);
                Tile v = default, w = default;
                Row6.Columns(Row6.Difference(d0, d2), ref v, ref w, 0);
                Row6.Columns(Row6.Sum(d1, d2), ref v, ref w, 1);
                Row6.Columns(Row6.Difference(d2, d1), ref v, ref w, 2);
                Row6.Columns(Row6.Difference(d1, d3), ref v, ref w, 3);

                Tile.MultiplyAdd(ref a0, ref b0, u[q0 + ci], ref v, ref w);
                Tile.MultiplyAdd(ref a1, ref b1, u[q1 + ci], ref v, ref w);
                Tile.MultiplyAdd(ref a2, ref b2, u[q2 + ci], ref v, ref w);
                Tile.MultiplyAdd(ref a3, ref b3, u[q3 + ci], ref v, ref w);
            }
            Store(output, g, f, demod, n, o0, oy, tx, ref a0);
            Store(output, g, f, demod, n, o0 + 1, oy, tx, ref a1);
            Store(output, g, f, demod, n, o0 + 2, oy, tx, ref a2);
            Store(output, g, f, demod, n, o0 + 3, oy, tx, ref a3);
            Store(output, g, f, demod, n, o0, oy, tx + 2, ref b0);
            Store(output, g, f, demod, n, o0 + 1, oy, tx + 2, ref b1);
            Store(output, g, f, demod, n, o0 + 2, oy, tx + 2, ref b2);
            Store(output, g, f, demod, n, o0 + 3, oy, tx + 2, ref b3);
        }
    }

    // Y = Aᵀ M A, Aᵀ = [[1,1,1,0],[0,1,−1,−1]], then the epilogue; pixels past the output and channels past Cout
    // (partial tiles and channel blocks) are not written.
    private static void Store(ArrayView<float> output, WinogradGeometry g, ConvFusion f, ArrayView<float> demod, int n, int o,
        int oy, int ox, ref Tile m)
    {
        if (o >= g.Cout || ox >= g.OW) return;
        float s00 = m.M00 + m.M10 + m.M20, s01 = m.M01 + m.M11 + m.M21, s02 = m.M02 + m.M12 + m.M22, s03 = m.M03 + m.M13 + m.M23;
        float s10 = m.M10 - m.M20 - m.M30, s11 = m.M11 - m.M21 - m.M31, s12 = m.M12 - m.M22 - m.M32, s13 = m.M13 - m.M23 - m.M33;
        int plane = g.OH * g.OW;
        int pixel = oy * g.OW + ox;
        int at = (n * g.Cout + o) * plane + pixel;
        bool right = ox + 1 < g.OW, below = oy + 1 < g.OH;
        output[at] = f.Finish(s00 + s01 + s02, n, o, g.Cout, demod, f.Epilogue.NoiseAt(n, pixel, plane), at);
        if (right)
            output[at + 1] = f.Finish(s01 - s02 - s03, n, o, g.Cout, demod, f.Epilogue.NoiseAt(n, pixel + 1, plane), at + 1);
        if (below)
        {
            int w = g.OW;
            output[at + w] = f.Finish(s10 + s11 + s12, n, o, g.Cout, demod, f.Epilogue.NoiseAt(n, pixel + w, plane), at + w);
            if (right)
                output[at + w + 1] = f.Finish(s11 - s12 - s13, n, o, g.Cout, demod, f.Epilogue.NoiseAt(n, pixel + w + 1, plane),
                    at + w + 1);
        }
    }

    /// <summary>A 4×4 tile in registers (or the stack): a transformed input window or an accumulator.</summary>
    internal struct Tile
    {
        public float M00, M01, M02, M03, M10, M11, M12, M13, M20, M21, M22, M23, M30, M31, M32, M33;

        /// <summary>a += U ⊙ v and b += U ⊙ w: each transformed weight loaded once for two tiles.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void MultiplyAdd(ref Tile a, ref Tile b, Tile u, ref Tile v, ref Tile w)
        {
            a.M00 += u.M00 * v.M00; b.M00 += u.M00 * w.M00;
            a.M01 += u.M01 * v.M01; b.M01 += u.M01 * w.M01;
            a.M02 += u.M02 * v.M02; b.M02 += u.M02 * w.M02;
            a.M03 += u.M03 * v.M03; b.M03 += u.M03 * w.M03;
            a.M10 += u.M10 * v.M10; b.M10 += u.M10 * w.M10;
            a.M11 += u.M11 * v.M11; b.M11 += u.M11 * w.M11;
            a.M12 += u.M12 * v.M12; b.M12 += u.M12 * w.M12;
            a.M13 += u.M13 * v.M13; b.M13 += u.M13 * w.M13;
            a.M20 += u.M20 * v.M20; b.M20 += u.M20 * w.M20;
            a.M21 += u.M21 * v.M21; b.M21 += u.M21 * w.M21;
            a.M22 += u.M22 * v.M22; b.M22 += u.M22 * w.M22;
            a.M23 += u.M23 * v.M23; b.M23 += u.M23 * w.M23;
            a.M30 += u.M30 * v.M30; b.M30 += u.M30 * w.M30;
            a.M31 += u.M31 * v.M31; b.M31 += u.M31 * w.M31;
            a.M32 += u.M32 * v.M32; b.M32 += u.M32 * w.M32;
            a.M33 += u.M33 * v.M33; b.M33 += u.M33 * w.M33;
        }
    }

    /// <summary>One row of the 4×6 input window of two adjacent tiles.</summary>
    private struct Row6
    {
        public float X0, X1, X2, X3, X4, X5;

        /// <summary>The row at offset <paramref name="row"/> (−1: zero) of the plane at <paramref name="at"/>, times <paramref name="scale"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Row6 Load(ArrayView<float> input, int at, int row, int c0, int c1, int c2, int c3, int c4, int c5, float scale)
        {
            Row6 r = default;
            if (row < 0) return r;
            int p = at + row;
            r.X0 = c0 < 0 ? 0f : input[p + c0] * scale;
            r.X1 = c1 < 0 ? 0f : input[p + c1] * scale;
            r.X2 = c2 < 0 ? 0f : input[p + c2] * scale;
            r.X3 = c3 < 0 ? 0f : input[p + c3] * scale;
            r.X4 = c4 < 0 ? 0f : input[p + c4] * scale;
            r.X5 = c5 < 0 ? 0f : input[p + c5] * scale;
            return r;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Row6 Sum(Row6 a, Row6 b)
        {
            Row6 r;
            r.X0 = a.X0 + b.X0; r.X1 = a.X1 + b.X1; r.X2 = a.X2 + b.X2; r.X3 = a.X3 + b.X3; r.X4 = a.X4 + b.X4; r.X5 = a.X5 + b.X5;
            return r;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Row6 Difference(Row6 a, Row6 b)
        {
            Row6 r;
            r.X0 = a.X0 - b.X0; r.X1 = a.X1 - b.X1; r.X2 = a.X2 - b.X2; r.X3 = a.X3 - b.X3; r.X4 = a.X4 - b.X4; r.X5 = a.X5 - b.X5;
            return r;
        }

        /// <summary>
        /// (Bᵀ d) B for row <paramref name="i"/> of both tiles (columns 0–3 into v, 2–5 into w):
        /// v0 = t0 − t2, v1 = t1 + t2, v2 = t2 − t1, v3 = t1 − t3.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Columns(Row6 t, ref Tile v, ref Tile w, int i)
        {
            float a0 = t.X0 - t.X2, a1 = t.X1 + t.X2, a2 = t.X2 - t.X1, a3 = t.X1 - t.X3;
            float b0 = t.X2 - t.X4, b1 = t.X3 + t.X4, b2 = t.X4 - t.X3, b3 = t.X3 - t.X5;
            if (i == 0) { v.M00 = a0; v.M01 = a1; v.M02 = a2; v.M03 = a3; w.M00 = b0; w.M01 = b1; w.M02 = b2; w.M03 = b3; }
            else if (i == 1) { v.M10 = a0; v.M11 = a1; v.M12 = a2; v.M13 = a3; w.M10 = b0; w.M11 = b1; w.M12 = b2; w.M13 = b3; }
            else if (i == 2) { v.M20 = a0; v.M21 = a1; v.M22 = a2; v.M23 = a3; w.M20 = b0; w.M21 = b1; w.M22 = b2; w.M23 = b3; }
            else { v.M30 = a0; v.M31 = a1; v.M32 = a2; v.M33 = a3; w.M30 = b0; w.M31 = b1; w.M32 = b2; w.M33 = b3; }
        }
    }
}

/// <summary>
/// The index geometry of <see cref="WinogradConv2d"/>: output tiles of 2×2, two per work item along a row, and
/// blocks of output channels; the padding map as offsets (−1: a zero).
/// </summary>
internal readonly struct WinogradGeometry
{
    public readonly int N, Cin, H, W, Cout, OH, OW;
    public readonly int TileRows, TilePairsPerRow, ChannelBlocks;
    public readonly int PadTop, PadLeft, Reflect;
    public readonly WorkSplit Split;

    public WinogradGeometry(ComputeDevice device, Shape4 input, Shape4 output, Padding2d padding, int channelBlock)
    {
        N = input.N; Cin = input.C; H = input.H; W = input.W;
        Cout = output.C; OH = output.H; OW = output.W;
        TileRows = (OH + 1) / 2;
        TilePairsPerRow = (OW + 3) / 4;
        ChannelBlocks = (Cout + channelBlock - 1) / channelBlock;
        PadTop = padding.Top; PadLeft = padding.Left;
        Reflect = padding.Mode == PaddingMode.Reflect ? 1 : 0;
        Split = WorkSplit.For(device, (long)N * ChannelBlocks * TileRows * TilePairsPerRow);
    }

    /// <summary>Channel o0 + k's first transformed 4×4 weight, counted in 4×4 tiles (Cout×Cin of them); channels past Cout
    /// read the last one (not stored).</summary>
    public int WeightOffset(int o0, int k) => (o0 + k < Cout ? o0 + k : Cout - 1) * Cin;

    /// <summary>The offset y·W of padded row <paramref name="y"/> (input coordinates), −1 for a zero.</summary>
    public int Row(int y)
    {
        int m = Map(y, H, OH + 2 - PadTop);
        return m < 0 ? -1 : m * W;
    }

    /// <summary>The column of padded column <paramref name="x"/>, −1 for a zero.</summary>
    public int Column(int x) => Map(x, W, OW + 2 - PadLeft);

    // Inside the input: itself. In the padding: zero, or ReflectionPad2d's mirror. Past the padded input (only the
    // partial tiles read there, for outputs they do not store): zero.
    private int Map(int v, int size, int paddedEnd)
    {
        if (v >= 0 && v < size) return v;
        if (v >= paddedEnd || Reflect == 0) return -1;
        if (v < 0) return -v;
        return 2 * size - 2 - v;
    }
}
