using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

/// <summary>
/// StyledConv's epilogue (conv → + weight·noise → + bias → lrelu 0.2 × √2) fused into the noise pass and into
/// the upsampling conv's blur (Upfirdn2d), against the float64 references applied one after the other.
/// </summary>
public class StyledConvEpilogueTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    private static double[] Epilogue(double[] noised, Shape4 s, float[]? bias, ActivationFunction f)
    {
        var r = new double[noised.Length];
        for (int e = 0; e < r.Length; e++)
            r[e] = ConvReference.Activate(noised[e] + (bias is null ? 0 : bias[e / s.PlaneLength % s.C]), f);
        return r;
    }

    private static double[] AddNoise(double[] x, Shape4 s, float[] noise, int noiseImages, double weight)
    {
        var r = new double[x.Length];
        for (int e = 0; e < r.Length; e++)
        {
            int image = e / s.ImageLength;
            r[e] = x[e] + weight * noise[(noiseImages == 1 ? 0 : image) * s.PlaneLength + e % s.PlaneLength];
        }
        return r;
    }

    [TestCase(1, TestName = "noise + bias + fused lrelu in one pass, noise shared by the batch")]
    [TestCase(2, TestName = "noise + bias + fused lrelu in one pass, a noise plane per image")]
    public void NoiseInjectionWithBiasAndActivation(int noiseImages)
    {
        var s = new Shape4(2, 3, 5, 7);
        var x = Numerics.Random((int)s.Length, 71);
        var noise = Numerics.Random(noiseImages * s.PlaneLength, 72);
        var bias = Numerics.Random(s.C, 73);
        using var tx = Device.Upload(x, s);
        using var tn = Device.Upload(noise, new Shape4(noiseImages, 1, s.H, s.W));
        using var tb = Device.Upload(bias, new Shape4(1, 1, 1, s.C));
        using var ty = Device.Allocate(s);
        Noise.Inject(tx, tn, -0.61f, ty, tb, ActivationFunction.FusedLeakyRelu);
        var expected = Epilogue(AddNoise(Numerics.ToDouble(x), s, noise, noiseImages, -0.61f), s, bias, ActivationFunction.FusedLeakyRelu);
        Numerics.AssertClose(ty.ToArray(), expected, 1e-5, "noise+bias+lrelu");
    }

    [TestCase(1, true, TestName = "blur of the upsampling conv with noise, bias and fused lrelu, shared noise")]
    [TestCase(2, false, TestName = "blur with noise only, a noise plane per image, odd non-square input")]
    public void UpfirdnWithNoiseEpilogue(int noiseImages, bool withBias)
    {
        var xs = new Shape4(2, 3, 9, 6);
        var p = UpfirdnParams.Symmetric(1, 1, 1, 1);
        var x = Numerics.Random((int)xs.Length, 74);
        var k = Upfirdn2d.SeparableKernel([1f, 3f, 3f, 1f], 4f);
        var os = Upfirdn2d.OutputShape(xs, 4, 4, p);
        var noise = Numerics.Random(noiseImages * os.PlaneLength, 75);
        var bias = withBias ? Numerics.Random(xs.C, 76) : null;
        var f = withBias ? ActivationFunction.FusedLeakyRelu : ActivationFunction.Identity;
        using var tx = Device.Upload(x, xs);
        using var tk = Device.Upload(k, new Shape4(1, 1, 4, 4));
        using var tn = Device.Upload(noise, new Shape4(noiseImages, 1, os.H, os.W));
        using var tb = bias is null ? null : Device.Upload(bias, new Shape4(1, 1, 1, xs.C));
        using var to = Device.Allocate(os);
        Upfirdn2d.Forward(tx, tk, to, p, tb, f, tn, 0.37f);

        var blurred = ConvReference.Upfirdn2d(Numerics.ToDouble(x), xs, Numerics.ToDouble(k), 4, 4, p);
        var expected = Epilogue(AddNoise(blurred, os, noise, noiseImages, 0.37f), os, bias, f);
        Numerics.AssertClose(to.ToArray(), expected, 1e-5, "upfirdn+noise");
    }

    [TestCase(1, TestName = "plain modulated conv with noise, bias and fused lrelu in its epilogue, shared noise")]
    [TestCase(2, TestName = "plain modulated conv with noise in its epilogue, a plane per image, partial channel block")]
    public void ModulatedConvWithNoiseEpilogue(int noiseImages)
    {
        var xs = new Shape4(2, 3, 7, 6);
        var ws = new Shape4(5, 3, 3, 3);
        var os = xs with { C = ws.N };
        var x = Numerics.Random((int)xs.Length, 77);
        var w = Numerics.Random((int)ws.Length, 78, 2f);
        var style = Numerics.Random(xs.N * xs.C, 79);
        var noise = Numerics.Random(noiseImages * os.PlaneLength, 80);
        var bias = Numerics.Random(ws.N, 81);
        float scale = ModulatedConv2d.EqualisedScale(ws.C, ws.H);
        using var tx = Device.Upload(x, xs);
        using var tw = Device.Upload(w, ws);
        using var ts = Device.Upload(style, new Shape4(xs.N, 1, 1, xs.C));
        using var td = Device.Allocate(xs.N, 1, 1, ws.N);
        using var tn = Device.Upload(noise, new Shape4(noiseImages, 1, os.H, os.W));
        using var tb = Device.Upload(bias, new Shape4(1, 1, 1, ws.N));
        using var to = Device.Allocate(os);
        ModulatedConv2d.Demodulation(tw, ts, scale, td);
        ModulatedConv2d.Forward(tx, tw, ts, td, tb, to, scale, ActivationFunction.FusedLeakyRelu, tn, -0.45f);

        var conv = ConvReference.ModulatedConv2d(Numerics.ToDouble(x), xs, Numerics.ToDouble(w), ws, Numerics.ToDouble(style),
            demodulate: true, upsample: false, null, 0, null, ActivationFunction.Identity);
        var expected = Epilogue(AddNoise(conv, os, noise, noiseImages, -0.45f), os, bias, ActivationFunction.FusedLeakyRelu);
        Numerics.AssertClose(to.ToArray(), expected, 1e-5, "modulated conv+noise");
    }

    [Test]
    public void NoiseOfTheWrongSizeIsRejected()
    {
        using var x = Device.Allocate(new Shape4(1, 2, 4, 4));
        using var k = Device.Upload(Upfirdn2d.SeparableKernel([1f, 3f, 3f, 1f]), new Shape4(1, 1, 4, 4));
        using var o = Device.Allocate(new Shape4(1, 2, 3, 3));
        using var noise = Device.Allocate(new Shape4(1, 1, 4, 4));
        Assert.That(() => Upfirdn2d.Forward(x, k, o, UpfirdnParams.Symmetric(1, 1, 1, 1), noise: noise, noiseWeight: 1f),
            Throws.ArgumentException.With.Message.Contains("noise 1×1×4×4"));
        using var bias = Device.Allocate(new Shape4(1, 1, 1, 3));
        Assert.That(() => Noise.Inject(x, noise, 1f, x, bias), Throws.ArgumentException.With.Message.Contains("bias"));
    }
}
