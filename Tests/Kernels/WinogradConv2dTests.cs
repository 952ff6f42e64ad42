using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

/// <summary>
/// The Winograd F(2×2, 3×3) conv against the float64 direct conv (ConvReference) at the direct conv's tolerance:
/// odd sizes (partial 2×2 tiles and partial tile pairs at the right and bottom), borders, zero and reflect padding
/// (symmetric and not), partial channel blocks, the modulated form, and the weight transform itself.
/// </summary>
public class WinogradConv2dTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    public sealed record Case(int N, int Cin, int Cout, int H, int W, Padding2d Padding, bool Bias, ActivationFunction Epilogue,
        float WeightScale);

    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(new Case(1, 4, 6, 7, 11, Padding2d.Uniform(1), true, ActivationFunction.FusedLeakyRelu,
            1f / MathF.Sqrt(4 * 9))).SetName("zero pad 1, 7×11 (odd: partial tiles), bias, fused leaky ReLU");
        yield return new TestCaseData(new Case(2, 4, 4, 5, 7, Padding2d.Uniform(1, PaddingMode.Reflect), false, ActivationFunction.Relu, 1f))
            .SetName("reflect pad 1 (residual block), N=2, 5×7");
        yield return new TestCaseData(new Case(1, 3, 2, 2, 3, Padding2d.Uniform(1, PaddingMode.Reflect), true, ActivationFunction.Identity, 1f))
            .SetName("reflect pad 1 on a 2×3 input (every pixel on the border)");
        yield return new TestCaseData(new Case(2, 5, 7, 16, 21, Padding2d.Uniform(1), true, ActivationFunction.FusedLeakyRelu, 0.25f))
            .SetName("zero pad 1, 16×21, N=2, 7 outputs (partial channel block)");
        yield return new TestCaseData(new Case(1, 6, 5, 9, 12, new Padding2d(0, 1, 1, 0), false, ActivationFunction.LeakyRelu(0.1f).WithGain(0.5f), 1f))
            .SetName("asymmetric zero pad, 9×12, 5 outputs");
        yield return new TestCaseData(new Case(2, 3, 3, 8, 11, new Padding2d(1, 0, 2, 1, PaddingMode.Reflect), true, ActivationFunction.Identity, 1f))
            .SetName("asymmetric reflect pad (1, 0, 2, 1), N=2, 3 outputs");
        yield return new TestCaseData(new Case(1, 1, 1, 6, 9, default, true, ActivationFunction.Identity, 2f))
            .SetName("no padding, one channel in and out, 6×9");
        yield return new TestCaseData(new Case(1, 9, 9, 13, 10, Padding2d.Uniform(2, PaddingMode.Reflect), false, ActivationFunction.Identity, 1f))
            .SetName("reflect pad 2 (output larger than the input), 9 channels");
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesReference(Case c)
    {
        var xs = new Shape4(c.N, c.Cin, c.H, c.W);
        var ws = new Shape4(c.Cout, c.Cin, 3, 3);
        var x = Numerics.Random((int)xs.Length, 21);
        var w = Numerics.Random((int)ws.Length, 22);
        var b = c.Bias ? Numerics.Random(c.Cout, 23) : null;
        var os = Conv2d.OutputShape(xs, ws, 1, c.Padding);

        using var tx = Device.Upload(x, xs);
        using var tw = Device.Upload(w, ws);
        using var tu = Device.Allocate(WinogradConv2d.TransformedWeightShape(ws));
        using var tb = b is null ? null : Device.Upload(b, new Shape4(1, 1, 1, c.Cout));
        using var to = Device.Allocate(os);
        WinogradConv2d.TransformWeight(tw, tu);
        WinogradConv2d.Forward(tx, tu, to, new Conv2dOptions { Padding = c.Padding, WeightScale = c.WeightScale },
            new EpilogueArguments { Bias = tb, Activation = c.Epilogue });

        var expected = ConvReference.Conv2d(Numerics.ToDouble(x), xs, Numerics.ToDouble(w), ws,
            b is null ? null : Numerics.ToDouble(b), 1, c.Padding, c.WeightScale, c.Epilogue);
        Numerics.AssertClose(to.ToArray(), expected, 1e-5, "winograd conv2d");
    }

    [TestCase(2, 5, 4, 7, 6, true, true, TestName = "modulated, demodulated, N=2, bias + fused leaky ReLU")]
    [TestCase(1, 3, 6, 5, 9, false, false, TestName = "modulated, not demodulated, 5×9")]
    [TestCase(1, 16, 9, 11, 13, true, false, TestName = "modulated, demodulated, 16→9 channels, 11×13")]
    public void ModulatedMatchesTheNaivePerSampleWeight(int n, int cin, int cout, int h, int w, bool demodulate, bool withBias)
    {
        var xs = new Shape4(n, cin, h, w);
        var ws = new Shape4(cout, cin, 3, 3);
        var x = Numerics.Random((int)xs.Length, 31);
        var wt = Numerics.Random((int)ws.Length, 32, 2f);
        var s = Array.ConvertAll(Numerics.Random(n * cin, 33, 1.2f), v => v + 0.8f);
        var b = withBias ? Numerics.Random(cout, 34) : null;
        var epilogue = withBias ? ActivationFunction.FusedLeakyRelu : ActivationFunction.Identity;
        float scale = ModulatedConv2d.EqualisedScale(cin, 3);

        using var tx = Device.Upload(x, xs);
        using var tw = Device.Upload(wt, ws);
        using var tu = Device.Allocate(WinogradConv2d.TransformedWeightShape(ws));
        using var ts = Device.Upload(s, new Shape4(n, 1, 1, cin));
        using var td = demodulate ? Device.Allocate(n, 1, 1, cout) : null;
        using var tb = b is null ? null : Device.Upload(b, new Shape4(1, 1, 1, cout));
        using var to = Device.Allocate(n, cout, h, w);
        if (td is not null) ModulatedConv2d.Demodulation(tw, ts, scale, td);
        WinogradConv2d.TransformWeight(tw, tu);
        WinogradConv2d.ForwardModulated(tx, tu, ts, td, to, scale, new EpilogueArguments { Bias = tb, Activation = epilogue });

        var expected = ConvReference.ModulatedConv2d(Numerics.ToDouble(x), xs, Numerics.ToDouble(wt), ws, Numerics.ToDouble(s),
            demodulate, upsample: false, null, 0, b is null ? null : Numerics.ToDouble(b), epilogue);
        Numerics.AssertClose(to.ToArray(), expected, 1e-5, "winograd modulated conv");
    }

    [Test]
    public void WeightTransformIsGgGTransposed()
    {
        var ws = new Shape4(3, 2, 3, 3);
        var w = Numerics.Random((int)ws.Length, 41);
        using var tw = Device.Upload(w, ws);
        using var tu = Device.Allocate(WinogradConv2d.TransformedWeightShape(ws));
        WinogradConv2d.TransformWeight(tw, tu);

        double[,] g = { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 } };
        var expected = new double[ws.N * ws.C * 16];
        for (int f = 0; f < ws.N * ws.C; f++)
        for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
        {
            double sum = 0;
            for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                sum += g[r, i] * w[f * 9 + i * 3 + j] * g[c, j];
            expected[f * 16 + r * 4 + c] = sum;
        }
        Numerics.AssertClose(tu.ToArray(), expected, 1e-7, "G g Gᵀ");
    }

    [Test]
    public void RejectsWhatItCannotRunWithClearMessages()
    {
        Assert.That(WinogradConv2d.Supports(new Shape4(4, 3, 3, 3), 1), Is.True);
        Assert.That(WinogradConv2d.Supports(new Shape4(4, 3, 3, 3), 2), Is.False);
        Assert.That(WinogradConv2d.Supports(new Shape4(4, 3, 1, 1), 1), Is.False);
        Assert.That(() => WinogradConv2d.TransformedWeightShape(new Shape4(4, 3, 5, 5)),
            Throws.ArgumentException.With.Message.Contains("must be 3×3"));

        using var x = Device.Allocate(1, 3, 8, 8);
        using var w = Device.Allocate(4, 3, 3, 3);
        using var u = Device.Allocate(4, 3, 4, 4);
        using var out8 = Device.Allocate(1, 4, 8, 8);
        var pad1 = new Conv2dOptions { Padding = Padding2d.Uniform(1) };
        Assert.That(() => WinogradConv2d.Forward(x, w, out8, pad1, EpilogueArguments.Identity),
            Throws.ArgumentException.With.Message.Contains("4×4"));
        Assert.That(() => WinogradConv2d.Forward(x, u, out8, pad1 with { Stride = 2 }, EpilogueArguments.Identity),
            Throws.ArgumentException.With.Message.Contains("stride 2"));
        using var out6 = Device.Allocate(1, 4, 6, 6);
        Assert.That(() => WinogradConv2d.Forward(x, u, out6, pad1, EpilogueArguments.Identity),
            Throws.ArgumentException.With.Message.Contains("expected 1×4×8×8"));
        using var wrongU = Device.Allocate(4, 3, 4, 4);
        using var u33 = Device.Allocate(4, 3, 3, 3);
        Assert.That(() => WinogradConv2d.TransformWeight(w, u33), Throws.ArgumentException.With.Message.Contains("expected 4×3×4×4"));
    }
}
