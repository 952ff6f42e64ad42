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
        if (p.Up == 1 && p.Down == 1 && kernel.H == 4 && kernel.W == 4)
        {
            // The blur after every upsampling conv: four outputs of a row per work item (see FirFourKernel).
            var quads = WorkSplit.For(input.Device, (long)input.N * input.C * output.H * ((output.W + 3) / 4));
            input.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, UpfirdnGeometry, EpilogueTerms, WorkSplit>(FirFourKernel)(
                quads.Threads, input.View, kernel.View, output.View, geometry, epilogue.Terms(), quads);
            return;
        }
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

    // up = down = 1 with a 4×4 kernel: a work item is four adjacent outputs of a row. The 16 taps are read once per
    // thread, each input row of the item's 4×7 window once (columns outside the input read as 0, rows outside are
    // skipped, as the general kernel skips those taps), so 28 input reads serve 64 multiply-adds instead of 64 input
    // and 64 tap reads. Each output's terms are added in the general kernel's order (jy, then jx, ascending).
    private static void FirFourKernel(Index1D index, ArrayView<float> input, ArrayView<float> kernel, ArrayView<float> output,
        UpfirdnGeometry g, EpilogueTerms epilogue, WorkSplit quads)
    {
        // Tap (jy, jx) multiplies K[3 − jy, 3 − jx] (a true convolution).
        float k00 = kernel[15], k01 = kernel[14], k02 = kernel[13], k03 = kernel[12];
        float k10 = kernel[11], k11 = kernel[10], k12 = kernel[9], k13 = kernel[8];
        float k20 = kernel[7], k21 = kernel[6], k22 = kernel[5], k23 = kernel[4];
        float k30 = kernel[3], k31 = kernel[2], k32 = kernel[1], k33 = kernel[0];
        int quadsPerRow = (g.OW + 3) / 4;
        for (int e = quads.Begin(index), end = quads.End(index); e < end; e++)
        {
            int x = e % quadsPerRow * 4;
            int t = e / quadsPerRow;
            int y = t % g.OH;
            int planeIndex = t / g.OH;
            int uy0 = y - g.PadY0, ux0 = x - g.PadX0;
            int plane = planeIndex * g.H * g.W;
            var sums = default(FourSums);
            for (int jy = 0; jy < 4; jy++)
            {
                int row = uy0 + jy;
                if (row < 0 || row >= g.H) continue;
                int at = plane + row * g.W + ux0;
                float r0 = Tap(input, at, ux0, g.W), r1 = Tap(input, at + 1, ux0 + 1, g.W), r2 = Tap(input, at + 2, ux0 + 2, g.W),
                    r3 = Tap(input, at + 3, ux0 + 3, g.W), r4 = Tap(input, at + 4, ux0 + 4, g.W), r5 = Tap(input, at + 5, ux0 + 5, g.W),
                    r6 = Tap(input, at + 6, ux0 + 6, g.W);
                if (jy == 0) sums.AddRow(r0, r1, r2, r3, r4, r5, r6, k00, k01, k02, k03);
                else if (jy == 1) sums.AddRow(r0, r1, r2, r3, r4, r5, r6, k10, k11, k12, k13);
                else if (jy == 2) sums.AddRow(r0, r1, r2, r3, r4, r5, r6, k20, k21, k22, k23);
                else sums.AddRow(r0, r1, r2, r3, r4, r5, r6, k30, k31, k32, k33);
            }
            int n = planeIndex / g.C, c = planeIndex % g.C, pixel = y * g.OW + x, oPlane = g.OH * g.OW;
            int i = planeIndex * oPlane + pixel;
            output[i] = epilogue.Apply(sums.S0, n, c, pixel, oPlane, i);
            if (x + 1 < g.OW) output[i + 1] = epilogue.Apply(sums.S1, n, c, pixel + 1, oPlane, i + 1);
            if (x + 2 < g.OW) output[i + 2] = epilogue.Apply(sums.S2, n, c, pixel + 2, oPlane, i + 2);
            if (x + 3 < g.OW) output[i + 3] = epilogue.Apply(sums.S3, n, c, pixel + 3, oPlane, i + 3);
        }
    }

    /// <summary>The input at <paramref name="at"/> when its column <paramref name="u"/> is inside the row, else 0.</summary>
    private static float Tap(ArrayView<float> input, int at, int u, int width) => u >= 0 && u < width ? input[at] : 0f;

    /// <summary>The running sums of <see cref="FirFourKernel"/>'s four outputs.</summary>
    private struct FourSums
    {
        public float S0, S1, S2, S3;

        /// <summary>One input row r0..r6 under taps (jx = 0..3) q0..q3: output k reads r_k..r_{k+3}.</summary>
        public void AddRow(float r0, float r1, float r2, float r3, float r4, float r5, float r6, float q0, float q1, float q2, float q3)
        {
            S0 += r0 * q0; S0 += r1 * q1; S0 += r2 * q2; S0 += r3 * q3;
            S1 += r1 * q0; S1 += r2 * q1; S1 += r3 * q2; S1 += r4 * q3;
            S2 += r2 * q0; S2 += r3 * q1; S2 += r4 * q2; S2 += r5 * q3;
            S3 += r3 * q0; S3 += r4 * q1; S3 += r5 * q2; S3 += r6 * q3;
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
