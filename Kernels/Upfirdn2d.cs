using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// StyleGAN2's upfirdn2d on every channel independently (op/upfirdn2d.py upfirdn2d_native):
/// insert up−1 zeros after every sample, pad (x0, x1, y0, y1) with zeros (negative pads crop),
/// convolve with the 2-D kernel (a true convolution: the kernel is flipped), keep every down-th sample.
/// Output size per axis: (in·up + pad0 + pad1 − k) / down + 1.
/// Serves the blur after the transposed conv (up 1, pad (1,1), kernel × 4) and toRGB's skip upsampling
/// (up 2, pad (2,1), kernel × 4). An epilogue (<see cref="EpilogueArguments"/>: a noise plane × weight, per-channel
/// bias, activation, scale, shift) can be fused after it.
/// </summary>
public static class Upfirdn2d
{
    private const string Op = "upfirdn2d";

    public static Shape4 OutputShape(Shape4 input, int kernelH, int kernelW, UpfirdnParams p) =>
        input with
        {
            H = (input.H * p.Up + p.PadY0 + p.PadY1 - kernelH) / p.Down + 1,
            W = (input.W * p.Up + p.PadX0 + p.PadX1 - kernelW) / p.Down + 1,
        };

    /// <summary>
    /// The original's make_kernel(k) × gain: the outer product of a 1-D kernel with itself, normalised
    /// to sum 1, then scaled (gain = factor² for upsampling, so the zeros inserted do not darken).
    /// </summary>
    public static float[] SeparableKernel(ReadOnlySpan<float> taps, float gain = 1f)
    {
        double sum = 0;
        foreach (float a in taps)
        foreach (float b in taps)
            sum += (double)a * b;
        if (sum == 0) throw new ArgumentException($"{Op}: the 1-D kernel sums to zero");
        var k = new float[taps.Length * taps.Length];
        for (int y = 0; y < taps.Length; y++)
        for (int x = 0; x < taps.Length; x++)
            k[y * taps.Length + x] = (float)(taps[y] * (double)taps[x] / sum * gain);
        return k;
    }

    /// <summary>
    /// Runs upfirdn2d into <paramref name="output"/> (allocated by the caller, not aliasing the input).
    /// <paramref name="kernel"/> is KH×KW in its last two dimensions; <paramref name="bias"/> (one per channel)
    /// and <paramref name="epilogue"/> apply after the FIR, preceded by <paramref name="noiseWeight"/> ×
    /// <paramref name="noise"/> (1×1×OH×OW or N×1×OH×OW) when a noise plane is given.
    /// </summary>
    public static void Forward(Tensor input, Tensor kernel, Tensor output, UpfirdnParams p, Tensor? bias = null,
        ActivationFunction? epilogue = null, Tensor? noise = null, float noiseWeight = 0f) =>
        Forward(input, kernel, output, p, new EpilogueArguments
        {
            Bias = bias, Activation = epilogue ?? ActivationFunction.Identity, Noise = noise, NoiseWeight = noiseWeight,
        });

    /// <summary>
    /// Runs upfirdn2d (N×C×H×W → N×C×OH×OW, <see cref="OutputShape"/>) into <paramref name="output"/> (allocated by
    /// the caller, not aliasing the input) with any <paramref name="epilogue"/> in its store
    /// (<see cref="EpilogueArguments"/>: noise plane 1×1×OH×OW or N×1×OH×OW, bias C, activation, scale, shift).
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not fit, or up or down below 1.</exception>
    public static void Forward(Tensor input, Tensor kernel, Tensor output, UpfirdnParams p, EpilogueArguments epilogue)
    {
        ConvChecks.SameDevice(Op, input, kernel, "kernel");
        ConvChecks.SameDevice(Op, input, output, "output");
        if (p.Up < 1 || p.Down < 1) throw new ArgumentException($"{Op}: up {p.Up} and down {p.Down} must be at least 1");
        if (kernel.N != 1 || kernel.C != 1)
            throw new ArgumentException($"{Op}: kernel {kernel.Shape} must be a single KH×KW matrix");
        if (input.H * p.Up + p.PadY0 + p.PadY1 < kernel.H || input.W * p.Up + p.PadX0 + p.PadX1 < kernel.W)
            throw new ArgumentException($"{Op}: kernel {kernel.H}×{kernel.W} is larger than the padded input {input.Shape} {p}");
        ConvChecks.Length(Op, epilogue.Bias, input.C, "bias", "one per channel");
        var outputShape = OutputShape(input.Shape, kernel.H, kernel.W, p);
        ConvChecks.OutputShape(Op, output, outputShape);
        ConvChecks.Disjoint(Op, output, input, "input");
        ConvChecks.Fits(Op, input, "input");
        ConvChecks.Fits(Op, output, "output");
        epilogue.Validate(Op, output);

        var geometry = new UpfirdnGeometry(input.Device, input.Shape, output.Shape, kernel.H, kernel.W, p);
        input.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, UpfirdnGeometry, EpilogueTerms>(UpfirdnKernel)(
            geometry.Split.Threads, input.View, kernel.View, output.View, geometry, epilogue.Terms());
    }

    internal readonly struct UpfirdnGeometry
    {
        public readonly int C, H, W, OH, OW, KH, KW, Up, Down, PadY0, PadX0;
        public readonly WorkSplit Split;

        public UpfirdnGeometry(ComputeDevice device, Shape4 input, Shape4 output, int kh, int kw, UpfirdnParams p)
        {
            C = input.C; H = input.H; W = input.W; OH = output.H; OW = output.W;
            KH = kh; KW = kw; Up = p.Up; Down = p.Down; PadY0 = p.PadY0; PadX0 = p.PadX0;
            Split = WorkSplit.For(device, output.Length);
        }
    }

    // A work item is one output element (WorkSplit). Output y reads the zero-stuffed, padded signal at
    // u = y·down − pad0 + j for taps j = 0..KH−1 with the kernel flipped (K[KH−1−j]); only u that are
    // multiples of up and inside the input are non-zero, so the loop starts at the first such j and
    // steps by up.
    private static void UpfirdnKernel(Index1D index, ArrayView<float> input, ArrayView<float> kernel, ArrayView<float> output,
        UpfirdnGeometry g, EpilogueTerms epilogue)
    {
        for (int i = g.Split.Begin(index), end = g.Split.End(index); i < end; i++)
        {
            int x = i % g.OW;
            int t = i / g.OW;
            int y = t % g.OH;
            int planeIndex = t / g.OH;

            int uy0 = y * g.Down - g.PadY0;
            int jyBegin = FirstTap(uy0, g.Up);
            int jyEnd = g.H * g.Up - uy0 < g.KH ? g.H * g.Up - uy0 : g.KH;
            int ux0 = x * g.Down - g.PadX0;
            int jxBegin = FirstTap(ux0, g.Up);
            int jxEnd = g.W * g.Up - ux0 < g.KW ? g.W * g.Up - ux0 : g.KW;

            int plane = planeIndex * g.H * g.W;
            float acc = 0f;
            for (int jy = jyBegin; jy < jyEnd; jy += g.Up)
            {
                int inRow = plane + (uy0 + jy) / g.Up * g.W;
                int kRow = (g.KH - 1 - jy) * g.KW + g.KW - 1;
                for (int jx = jxBegin; jx < jxEnd; jx += g.Up)
                    acc += input[inRow + (ux0 + jx) / g.Up] * kernel[kRow - jx];
            }

            // StyledConv order (DESIGN.md "Generator"): noise, then bias, then the activation (EpilogueArguments).
            output[i] = epilogue.Apply(acc, planeIndex / g.C, planeIndex % g.C, y * g.OW + x, g.OH * g.OW, i);
        }
    }

    /// <summary>The smallest tap j ≥ 0 with u0 + j ≥ 0 and (u0 + j) a multiple of up.</summary>
    private static int FirstTap(int u0, int up)
    {
        int j = u0 < 0 ? -u0 : 0;
        int r = (u0 + j) % up;
        return r == 0 ? j : j + up - r;
    }
}
