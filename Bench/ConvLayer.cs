using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Bench;

/// <summary>
/// The layer size shared by the conv benchmarks: 64→64 channels, 3×3, 128×128, zero padding 1, one image
/// (a StyleGAN2 128-level conv at channel multiplier 1). FLOPs count 2 per multiply-add; bytes are the
/// input, weight and output read or written once.
/// </summary>
internal static class ConvLayer
{
    public const int C = 64, H = 128, W = 128, K = 3;
    public const double Flops = 2.0 * C * C * K * K * H * W;
    public const double Bytes = 4.0 * (2.0 * C * H * W + C * C * K * K);

    public static float[] Random(int length, int seed) => RandomWeights.Uniform(length, seed);

    /// <summary>
    /// The plain C# float32 conv the kernels are measured against: Parallel.For over output channels,
    /// taps outside the image skipped, style (if any) on the input channels, demod (if any) on the output,
    /// then bias and StyleGAN2's fused leaky ReLU.
    /// </summary>
    public static void PlainConv(float[] x, float[] w, float[] bias, float[]? style, float[]? demod, float weightScale, float[] output)
    {
        float gain = MathF.Sqrt(2f);
        Parallel.For(0, C, o =>
        {
            for (int y = 0; y < H; y++)
            for (int xx = 0; xx < W; xx++)
            {
                float acc = 0f;
                for (int i = 0; i < C; i++)
                {
                    float part = 0f;
                    for (int ky = 0; ky < K; ky++)
                    {
                        int iy = y + ky - K / 2;
                        if ((uint)iy >= H) continue;
                        for (int kx = 0; kx < K; kx++)
                        {
                            int ix = xx + kx - K / 2;
                            if ((uint)ix >= W) continue;
                            part += x[(i * H + iy) * W + ix] * w[((o * C + i) * K + ky) * K + kx];
                        }
                    }
                    acc += style is null ? part : part * style[i];
                }
                float v = acc * weightScale * (demod is null ? 1f : demod[o]) + bias[o];
                output[(o * H + y) * W + xx] = (v >= 0f ? v : 0.2f * v) * gain;
            }
        });
    }

    public static void PlainDemodulation(float[] w, float[] style, float weightScale, float[] demod)
    {
        for (int o = 0; o < C; o++)
        {
            float sum = 0f;
            for (int i = 0; i < C; i++)
            for (int t = 0; t < K * K; t++)
            {
                float v = weightScale * w[(o * C + i) * K * K + t] * style[i];
                sum += v * v;
            }
            demod[o] = 1f / MathF.Sqrt(sum + ModulatedConv2d.DemodulationEpsilon);
        }
    }

    /// <summary>Refuses to time two methods that do not compute the same thing.</summary>
    public static void RequireSame(float[] expected, float[] actual, string what)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            diff += (expected[i] - actual[i]) * (double)(expected[i] - actual[i]);
            norm += expected[i] * (double)expected[i];
        }
        if (Math.Sqrt(diff / norm) > 1e-5)
            throw new InvalidOperationException($"{what}: the kernel and the plain loop disagree (relative error {Math.Sqrt(diff / norm):E2})");
    }
}
