using ILGPU;

namespace CineKernel.Kernels;

/// <summary>How a <see cref="Conv2d"/> call is configured; the defaults are torch's conv2d with no padding.</summary>
public sealed record Conv2dOptions
{
    public int Stride { get; init; } = 1;

    public Padding2d Padding { get; init; }

    /// <summary>Multiplies the weight at use (equalised learning rate: 1/√fan_in), so weights stay as stored.</summary>
    public float WeightScale { get; init; } = 1f;

    public Epilogue Epilogue { get; init; } = Epilogue.None;
}

/// <summary>
/// 2-D convolution (cross-correlation, as torch's conv2d) with a fused epilogue:
/// out[n,o,y,x] = act(weightScale · Σ_{i,ky,kx} W[o,i,ky,kx] · xpad[n,i,y·s+ky,x·s+kx] + bias[o]) · gain.
/// Weight layout Cout×Cin×KH×KW; any kernel size; zero or reflect padding per side.
/// </summary>
public static class Conv2d
{
    private const string Op = "conv2d";

    public static Shape4 OutputShape(Shape4 input, Shape4 weight, int stride, Padding2d padding)
    {
        int oh = (input.H + padding.Top + padding.Bottom - weight.H) / stride + 1;
        int ow = (input.W + padding.Left + padding.Right - weight.W) / stride + 1;
        return new Shape4(input.N, weight.N, oh, ow);
    }

    /// <summary>Runs the conv into <paramref name="output"/> (allocated by the caller, not aliasing the input).</summary>
    public static void Forward(Tensor input, Tensor weight, Tensor? bias, Tensor output, Conv2dOptions options)
    {
        Validate(Op, input, weight, bias, output, options.Stride, options.Padding, options.Epilogue);
        Launch(input, weight, bias, style: null, demod: null, output, options.Stride, options.Padding,
            new ConvFusion(options.WeightScale, false, false, bias is not null, options.Epilogue));
    }

    internal static void Validate(string op, Tensor input, Tensor weight, Tensor? bias, Tensor output, int stride,
        Padding2d padding, Epilogue epilogue)
    {
        ConvChecks.SameDevice(op, input, weight, "weight");
        ConvChecks.SameDevice(op, input, bias, "bias");
        ConvChecks.SameDevice(op, input, output, "output");
        if (stride < 1) throw new ArgumentException($"{op}: stride {stride} must be at least 1");
        if (padding.Top < 0 || padding.Bottom < 0 || padding.Left < 0 || padding.Right < 0)
            throw new ArgumentException($"{op}: padding {padding} must not be negative");
        if (weight.C != input.C)
            throw new ArgumentException($"{op}: weight {weight.Shape} (Cout×Cin×KH×KW) expects {weight.C} input channels, input {input.Shape} has {input.C}");
        if (padding.Mode == PaddingMode.Reflect &&
            (padding.Top >= input.H || padding.Bottom >= input.H || padding.Left >= input.W || padding.Right >= input.W))
            throw new ArgumentException($"{op}: reflect padding {padding} must be smaller than the input {input.Shape} (as torch ReflectionPad2d)");
        if (input.H + padding.Top + padding.Bottom < weight.H || input.W + padding.Left + padding.Right < weight.W)
            throw new ArgumentException($"{op}: kernel {weight.H}×{weight.W} is larger than the padded input {input.Shape} {padding}");
        ConvChecks.Length(op, bias, weight.N, "bias", "one per output channel");
        ConvChecks.OutputShape(op, output, OutputShape(input.Shape, weight.Shape, stride, padding));
        ConvChecks.Disjoint(op, output, input, "input");
        ConvChecks.Fits(op, input, "input");
        ConvChecks.Fits(op, output, "output");
        epilogue.Validate(op);
    }

    /// <summary>The one direct-conv launch; <see cref="ModulatedConv2d"/> reuses it with style and demod.</summary>
    internal static void Launch(Tensor input, Tensor weight, Tensor? bias, Tensor? style, Tensor? demod, Tensor output,
        int stride, Padding2d padding, ConvFusion fusion)
    {
        var geometry = new ConvGeometry(input.Device, input.Shape, output.Shape, weight.H, weight.W, stride, padding.Top,
            padding.Left, padding.Mode == PaddingMode.Reflect, weightInStride: weight.H * weight.W,
            weightOutStride: weight.C * weight.H * weight.W);
        var empty = ArrayView<float>.Empty;
        input.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ConvGeometry, ConvFusion>(DirectKernel)(
            geometry.Split.Threads, input.View, weight.View, bias?.View ?? empty, style?.View ?? empty, demod?.View ?? empty,
            output.View, geometry, fusion);
    }

    // A work item is a block of four output channels at one output pixel (ConvGeometry). With zero
    // padding, or a window inside the input, the taps are clipped to the input once per item and the
    // inner loops (input channel, ky, kx) read memory directly; reflect-padded border pixels run the
    // same loops over every tap through the mirror map.
    private static void DirectKernel(Index1D index, ArrayView<float> input, ArrayView<float> weight, ArrayView<float> bias,
        ArrayView<float> style, ArrayView<float> demod, ArrayView<float> output, ConvGeometry g, ConvFusion f)
    {
        int plane = g.H * g.W;
        for (int e = g.Split.Begin(index), end = g.Split.End(index); e < end; e++)
        {
            int ox = e % g.OW;
            int t = e / g.OW;
            int oy = t % g.OH;
            t /= g.OH;
            int o0 = t % g.ChannelBlocks * ConvGeometry.ChannelBlock;
            int n = t / g.ChannelBlocks;

            int iy0 = oy * g.Stride - g.PadTop;
            int ix0 = ox * g.Stride - g.PadLeft;
            bool inside = iy0 >= 0 && ix0 >= 0 && iy0 + g.KH <= g.H && ix0 + g.KW <= g.W;
            bool mirror = g.Reflect != 0 && !inside;
            int kyBegin = mirror || iy0 >= 0 ? 0 : -iy0;
            int kyEnd = mirror || g.H - iy0 >= g.KH ? g.KH : g.H - iy0;
            int kxBegin = mirror || ix0 >= 0 ? 0 : -ix0;
            int kxEnd = mirror || g.W - ix0 >= g.KW ? g.KW : g.W - ix0;

            int w0 = g.WeightOffset(o0, 0), w1 = g.WeightOffset(o0, 1), w2 = g.WeightOffset(o0, 2), w3 = g.WeightOffset(o0, 3);
            int inSample = n * g.Cin * plane;
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            for (int ci = 0; ci < g.Cin; ci++)
            {
                int inPlane = inSample + ci * plane;
                int wChannel = ci * g.WeightInStride;
                float p0 = 0f, p1 = 0f, p2 = 0f, p3 = 0f;
                for (int ky = kyBegin; ky < kyEnd; ky++)
                {
                    int iy = mirror ? Reflect(iy0 + ky, g.H) : iy0 + ky;
                    int inRow = inPlane + iy * g.W;
                    int wRow = wChannel + ky * g.KW;
                    for (int kx = kxBegin; kx < kxEnd; kx++)
                    {
                        float v = input[inRow + (mirror ? Reflect(ix0 + kx, g.W) : ix0 + kx)];
                        int tap = wRow + kx;
                        p0 += v * weight[w0 + tap];
                        p1 += v * weight[w1 + tap];
                        p2 += v * weight[w2 + tap];
                        p3 += v * weight[w3 + tap];
                    }
                }
                // Modulation: the style scales input channel ci (DESIGN.md "Performance").
                float s = f.HasStyle != 0 ? style[n * g.Cin + ci] : 1f;
                a0 += p0 * s;
                a1 += p1 * s;
                a2 += p2 * s;
                a3 += p3 * s;
            }
            f.StoreBlock(output, ((n * g.Cout + o0) * g.OH + oy) * g.OW + ox, g.OH * g.OW, n, o0, g.Cout, a0, a1, a2, a3,
                bias, demod);
        }
    }

    /// <summary>ReflectionPad2d's index map (valid for pads smaller than the size, which Validate ensures).</summary>
    private static int Reflect(int v, int size)
    {
        if (v < 0) v = -v;
        if (v >= size) v = 2 * size - 2 - v;
        return v;
    }
}
