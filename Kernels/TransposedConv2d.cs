using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// Transposed 2-D convolution with padding 0 (torch's conv_transpose2d): every input pixel (iy, ix)
/// adds x·W[i,o,ky,kx] to output (iy·s+ky, ix·s+kx), so the output is ((H−1)·s+KH)×((W−1)·s+KW).
/// Weight layout Cin×Cout×KH×KW. StyleGAN2's upsampling conv is this with stride 2 followed by a blur
/// (DESIGN.md "Modulated conv"; <see cref="ModulatedConv2d.ForwardUpsample(Tensor, Tensor, Tensor, Tensor?, Tensor, Tensor, Tensor, float, EpilogueArguments)"/>).
/// </summary>
public static class TransposedConv2d
{
    private const string Op = "conv_transpose2d";

    public static Shape4 OutputShape(Shape4 input, int cout, int kh, int kw, int stride) =>
        new(input.N, cout, (input.H - 1) * stride + kh, (input.W - 1) * stride + kw);

    /// <summary>
    /// out = act(weightScale · conv_transpose2d(x, W, stride) + bias) · gain into <paramref name="output"/>
    /// (allocated by the caller, not aliasing the input).
    /// </summary>
    public static void Forward(Tensor input, Tensor weight, Tensor? bias, Tensor output, int stride,
        float weightScale = 1f, ActivationFunction? epilogue = null)
    {
        var ep = new EpilogueArguments { Bias = bias, Activation = epilogue ?? ActivationFunction.Identity };
        if (weight.N != input.C)
            throw new ArgumentException($"{Op}: weight {weight.Shape} (Cin×Cout×KH×KW) expects {weight.N} input channels, input {input.Shape} has {input.C}");
        Validate(Op, input, weight, ep, output, cout: weight.C, stride);
        Launch(input, weight, style: null, demod: null, output, stride, weightInStride: weight.C * weight.H * weight.W,
            weightOutStride: weight.H * weight.W, new ConvFusion(weightScale, false, false, ep));
    }

    internal static void Validate(string op, Tensor input, Tensor weight, EpilogueArguments epilogue, Tensor output, int cout, int stride)
    {
        ConvChecks.SameDevice(op, input, weight, "weight");
        ConvChecks.SameDevice(op, input, output, "output");
        if (stride < 1) throw new ArgumentException($"{op}: stride {stride} must be at least 1");
        ConvChecks.Length(op, epilogue.Bias, cout, "bias", "one per output channel");
        ConvChecks.OutputShape(op, output, OutputShape(input.Shape, cout, weight.H, weight.W, stride));
        ConvChecks.Disjoint(op, output, input, "input");
        ConvChecks.Fits(op, input, "input");
        ConvChecks.Fits(op, output, "output");
        epilogue.Validate(op, output);
    }

    /// <summary>
    /// The one transposed-conv launch. The weight strides say where W[i,o] lives, so the modulated
    /// upsampling conv passes its Cout×Cin weight as is and reads it transposed, as the original's
    /// weight.transpose(1, 2) does, without a copy.
    /// </summary>
    internal static void Launch(Tensor input, Tensor weight, Tensor? style, Tensor? demod, Tensor output,
        int stride, int weightInStride, int weightOutStride, ConvFusion fusion)
    {
        var geometry = new ConvGeometry(input.Device, input.Shape, output.Shape, weight.H, weight.W, stride, padTop: 0,
            padLeft: 0, reflect: false, weightInStride, weightOutStride, pixelsPerItem: 1);
        var empty = ArrayView<float>.Empty;
        if (stride == 2 && weight.H == 3 && weight.W == 3)
        {
            // StyleGAN2's upsampling conv: the phase-block kernel, with each (i, o)'s nine taps read as one Taps3x3
            // (both weight strides are whole multiples of 9).
            var blocks = WorkSplit.For(input.Device, (long)input.N * geometry.ChannelBlocks * (input.H + 1) * (input.W + 1));
            input.Device.Load<ArrayView<float>, ArrayView<Taps3x3>, ArrayView<float>, ArrayView<float>,
                ArrayView<float>, ConvGeometry, ConvFusion, WorkSplit>(PhaseBlockKernel)(
                blocks.Threads, input.View, weight.View.Cast<Taps3x3>(), style?.View ?? empty, demod?.View ?? empty,
                output.View, geometry, fusion, blocks);
            return;
        }
        input.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ConvGeometry, ConvFusion>(GatherKernel)(
            geometry.Split.Threads, input.View, weight.View, style?.View ?? empty, demod?.View ?? empty,
            output.View, geometry, fusion);
    }

    /// <summary>The nine taps of one (input, output) channel pair of a 3×3 weight, row by row.</summary>
    internal struct Taps3x3
    {
        public float K00, K01, K02, K10, K11, K12, K20, K21, K22;
    }

    // Stride 2, 3×3 (the form of every upsampling conv in StyleGAN2): output pixel (2a + dy, 2b + dx) takes tap
    // ky = dy from input row a and, for dy = 0, also ky = 2 from row a − 1 (likewise for x). A work item is the 2×2
    // output block of input position (a, b), a in [0, H], b in [0, W], at four output channels: per input channel it
    // reads the 2×2 input window (a−1..a, b−1..b; rows and columns outside the input read as 0) and four weight taps
    // structs, for 36 multiply-adds (the gather form: 1 input and 4 weight reads per 4). Each output's terms are summed
    // in the gather form's order (ky, then kx, ascending).
    private static void PhaseBlockKernel(Index1D index, ArrayView<float> input, ArrayView<Taps3x3> weight,
        ArrayView<float> style, ArrayView<float> demod, ArrayView<float> output, ConvGeometry g, ConvFusion f, WorkSplit blocks)
    {
        int plane = g.H * g.W;
        int blockCols = g.W + 1, blockRows = g.H + 1;
        for (int e = blocks.Begin(index), end = blocks.End(index); e < end; e++)
        {
            int b = e % blockCols;
            int t = e / blockCols;
            int a = t % blockRows;
            t /= blockRows;
            int o0 = t % g.ChannelBlocks * ConvGeometry.ChannelBlock;
            int n = t / g.ChannelBlocks;

            bool rowA = a < g.H, rowUp = a >= 1, colB = b < g.W, colLeft = b >= 1;
            int w0 = g.WeightOffset(o0, 0) / 9, w1 = g.WeightOffset(o0, 1) / 9, w2 = g.WeightOffset(o0, 2) / 9, w3 = g.WeightOffset(o0, 3) / 9;
            int wIn = g.WeightInStride / 9;
            var s0 = default(PhaseBlock);
            var s1 = default(PhaseBlock);
            var s2 = default(PhaseBlock);
            var s3 = default(PhaseBlock);
            for (int ci = 0; ci < g.Cin; ci++)
            {
                int at = (n * g.Cin + ci) * plane + a * g.W + b;
                // x11 = x[a][b], x10 = x[a][b−1], x01 = x[a−1][b], x00 = x[a−1][b−1].
                float x11 = rowA && colB ? input[at] : 0f;
                float x10 = rowA && colLeft ? input[at - 1] : 0f;
                float x01 = rowUp && colB ? input[at - g.W] : 0f;
                float x00 = rowUp && colLeft ? input[at - g.W - 1] : 0f;
                float sc = f.HasStyle != 0 ? style[n * g.Cin + ci] : 1f;
                int k = ci * wIn;
                s0.Add(weight[w0 + k], x00, x01, x10, x11, sc);
                s1.Add(weight[w1 + k], x00, x01, x10, x11, sc);
                s2.Add(weight[w2 + k], x00, x01, x10, x11, sc);
                s3.Add(weight[w3 + k], x00, x01, x10, x11, sc);
            }
            int y = 2 * a, x = 2 * b;
            int oPlane = g.OH * g.OW;
            int first = ((n * g.Cout + o0) * g.OH + y) * g.OW + x;
            bool right = x + 1 < g.OW, below = y + 1 < g.OH;
            f.StoreBlock(output, first, oPlane, n, o0, g.Cout, s0.Y00, s1.Y00, s2.Y00, s3.Y00, demod);
            if (right) f.StoreBlock(output, first + 1, oPlane, n, o0, g.Cout, s0.Y01, s1.Y01, s2.Y01, s3.Y01, demod);
            if (below) f.StoreBlock(output, first + g.OW, oPlane, n, o0, g.Cout, s0.Y10, s1.Y10, s2.Y10, s3.Y10, demod);
            if (right && below) f.StoreBlock(output, first + g.OW + 1, oPlane, n, o0, g.Cout, s0.Y11, s1.Y11, s2.Y11, s3.Y11, demod);
        }
    }

    /// <summary>One output channel's sums at the 2×2 output block of <see cref="PhaseBlockKernel"/>.</summary>
    private struct PhaseBlock
    {
        public float Y00, Y01, Y10, Y11;

        /// <summary>
        /// Adds one input channel: each output's taps (as the gather form sums them: ky ascending, then kx), times the
        /// channel's style.
        /// </summary>
        public void Add(Taps3x3 w, float x00, float x01, float x10, float x11, float style)
        {
            // (2a, 2b): (0,0)·x[a][b], (0,2)·x[a][b−1], (2,0)·x[a−1][b], (2,2)·x[a−1][b−1]; the gather form visits
            // ky = 0 first (input row a), kx = 0 first (column b).
            Y00 += (w.K00 * x11 + w.K02 * x10 + w.K20 * x01 + w.K22 * x00) * style;
            Y01 += (w.K01 * x11 + w.K21 * x01) * style;
            Y10 += (w.K10 * x11 + w.K12 * x10) * style;
            Y11 += w.K11 * x11 * style;
        }
    }

    // Gather form, no atomics; a work item is a block of four output channels at one output pixel
    // (ConvGeometry). Output row y receives the taps ky ≡ y (mod s) from input row (y − ky)/s, when
    // that row exists; likewise for x.
    private static void GatherKernel(Index1D index, ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> style, ArrayView<float> demod, ArrayView<float> output, ConvGeometry g, ConvFusion f)
    {
        int s = g.Stride;
        int plane = g.H * g.W;
        for (int e = g.Split.Begin(index), end = g.Split.End(index); e < end; e++)
        {
            int x = e % g.OW;
            int t = e / g.OW;
            int y = t % g.OH;
            t /= g.OH;
            int o0 = t % g.ChannelBlocks * ConvGeometry.ChannelBlock;
            int n = t / g.ChannelBlocks;

            // Taps ky = y − s·iy for input rows iy with 0 ≤ ky < KH and 0 ≤ iy < H, from the last such row down.
            int iyLast = y / s < g.H - 1 ? y / s : g.H - 1;
            int kyFirst = y - s * iyLast;
            int ixLast = x / s < g.W - 1 ? x / s : g.W - 1;
            int kxFirst = x - s * ixLast;

            int w0 = g.WeightOffset(o0, 0), w1 = g.WeightOffset(o0, 1), w2 = g.WeightOffset(o0, 2), w3 = g.WeightOffset(o0, 3);
            int inSample = n * g.Cin * plane;
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            for (int ci = 0; ci < g.Cin; ci++)
            {
                int inPlane = inSample + ci * plane;
                int wChannel = ci * g.WeightInStride;
                float p0 = 0f, p1 = 0f, p2 = 0f, p3 = 0f;
                for (int ky = kyFirst, iy = iyLast; ky < g.KH && iy >= 0; ky += s, iy--)
                {
                    int inRow = inPlane + iy * g.W;
                    int wRow = wChannel + ky * g.KW;
                    for (int kx = kxFirst, ix = ixLast; kx < g.KW && ix >= 0; kx += s, ix--)
                    {
                        float v = input[inRow + ix];
                        int tap = wRow + kx;
                        p0 += v * weight[w0 + tap];
                        p1 += v * weight[w1 + tap];
                        p2 += v * weight[w2 + tap];
                        p3 += v * weight[w3 + tap];
                    }
                }
                float sc = f.HasStyle != 0 ? style[n * g.Cin + ci] : 1f;
                a0 += p0 * sc;
                a1 += p1 * sc;
                a2 += p2 * sc;
                a3 += p3 * sc;
            }
            f.StoreBlock(output, ((n * g.Cout + o0) * g.OH + y) * g.OW + x, g.OH * g.OW, n, o0, g.Cout, a0, a1, a2, a3,
                demod);
        }
    }
}
