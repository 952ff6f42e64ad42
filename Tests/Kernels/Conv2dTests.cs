using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class Conv2dTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    public sealed record Case(int N, int Cin, int Cout, int H, int W, int KH, int KW, int Stride, Padding2d Padding,
        bool Bias, ActivationFunction Epilogue, float WeightScale);

    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(new Case(2, 5, 3, 6, 9, 1, 1, 1, default, false, ActivationFunction.Identity, 1f))
            .SetName("K1, N=2, no padding");
        yield return new TestCaseData(new Case(1, 4, 6, 7, 11, 3, 3, 1, Padding2d.Uniform(1), true, ActivationFunction.FusedLeakyRelu,
            1f / MathF.Sqrt(4 * 9))).SetName("K3, zero pad 1, bias, fused leaky ReLU, equalised scale");
        yield return new TestCaseData(new Case(2, 3, 4, 9, 13, 7, 7, 1, Padding2d.Uniform(3, PaddingMode.Reflect), true,
            ActivationFunction.Relu, 0.5f)).SetName("K7, reflect pad 3, N=2, ReLU");
        yield return new TestCaseData(new Case(1, 6, 5, 9, 12, 3, 3, 2, new Padding2d(0, 1, 1, 0), false,
            ActivationFunction.LeakyRelu(0.1f).WithGain(0.5f), 1f)).SetName("K3, stride 2, asymmetric zero pad, leaky 0.1 × 0.5");
        yield return new TestCaseData(new Case(2, 3, 2, 8, 11, 3, 5, 2, new Padding2d(1, 0, 2, 1, PaddingMode.Reflect), true,
            ActivationFunction.Identity, 1f)).SetName("K3×5, stride 2, asymmetric reflect pad, N=2");
        yield return new TestCaseData(new Case(1, 2, 3, 5, 6, 7, 7, 2, Padding2d.Uniform(3), true, ActivationFunction.Identity, 1f))
            .SetName("K7 window wider than a 5×6 input, stride 2");
        yield return new TestCaseData(new Case(2, 4, 4, 5, 7, 3, 3, 1, Padding2d.Uniform(1, PaddingMode.Reflect), false,
            ActivationFunction.Relu, 1f)).SetName("K3, reflect pad 1 (residual block), N=2");
        yield return new TestCaseData(new Case(1, 3, 2, 2, 3, 3, 3, 1, Padding2d.Uniform(1, PaddingMode.Reflect), true,
            ActivationFunction.Identity, 1f)).SetName("K3, reflect pad 1 on a 2×3 input (every pixel on the border)");
        yield return new TestCaseData(new Case(2, 5, 7, 16, 21, 3, 3, 1, Padding2d.Uniform(1), true, ActivationFunction.FusedLeakyRelu,
            0.25f)).SetName("K3, zero pad 1, 16×21 (mostly interior pixel pairs), N=2");
        yield return new TestCaseData(new Case(1, 3, 4, 15, 18, 7, 7, 2, Padding2d.Uniform(3, PaddingMode.Reflect), false,
            ActivationFunction.Identity, 1f)).SetName("K7, stride 2, reflect pad 3, 15×18 (interior pairs with taps 3 + 3 + 1)");
        yield return new TestCaseData(new Case(1, 3, 70, 9, 10, 3, 3, 1, Padding2d.Uniform(1), true, ActivationFunction.Relu, 1f))
            .SetName("K3, 70 output channels (a second, partial 64-channel GEMM tile)");
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesReference(Case c)
    {
        var xs = new Shape4(c.N, c.Cin, c.H, c.W);
        var ws = new Shape4(c.Cout, c.Cin, c.KH, c.KW);
        var x = Numerics.Random((int)xs.Length, 11);
        var w = Numerics.Random((int)ws.Length, 12);
        var b = c.Bias ? Numerics.Random(c.Cout, 13) : null;
        var os = Conv2d.OutputShape(xs, ws, c.Stride, c.Padding);

        using var tx = Device.Upload(x, xs);
        using var tw = Device.Upload(w, ws);
        using var tb = b is null ? null : Device.Upload(b, new Shape4(1, 1, 1, c.Cout));
        using var to = Device.Allocate(os);
        var expected = ConvReference.Conv2d(Numerics.ToDouble(x), xs, Numerics.ToDouble(w), ws,
            b is null ? null : Numerics.ToDouble(b), c.Stride, c.Padding, c.WeightScale, c.Epilogue);
        Assert.That(expected, Has.Length.EqualTo(os.Length), "reference output size");
        // The device's own mapping, then both on this device: the direct kernel (the CPU's), the implicit GEMM (the GPUs').
        foreach (var mapping in new[] { ConvMapping.Auto, ConvMapping.Direct, ConvMapping.ImplicitGemm })
        {
            Conv2d.Forward(tx, tw, tb, to, new Conv2dOptions
            {
                Stride = c.Stride, Padding = c.Padding, WeightScale = c.WeightScale, Epilogue = c.Epilogue, Mapping = mapping,
            });
            Numerics.AssertClose(to.ToArray(), expected, 1e-5, $"conv2d, {mapping}");
        }
    }

    [Test]
    public void RejectsBadShapesWithClearMessages()
    {
        using var x = Device.Allocate(1, 3, 8, 8);
        using var w = Device.Allocate(4, 3, 3, 3);
        using var out8 = Device.Allocate(1, 4, 8, 8);
        var pad1 = new Conv2dOptions { Padding = Padding2d.Uniform(1) };

        using var wrongCin = Device.Allocate(4, 2, 3, 3);
        Assert.That(() => Conv2d.Forward(x, wrongCin, null, out8, pad1),
            Throws.ArgumentException.With.Message.Contains("input channels"));
        using var out6 = Device.Allocate(1, 4, 6, 6);
        Assert.That(() => Conv2d.Forward(x, w, null, out6, pad1),
            Throws.ArgumentException.With.Message.Contains("expected 1×4×8×8"));
        using var bias3 = Device.Allocate(1, 1, 1, 3);
        Assert.That(() => Conv2d.Forward(x, w, bias3, out8, pad1),
            Throws.ArgumentException.With.Message.Contains("bias"));
        using var out22 = Device.Allocate(1, 4, 22, 22);
        Assert.That(() => Conv2d.Forward(x, w, null, out22, new Conv2dOptions { Padding = Padding2d.Uniform(8, PaddingMode.Reflect) }),
            Throws.ArgumentException.With.Message.Contains("reflect padding"));
        Assert.That(() => Conv2d.Forward(x, w, null, out8, pad1 with { Epilogue = default }),
            Throws.ArgumentException.With.Message.Contains("gain"));
        using var square = Device.Allocate(1, 3, 8, 8);
        using var w33 = Device.Allocate(3, 3, 3, 3);
        Assert.That(() => Conv2d.Forward(square, w33, null, square, pad1),
            Throws.ArgumentException.With.Message.Contains("overlaps"));
    }
}
