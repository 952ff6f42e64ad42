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
        input.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ConvGeometry, ConvFusion>(GatherKernel)(
            geometry.Split.Threads, input.View, weight.View, style?.View ?? empty, demod?.View ?? empty,
            output.View, geometry, fusion);
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
