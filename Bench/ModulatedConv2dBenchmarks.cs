using BenchmarkDotNet.Attributes;
using CineKernel.Bench.Support;
using CineKernel.Kernels;

namespace CineKernel.Bench;

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
