using BenchmarkDotNet.Attributes;
using CineKernel.Bench.Support;
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

/// <summary>Conv2d 64→64, 3×3, 128×128, bias + fused leaky ReLU, on the benchmark device (BenchDevice) vs a plain loop.</summary>
[Config(typeof(CineKernelConfig))]
public class Conv2dBenchmarks
{
    private const int C = ConvLayer.C, H = ConvLayer.H, W = ConvLayer.W, K = ConvLayer.K;
    private readonly float weightScale = 1f / MathF.Sqrt(C * K * K);
    private ComputeDevice device = null!;
    private Tensor x = null!, w = null!, b = null!, o = null!;
    private float[] hx = null!, hw = null!, hb = null!, ho = null!;

    [GlobalSetup]
    public void Setup()
    {
        device = BenchDevice.Open();
        hx = ConvLayer.Random(C * H * W, 1);
        hw = ConvLayer.Random(C * C * K * K, 2);
        hb = ConvLayer.Random(C, 3);
        ho = new float[C * H * W];
        x = device.Upload(hx, new Shape4(1, C, H, W));
        w = device.Upload(hw, new Shape4(C, C, K, K));
        b = device.Upload(hb, new Shape4(1, 1, 1, C));
        o = device.Allocate(1, C, H, W);
        Ilgpu();
        Plain();
        ConvLayer.RequireSame(ho, o.ToArray(), "conv2d");
    }

    [Benchmark(Baseline = true), Work(Flops = ConvLayer.Flops, Bytes = ConvLayer.Bytes)]
    public void Plain() => ConvLayer.PlainConv(hx, hw, hb, null, null, weightScale, ho);

    [Benchmark, Work(Flops = ConvLayer.Flops, Bytes = ConvLayer.Bytes)]
    public void Ilgpu()
    {
        Conv2d.Forward(x, w, b, o, new Conv2dOptions
        {
            Padding = Padding2d.Uniform(1), WeightScale = weightScale, Epilogue = ActivationFunction.FusedLeakyRelu,
        });
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { x, w, b, o }) t.Dispose();
        device.Dispose();
    }
}

/// <summary>
/// Modulated conv 64→64, 3×3, 128×128 with demodulation, bias + fused leaky ReLU: the demod op and the
/// fused conv on the benchmark device (BenchDevice) vs a plain loop of the same fused form.
/// </summary>
[Config(typeof(CineKernelConfig))]
public class ModulatedConv2dBenchmarks
{
    private const int C = ConvLayer.C, H = ConvLayer.H, W = ConvLayer.W, K = ConvLayer.K;
    private readonly float weightScale = ModulatedConv2d.EqualisedScale(C, K);
    private ComputeDevice device = null!;
    private Tensor x = null!, w = null!, b = null!, s = null!, d = null!, o = null!;
    private float[] hx = null!, hw = null!, hb = null!, hs = null!, hd = null!, ho = null!;

    [GlobalSetup]
    public void Setup()
    {
        device = BenchDevice.Open();
        hx = ConvLayer.Random(C * H * W, 1);
        hw = ConvLayer.Random(C * C * K * K, 2);
        hb = ConvLayer.Random(C, 3);
        hs = Array.ConvertAll(ConvLayer.Random(C, 4), v => v + 1f);
        hd = new float[C];
        ho = new float[C * H * W];
        x = device.Upload(hx, new Shape4(1, C, H, W));
        w = device.Upload(hw, new Shape4(C, C, K, K));
        b = device.Upload(hb, new Shape4(1, 1, 1, C));
        s = device.Upload(hs, new Shape4(1, 1, 1, C));
        d = device.Allocate(1, 1, 1, C);
        o = device.Allocate(1, C, H, W);
        Ilgpu();
        Plain();
        ConvLayer.RequireSame(ho, o.ToArray(), "modulated conv");
    }

    [Benchmark(Baseline = true), Work(Flops = ConvLayer.Flops, Bytes = ConvLayer.Bytes)]
    public void Plain()
    {
        ConvLayer.PlainDemodulation(hw, hs, weightScale, hd);
        ConvLayer.PlainConv(hx, hw, hb, hs, hd, weightScale, ho);
    }

    [Benchmark, Work(Flops = ConvLayer.Flops, Bytes = ConvLayer.Bytes)]
    public void Ilgpu()
    {
        ModulatedConv2d.Demodulation(w, s, weightScale, d);
        ModulatedConv2d.Forward(x, w, s, d, b, o, weightScale, ActivationFunction.FusedLeakyRelu);
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { x, w, b, s, d, o }) t.Dispose();
        device.Dispose();
    }
}
