using BenchmarkDotNet.Attributes;
using CineKernel.Bench.Support;
using CineKernel.Kernels;

namespace CineKernel.Bench;

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
