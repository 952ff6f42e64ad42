using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// 2-D convolution (cross-correlation, as torch's conv2d) with a fused epilogue (<see cref="EpilogueArguments"/>):
/// out[n,o,y,x] = epilogue(weightScale · Σ_{i,ky,kx} W[o,i,ky,kx] · xpad[n,i,y·s+ky,x·s+kx]), e.g. act(… + bias[o]) · gain.
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
    public static void Forward(Tensor input, Tensor weight, Tensor? bias, Tensor output, Conv2dOptions options) =>
        Forward(input, weight, output, options with { Epilogue = ActivationFunction.Identity },
            new EpilogueArguments { Bias = bias, Activation = options.Epilogue });

    /// <summary>
    /// Runs the conv into <paramref name="output"/> (N×Cout×OH×OW, allocated by the caller, not aliasing the input)
    /// with any <paramref name="epilogue"/> in its store: bias (Cout), noise plane (1×1×OH×OW or N×1×OH×OW),
    /// activation, scale and shift.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not fit, or <paramref name="options"/> naming an activation
    /// too (give it in one place: the epilogue).</exception>
    public static void Forward(Tensor input, Tensor weight, Tensor output, Conv2dOptions options, EpilogueArguments epilogue)
    {
        if (options.Epilogue != ActivationFunction.Identity)
            throw new ArgumentException($"{Op}: the activation goes in the epilogue arguments, not also in the options");
        Validate(Op, input, weight, epilogue, output, options.Stride, options.Padding);
        Launch(input, weight, style: null, demod: null, output, options.Stride, options.Padding,
            new ConvFusion(options.WeightScale, false, false, epilogue), options.Mapping);
    }

    internal static void Validate(string op, Tensor input, Tensor weight, EpilogueArguments epilogue, Tensor output, int stride,
        Padding2d padding)
    {
        ConvChecks.SameDevice(op, input, weight, "weight");
        Validate(op, input, weight.Shape, epilogue, output, stride, padding);
    }

    /// <summary>The checks of a conv by a weight of shape <paramref name="weight"/> (Cout×Cin×KH×KW), wherever it is stored.</summary>
    internal static void Validate(string op, Tensor input, Shape4 weight, EpilogueArguments epilogue, Tensor output, int stride,
        Padding2d padding)
    {
        ConvChecks.SameDevice(op, input, output, "output");
        if (stride < 1) throw new ArgumentException($"{op}: stride {stride} must be at least 1");
        if (padding.Top < 0 || padding.Bottom < 0 || padding.Left < 0 || padding.Right < 0)
            throw new ArgumentException($"{op}: padding {padding} must not be negative");
        if (weight.C != input.C)
            throw new ArgumentException($"{op}: weight {weight} (Cout×Cin×KH×KW) expects {weight.C} input channels, input {input.Shape} has {input.C}");
        if (padding.Mode == PaddingMode.Reflect &&
            (padding.Top >= input.H || padding.Bottom >= input.H || padding.Left >= input.W || padding.Right >= input.W))
            throw new ArgumentException($"{op}: reflect padding {padding} must be smaller than the input {input.Shape} (as torch ReflectionPad2d)");
        if (input.H + padding.Top + padding.Bottom < weight.H || input.W + padding.Left + padding.Right < weight.W)
            throw new ArgumentException($"{op}: kernel {weight.H}×{weight.W} is larger than the padded input {input.Shape} {padding}");
        ConvChecks.Length(op, epilogue.Bias, weight.N, "bias", "one per output channel");
        ConvChecks.OutputShape(op, output, OutputShape(input.Shape, weight, stride, padding));
        ConvChecks.Disjoint(op, output, input, "input");
        ConvChecks.Fits(op, input, "input");
        ConvChecks.Fits(op, output, "output");
        epilogue.Validate(op, output);
    }

    /// <summary>
    /// The one direct-conv launch; <see cref="ModulatedConv2d"/> reuses it with style and demod. The mapping
    /// (<see cref="ConvMapping"/>) follows the device unless a test forces one.
    /// </summary>
    internal static void Launch(Tensor input, Tensor weight, Tensor? style, Tensor? demod, Tensor output,
        int stride, Padding2d padding, ConvFusion fusion, ConvMapping mapping = ConvMapping.Auto)
    {
        var geometry = new ConvGeometry(input.Device, input.Shape, output.Shape, weight.H, weight.W, stride, padding.Top,
            padding.Left, padding.Mode == PaddingMode.Reflect, weightInStride: weight.H * weight.W,
            weightOutStride: weight.C * weight.H * weight.W, pixelsPerItem: 2);
        if (mapping == ConvMapping.ImplicitGemm || (mapping == ConvMapping.Auto && input.Device.IsGpu))
        {
            ImplicitGemmConv2d.Launch(input, weight, style, demod, output, geometry, fusion);
            return;
        }
        var empty = ArrayView<float>.Empty;
        input.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ConvGeometry, ConvFusion>(DirectKernel)(
            geometry.Split.Threads, input.View, weight.View, style?.View ?? empty, demod?.View ?? empty,
            output.View, geometry, fusion);
    }

    // A work item is four output channels at two horizontally adjacent output pixels (ConvGeometry).
    // Pairs whose windows lie inside the input (most of them) take the unrolled interior loop; the
    // others, and a last lone pixel of an odd row, go pixel by pixel through the border loop.
    private static void DirectKernel(Index1D index, ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> style, ArrayView<float> demod, ArrayView<float> output, ConvGeometry g, ConvFusion f)
    {
        for (int e = g.Split.Begin(index), end = g.Split.End(index); e < end; e++)
        {
            int ox = e % g.ItemsPerRow * 2;
            int t = e / g.ItemsPerRow;
            int oy = t % g.OH;
            t /= g.OH;
            int o0 = t % g.ChannelBlocks * ConvGeometry.ChannelBlock;
            int n = t / g.ChannelBlocks;

            int iy0 = oy * g.Stride - g.PadTop;
            int ix0 = ox * g.Stride - g.PadLeft;
            bool pairInside = ox + 1 < g.OW && iy0 >= 0 && ix0 >= 0 && iy0 + g.KH <= g.H && ix0 + g.Stride + g.KW <= g.W;
            if (pairInside)
            {
                InteriorPair(input, weight, style, demod, output, g, f, n, o0, oy, ox);
            }
            else
            {
                BorderPixel(input, weight, style, demod, output, g, f, n, o0, oy, ox);
                if (ox + 1 < g.OW) BorderPixel(input, weight, style, demod, output, g, f, n, o0, oy, ox + 1);
            }
        }
    }

    // Output pixels (oy, ox) and (oy, ox + 1), both windows inside the input: no bounds logic, taps
    // unrolled by three (a 3×3 row in one step; 7 = 3 + 3 + 1), each weight feeding both pixels.
    private static void InteriorPair(ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> style, ArrayView<float> demod, ArrayView<float> output, ConvGeometry g, ConvFusion f,
        int n, int o0, int oy, int ox)
    {
        int s = g.Stride;
        int plane = g.H * g.W;
        int origin = n * g.Cin * plane + (oy * s - g.PadTop) * g.W + ox * s - g.PadLeft;
        int w0 = g.WeightOffset(o0, 0), w1 = g.WeightOffset(o0, 1), w2 = g.WeightOffset(o0, 2), w3 = g.WeightOffset(o0, 3);
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f; // pixel ox, channels o0..o0+3
        float b0 = 0f, b1 = 0f, b2 = 0f, b3 = 0f; // pixel ox + 1
        for (int ci = 0; ci < g.Cin; ci++)
        {
            float pa0 = 0f, pa1 = 0f, pa2 = 0f, pa3 = 0f, pb0 = 0f, pb1 = 0f, pb2 = 0f, pb3 = 0f;
            for (int ky = 0; ky < g.KH; ky++)
            {
                int row = origin + ci * plane + ky * g.W;
                int wRow = ci * g.WeightInStride + ky * g.KW;
                int kx = 0;
                for (; kx + 3 <= g.KW; kx += 3)
                {
                    int p = row + kx;
                    float x0 = input[p], x1 = input[p + 1], x2 = input[p + 2];
                    float y0 = input[p + s], y1 = input[p + s + 1], y2 = input[p + s + 2];
                    int q = wRow + kx;
                    float v0 = weight[w0 + q], v1 = weight[w0 + q + 1], v2 = weight[w0 + q + 2];
                    pa0 += x0 * v0 + x1 * v1 + x2 * v2;
                    pb0 += y0 * v0 + y1 * v1 + y2 * v2;
                    v0 = weight[w1 + q]; v1 = weight[w1 + q + 1]; v2 = weight[w1 + q + 2];
                    pa1 += x0 * v0 + x1 * v1 + x2 * v2;
                    pb1 += y0 * v0 + y1 * v1 + y2 * v2;
                    v0 = weight[w2 + q]; v1 = weight[w2 + q + 1]; v2 = weight[w2 + q + 2];
                    pa2 += x0 * v0 + x1 * v1 + x2 * v2;
                    pb2 += y0 * v0 + y1 * v1 + y2 * v2;
                    v0 = weight[w3 + q]; v1 = weight[w3 + q + 1]; v2 = weight[w3 + q + 2];
                    pa3 += x0 * v0 + x1 * v1 + x2 * v2;
                    pb3 += y0 * v0 + y1 * v1 + y2 * v2;
                }
                for (; kx < g.KW; kx++)
                {
                    float xa = input[row + kx], xb = input[row + kx + s];
                    int q = wRow + kx;
                    float v = weight[w0 + q];
                    pa0 += xa * v;
                    pb0 += xb * v;
                    v = weight[w1 + q];
                    pa1 += xa * v;
                    pb1 += xb * v;
                    v = weight[w2 + q];
                    pa2 += xa * v;
                    pb2 += xb * v;
                    v = weight[w3 + q];
                    pa3 += xa * v;
                    pb3 += xb * v;
                }
            }
            // Modulation: the style scales input channel ci (DESIGN.md "Performance").
            float sc = f.HasStyle != 0 ? style[n * g.Cin + ci] : 1f;
            a0 += pa0 * sc;
            a1 += pa1 * sc;
            a2 += pa2 * sc;
            a3 += pa3 * sc;
            b0 += pb0 * sc;
            b1 += pb1 * sc;
            b2 += pb2 * sc;
            b3 += pb3 * sc;
        }
        int at = ((n * g.Cout + o0) * g.OH + oy) * g.OW + ox;
        int outPlane = g.OH * g.OW;
        f.StoreBlock(output, at, outPlane, n, o0, g.Cout, a0, a1, a2, a3, demod);
        f.StoreBlock(output, at + 1, outPlane, n, o0, g.Cout, b0, b1, b2, b3, demod);
    }

    // One output pixel anywhere. Zero padding: the taps are clipped to the input once, so the loops read
    // memory directly. Reflect padding with the window crossing the border: every tap through the mirror map.
    private static void BorderPixel(ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> style, ArrayView<float> demod, ArrayView<float> output, ConvGeometry g, ConvFusion f,
        int n, int o0, int oy, int ox)
    {
        int iy0 = oy * g.Stride - g.PadTop;
        int ix0 = ox * g.Stride - g.PadLeft;
        bool inside = iy0 >= 0 && ix0 >= 0 && iy0 + g.KH <= g.H && ix0 + g.KW <= g.W;
        bool mirror = g.Reflect != 0 && !inside;
        int kyBegin = mirror || iy0 >= 0 ? 0 : -iy0;
        int kyEnd = mirror || g.H - iy0 >= g.KH ? g.KH : g.H - iy0;
        int kxBegin = mirror || ix0 >= 0 ? 0 : -ix0;
        int kxEnd = mirror || g.W - ix0 >= g.KW ? g.KW : g.W - ix0;

        int plane = g.H * g.W;
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
                    int q = wRow + kx;
                    p0 += v * weight[w0 + q];
                    p1 += v * weight[w1 + q];
                    p2 += v * weight[w2 + q];
                    p3 += v * weight[w3 + q];
                }
            }
            float sc = f.HasStyle != 0 ? style[n * g.Cin + ci] : 1f;
            a0 += p0 * sc;
            a1 += p1 * sc;
            a2 += p2 * sc;
            a3 += p3 * sc;
        }
        f.StoreBlock(output, ((n * g.Cout + o0) * g.OH + oy) * g.OW + ox, g.OH * g.OW, n, o0, g.Cout, a0, a1, a2, a3,
            demod);
    }

    /// <summary>ReflectionPad2d's index map (valid for pads smaller than the size, which Validate ensures).</summary>
    internal static int Reflect(int v, int size)
    {
        if (v < 0) v = -v;
        if (v >= size) v = 2 * size - 2 - v;
        return v;
    }
}
