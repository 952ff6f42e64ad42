using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class ConvTransposedTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    [TestCase(2, 3, 4, 5, 7, 3, 2, false, TestName = "K3, stride 2, N=2 (the StyleGAN2 upsampling conv)")]
    [TestCase(1, 3, 5, 4, 3, 3, 2, true, TestName = "K3, stride 2, a partial channel block, bias, fused leaky ReLU")]
    [TestCase(1, 2, 6, 1, 1, 3, 2, false, TestName = "K3, stride 2, a 1x1 input (only border blocks)")]
    [TestCase(1, 2, 3, 4, 3, 4, 2, true, TestName = "K4, stride 2, bias, fused leaky ReLU")]
    [TestCase(1, 3, 2, 3, 5, 1, 2, true, TestName = "K1, stride 2 (output with zero rows between)")]
    [TestCase(2, 2, 2, 4, 6, 3, 1, false, TestName = "K3, stride 1")]
    [TestCase(1, 2, 3, 3, 4, 2, 3, true, TestName = "K2, stride 3 (gaps between taps)")]
    public void MatchesScatterReference(int n, int cin, int cout, int h, int w, int k, int stride, bool withBias)
    {
        var xs = new Shape4(n, cin, h, w);
        var ws = new Shape4(cin, cout, k, k);
        var x = Numerics.Random((int)xs.Length, 21);
        var wt = Numerics.Random((int)ws.Length, 22);
        var b = withBias ? Numerics.Random(cout, 23) : null;
        var epilogue = withBias ? ActivationFunction.FusedLeakyRelu : ActivationFunction.Identity;
        float scale = 1f / MathF.Sqrt(cin * k * k);

        using var tx = Device.Upload(x, xs);
        using var tw = Device.Upload(wt, ws);
        using var tb = b is null ? null : Device.Upload(b, new Shape4(1, 1, 1, cout));
        using var to = Device.Allocate(TransposedConv2d.OutputShape(xs, cout, k, k, stride));
        TransposedConv2d.Forward(tx, tw, tb, to, stride, scale, epilogue);

        var expected = ConvReference.TransposedConv2d(Numerics.ToDouble(x), xs, Numerics.ToDouble(wt), ws,
            b is null ? null : Numerics.ToDouble(b), stride, scale, epilogue);
        Numerics.AssertClose(to.ToArray(), expected, 1e-5, "conv_transpose2d");
    }

    [Test]
    public void RejectsAWeightInConvLayout()
    {
        using var x = Device.Allocate(1, 3, 4, 4);
        using var w = Device.Allocate(5, 3, 3, 3); // Cout×Cin: wrong for conv_transpose2d (Cin×Cout)
        using var o = Device.Allocate(1, 3, 9, 9);
        Assert.That(() => TransposedConv2d.Forward(x, w, null, o, 2),
            Throws.ArgumentException.With.Message.Contains("Cin×Cout×KH×KW"));
    }
}
