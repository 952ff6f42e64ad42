using CineKernel.Kernels;

namespace CineKernel.Tests.Support;

/// <summary>
/// Plain float64 references for the conv family, written from the definitions (pad, then slide; scatter
/// for the transposed conv; zero-stuff, pad, flip and convolve for upfirdn2d; the explicit per-sample
/// weight for the modulated conv), deliberately unlike the kernels' gather loops.
/// Arrays are row-major NCHW, as the tensors.
/// </summary>
public static class ConvReference
{
    /// <summary>The fused epilogue: activation then gain, on a value that already has its bias.</summary>
    public static double Activate(double x, ActivationFunction e) => (x >= 0 ? x : x * e.NegativeSlope) * e.Gain;

    /// <summary>Pads every plane explicitly: zeros, or torch ReflectionPad2d (mirror without the edge).</summary>
    public static double[] Pad(double[] x, Shape4 s, Padding2d p, out Shape4 padded)
    {
        padded = s with { H = s.H + p.Top + p.Bottom, W = s.W + p.Left + p.Right };
        var y = new double[padded.Length];
        for (int nc = 0; nc < s.N * s.C; nc++)
        for (int py = 0; py < padded.H; py++)
        for (int px = 0; px < padded.W; px++)
        {
            int sy = py - p.Top, sx = px - p.Left;
            if (p.Mode == PaddingMode.Reflect)
            {
                sy = Mirror(sy, s.H);
                sx = Mirror(sx, s.W);
            }
            else if (sy < 0 || sy >= s.H || sx < 0 || sx >= s.W)
            {
                continue;
            }
            y[(nc * padded.H + py) * padded.W + px] = x[(nc * s.H + sy) * s.W + sx];
        }
        return y;
    }

    private static int Mirror(int v, int size) => v < 0 ? -v : v >= size ? 2 * (size - 1) - v : v;

    /// <summary>torch conv2d (cross-correlation) on the explicitly padded input, then bias and epilogue.</summary>
    public static double[] Conv2d(double[] x, Shape4 xs, double[] w, Shape4 ws, double[]? bias, int stride, Padding2d pad,
        double weightScale, ActivationFunction epilogue)
    {
        var xp = Pad(x, xs, pad, out var ps);
        int oh = (ps.H - ws.H) / stride + 1, ow = (ps.W - ws.W) / stride + 1;
        var y = new double[xs.N * ws.N * oh * ow];
        for (int n = 0; n < xs.N; n++)
        for (int o = 0; o < ws.N; o++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            double acc = 0;
            for (int i = 0; i < xs.C; i++)
            for (int ky = 0; ky < ws.H; ky++)
            for (int kx = 0; kx < ws.W; kx++)
                acc += w[((o * ws.C + i) * ws.H + ky) * ws.W + kx] * weightScale
                       * xp[((n * xs.C + i) * ps.H + oy * stride + ky) * ps.W + ox * stride + kx];
            acc += bias?[o] ?? 0;
            y[((n * ws.N + o) * oh + oy) * ow + ox] = Activate(acc, epilogue);
        }
        return y;
    }

    /// <summary>torch conv_transpose2d, padding 0, weight Cin×Cout×KH×KW, by scattering every input pixel.</summary>
    public static double[] TransposedConv2d(double[] x, Shape4 xs, double[] w, Shape4 ws, double[]? bias, int stride,
        double weightScale, ActivationFunction epilogue)
    {
        int cout = ws.C;
        int oh = (xs.H - 1) * stride + ws.H, ow = (xs.W - 1) * stride + ws.W;
        var y = new double[xs.N * cout * oh * ow];
        for (int n = 0; n < xs.N; n++)
        for (int i = 0; i < xs.C; i++)
        for (int iy = 0; iy < xs.H; iy++)
        for (int ix = 0; ix < xs.W; ix++)
        {
            double v = x[((n * xs.C + i) * xs.H + iy) * xs.W + ix];
            for (int o = 0; o < cout; o++)
            for (int ky = 0; ky < ws.H; ky++)
            for (int kx = 0; kx < ws.W; kx++)
                y[((n * cout + o) * oh + iy * stride + ky) * ow + ix * stride + kx] +=
                    v * w[((i * cout + o) * ws.H + ky) * ws.W + kx] * weightScale;
        }
        for (int n = 0; n < xs.N; n++)
        for (int o = 0; o < cout; o++)
        for (int p = 0; p < oh * ow; p++)
        {
            int at = (n * cout + o) * oh * ow + p;
            y[at] = Activate(y[at] + (bias?[o] ?? 0), epilogue);
        }
        return y;
    }

    /// <summary>
    /// upfirdn2d by its definition (op/upfirdn2d.py upfirdn2d_native): zero-stuff by up, pad (negative
    /// crops), conv2d with the flipped kernel, keep every down-th sample; then bias per channel and epilogue.
    /// </summary>
    public static double[] Upfirdn2d(double[] x, Shape4 xs, double[] k, int kh, int kw, UpfirdnParams p,
        double[]? bias = null, ActivationFunction? epilogue = null)
    {
        var ep = epilogue ?? ActivationFunction.Identity;
        int uh = xs.H * p.Up, uw = xs.W * p.Up;
        int planes = xs.N * xs.C;
        var up = new double[planes * uh * uw];
        for (int q = 0; q < planes; q++)
        for (int y = 0; y < xs.H; y++)
        for (int xx = 0; xx < xs.W; xx++)
            up[(q * uh + y * p.Up) * uw + xx * p.Up] = x[(q * xs.H + y) * xs.W + xx];

        // Pad with zeros where the pad is positive, crop where it is negative.
        int ph = uh + p.PadY0 + p.PadY1, pw = uw + p.PadX0 + p.PadX1;
        var padded = new double[planes * ph * pw];
        for (int q = 0; q < planes; q++)
        for (int y = 0; y < ph; y++)
        for (int xx = 0; xx < pw; xx++)
        {
            int sy = y - p.PadY0, sx = xx - p.PadX0;
            if (sy >= 0 && sy < uh && sx >= 0 && sx < uw)
                padded[(q * ph + y) * pw + xx] = up[(q * uh + sy) * uw + sx];
        }

        var flipped = new double[kh * kw];
        for (int y = 0; y < kh; y++)
        for (int xx = 0; xx < kw; xx++)
            flipped[y * kw + xx] = k[(kh - 1 - y) * kw + (kw - 1 - xx)];

        int ch = ph - kh + 1, cw = pw - kw + 1;
        int oh = (ch + p.Down - 1) / p.Down, ow = (cw + p.Down - 1) / p.Down;
        var result = new double[planes * oh * ow];
        for (int q = 0; q < planes; q++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            double acc = 0;
            for (int y = 0; y < kh; y++)
            for (int xx = 0; xx < kw; xx++)
                acc += padded[(q * ph + oy * p.Down + y) * pw + ox * p.Down + xx] * flipped[y * kw + xx];
            acc += bias?[q % xs.C] ?? 0;
            result[(q * oh + oy) * ow + ox] = Activate(acc, ep);
        }
        return result;
    }

    /// <summary>
    /// The original ModulatedConv2d, naively: per sample n the weight scale·W[o,i]·s[n,i], demodulated per
    /// output channel by rsqrt(Σ weight² + 1e-8), then a plain conv with padding K/2, or (upsample) a
    /// transposed conv with stride 2 of that weight transposed followed by the blur upfirdn2d.
    /// </summary>
    public static double[] ModulatedConv2d(double[] x, Shape4 xs, double[] w, Shape4 ws, double[] style, bool demodulate,
        bool upsample, double[]? blurKernel, int blurTaps, double[]? bias, ActivationFunction epilogue)
    {
        int cout = ws.N, cin = ws.C, k = ws.H;
        double scale = 1 / Math.Sqrt(cin * k * k);
        var outputs = new List<double[]>();
        for (int n = 0; n < xs.N; n++)
        {
            var weight = new double[cout * cin * k * k];
            for (int o = 0; o < cout; o++)
            {
                double sumSq = 0;
                for (int i = 0; i < cin; i++)
                for (int t = 0; t < k * k; t++)
                {
                    int at = (o * cin + i) * k * k + t;
                    weight[at] = scale * w[at] * style[n * cin + i];
                    sumSq += weight[at] * weight[at];
                }
                double demod = demodulate ? 1 / Math.Sqrt(sumSq + 1e-8) : 1;
                for (int at = o * cin * k * k; at < (o + 1) * cin * k * k; at++) weight[at] *= demod;
            }

            var sample = x.AsSpan(n * xs.ImageLength, xs.ImageLength).ToArray();
            var ss = xs with { N = 1 };
            if (!upsample)
            {
                outputs.Add(Conv2d(sample, ss, weight, ws, bias, 1, Padding2d.Uniform(k / 2), 1, epilogue));
            }
            else
            {
                // weight.transpose(1, 2): Cout×Cin → Cin×Cout, as conv_transpose2d expects.
                var transposed = new double[weight.Length];
                for (int o = 0; o < cout; o++)
                for (int i = 0; i < cin; i++)
                for (int t = 0; t < k * k; t++)
                    transposed[(i * cout + o) * k * k + t] = weight[(o * cin + i) * k * k + t];
                var up = TransposedConv2d(sample, ss, transposed, new Shape4(cin, cout, k, k), null, 2, 1, ActivationFunction.Identity);
                var upShape = new Shape4(1, cout, (xs.H - 1) * 2 + k, (xs.W - 1) * 2 + k);
                // The blur padding of the original ModulatedConv2d(upsample=True), factor 2.
                int p = blurTaps - 2 - (k - 1);
                int pad0 = (int)Math.Floor((p + 1) / 2.0) + 1, pad1 = (int)Math.Floor(p / 2.0) + 1;
                var blurParams = UpfirdnParams.Symmetric(1, 1, pad0, pad1);
                outputs.Add(Upfirdn2d(up, upShape, blurKernel!, blurTaps, blurTaps, blurParams, bias, epilogue));
            }
        }
        return outputs.SelectMany(o => o).ToArray();
    }
}
