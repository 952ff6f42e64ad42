using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

/// <summary>
/// Every kernel that applies <see cref="EpilogueArguments"/> in its store (the standalone pass, the direct conv, the
/// modulated convs, upfirdn2d, the linear layer in each mapping) with all terms on: residual, noise, bias, activation,
/// scale and shift, on odd sizes, against the float64 reference of the bare op followed by
/// f(v + residual + w·noise + bias[c])·scale + shift.
/// </summary>
public class EpilogueArgumentsTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    private const float NoiseWeight = -0.37f, Scale = -1.75f, Shift = 0.3f;
    private static readonly ActivationFunction Leaky = ActivationFunction.LeakyRelu(0.2f).WithGain(1.3f);

    /// <summary>The epilogue on the float64 values <paramref name="v"/> of shape <paramref name="s"/>.</summary>
    private static double[] Reference(double[] v, Shape4 s, float[]? residual, float[]? noise, int noiseImages, float[]? bias)
    {
        var r = new double[v.Length];
        for (int e = 0; e < r.Length; e++)
        {
            double u = v[e];
            if (residual is not null) u += residual[e];
            if (noise is not null) u += NoiseWeight * (double)noise[(noiseImages == 1 ? 0 : e / s.ImageLength) * s.PlaneLength + e % s.PlaneLength];
            if (bias is not null) u += bias[e / s.PlaneLength % s.C];
            r[e] = ConvReference.Activate(u, Leaky) * Scale + Shift;
        }
        return r;
    }

    /// <summary>A random residual, noise (a plane shared by the batch, or one per image) and bias for an output of a given shape.</summary>
    private sealed class Terms : IDisposable
    {
        public Terms(Shape4 s, int noiseImages, int seed)
        {
            NoiseImages = noiseImages;
            Noise = Numerics.Random(noiseImages * s.PlaneLength, seed);
            Bias = Numerics.Random(s.C, seed + 1);
            Residual = Numerics.Random((int)s.Length, seed + 2);
            ResidualTensor = Device.Upload(Residual, s);
            NoiseTensor = Device.Upload(Noise, new Shape4(noiseImages, 1, s.H, s.W));
            BiasTensor = Device.Upload(Bias, new Shape4(1, 1, 1, s.C));
        }

        public int NoiseImages { get; }
        public float[] Noise { get; }
        public float[] Bias { get; }
        public float[] Residual { get; }
        public Tensor ResidualTensor { get; }
        public Tensor NoiseTensor { get; }
        public Tensor BiasTensor { get; }

        public EpilogueArguments Arguments => new()
        {
            Residual = ResidualTensor, Noise = NoiseTensor, NoiseWeight = NoiseWeight, Bias = BiasTensor, Activation = Leaky, Scale = Scale, Shift = Shift,
        };

        public double[] Expected(double[] v, Shape4 s) => Reference(v, s, Residual, Noise, NoiseImages, Bias);

        public void Dispose()
        {
            ResidualTensor.Dispose();
            NoiseTensor.Dispose();
            BiasTensor.Dispose();
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    public void StandalonePassMatchesReference(int noiseImages)
    {
        var s = new Shape4(2, 5, 7, 9);
        var x = Numerics.Random((int)s.Length, 81);
        using var terms = new Terms(s, noiseImages, 82);
        using var tx = Device.Upload(x, s);
        using var ty = Device.Allocate(s);
        ElementWise.ApplyEpilogue(tx, terms.Arguments, ty);
        Numerics.AssertClose(ty.ToArray(), terms.Expected(Numerics.ToDouble(x), s), 1e-5, "epilogue pass");

        ElementWise.ApplyEpilogue(tx, terms.Arguments, tx); // in place
        Numerics.AssertClose(tx.ToArray(), terms.Expected(Numerics.ToDouble(x), s), 1e-5, "epilogue pass in place");

        // The residual may be the output itself: each element reads its own value before storing.
        var r = Numerics.Random((int)s.Length, 83);
        using var tr = Device.Upload(r, s);
        using var tx2 = Device.Upload(x, s);
        ElementWise.ApplyEpilogue(tx2, new EpilogueArguments { Residual = tr, Scale = Scale }, tr);
        Numerics.AssertClose(tr.ToArray(), x.Select((v, e) => ((double)v + r[e]) * Scale).ToArray(), 1e-5, "residual = output");
    }

    [TestCase(1, PaddingMode.Zeros, 1)]
    [TestCase(2, PaddingMode.Reflect, 2)]
    public void DirectConvMatchesReference(int stride, PaddingMode mode, int noiseImages)
    {
        // 7 output channels: a partial last channel block; 11×13 input: border pixels and a lone last pixel per row.
        var xs = new Shape4(2, 3, 11, 13);
        var ws = new Shape4(7, 3, 3, 3);
        var padding = Padding2d.Uniform(1, mode);
        var x = Numerics.Random((int)xs.Length, 83);
        var w = Numerics.Random((int)ws.Length, 84);
        var os = Conv2d.OutputShape(xs, ws, stride, padding);
        using var terms = new Terms(os, noiseImages, 85);
        using var tx = Device.Upload(x, xs);
        using var tw = Device.Upload(w, ws);
        using var ty = Device.Allocate(os);
        Conv2d.Forward(tx, tw, ty, new Conv2dOptions { Stride = stride, Padding = padding, WeightScale = 0.5f }, terms.Arguments);
        var v = ConvReference.Conv2d(Numerics.ToDouble(x), xs, Numerics.ToDouble(w), ws, null, stride, padding, 0.5f,
            ActivationFunction.Identity);
        Numerics.AssertClose(ty.ToArray(), terms.Expected(v, os), 1e-5, "conv2d + epilogue");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ModulatedConvMatchesReference(bool upsample)
    {
        var xs = new Shape4(2, 4, 5, 7);
        var ws = new Shape4(5, 4, 3, 3);
        var x = Numerics.Random((int)xs.Length, 86);
        var w = Numerics.Random((int)ws.Length, 87);
        var style = Numerics.Random(xs.N * xs.C, 88);
        float scale = ModulatedConv2d.EqualisedScale(ws.C, ws.H);
        using var tx = Device.Upload(x, xs);
        using var tw = Device.Upload(w, ws);
        using var ts = Device.Upload(style, new Shape4(xs.N, 1, 1, xs.C));
        using var td = Device.Allocate(new Shape4(xs.N, 1, 1, ws.N));
        ModulatedConv2d.Demodulation(tw, ts, scale, td);

        // The reference: the same ops with an identity epilogue, then the epilogue in float64.
        var os = upsample ? xs with { C = ws.N, H = 2 * xs.H, W = 2 * xs.W } : xs with { C = ws.N };
        using var plain = Device.Allocate(os);
        using var ty = Device.Allocate(os);
        using var terms = new Terms(os, 2, 89);
        if (upsample)
        {
            using var blur = Device.Upload(Upfirdn2d.SeparableKernel([1f, 3f, 3f, 1f], 4f), new Shape4(1, 1, 4, 4));
            using var scratch = Device.Allocate(ModulatedConv2d.UpsampleScratchShape(xs, ws));
            ModulatedConv2d.ForwardUpsample(tx, tw, ts, td, blur, scratch, plain, scale, EpilogueArguments.Identity);
            ModulatedConv2d.ForwardUpsample(tx, tw, ts, td, blur, scratch, ty, scale, terms.Arguments);
        }
        else
        {
            ModulatedConv2d.Forward(tx, tw, ts, td, plain, scale, EpilogueArguments.Identity);
            ModulatedConv2d.Forward(tx, tw, ts, td, ty, scale, terms.Arguments);
        }
        Numerics.AssertClose(ty.ToArray(), terms.Expected(Numerics.ToDouble(plain.ToArray()), os), 1e-5,
            upsample ? "modconv↑2 + epilogue" : "modconv + epilogue");
    }

    [TestCase(PaddingMode.Zeros, 1)]
    [TestCase(PaddingMode.Reflect, 2)]
    public void WinogradConvMatchesReference(PaddingMode mode, int noiseImages)
    {
        // 7 output channels: a partial channel block; 11×13: partial 2×2 tiles and a partial tile pair per row.
        var xs = new Shape4(2, 3, 11, 13);
        var ws = new Shape4(7, 3, 3, 3);
        var padding = Padding2d.Uniform(1, mode);
        var x = Numerics.Random((int)xs.Length, 96);
        var w = Numerics.Random((int)ws.Length, 97);
        var os = Conv2d.OutputShape(xs, ws, 1, padding);
        using var terms = new Terms(os, noiseImages, 98);
        using var tx = Device.Upload(x, xs);
        using var tw = Device.Upload(w, ws);
        using var tu = Device.Allocate(WinogradConv2d.TransformedWeightShape(ws));
        using var ty = Device.Allocate(os);
        WinogradConv2d.TransformWeight(tw, tu);
        WinogradConv2d.Forward(tx, tu, ty, new Conv2dOptions { Padding = padding, WeightScale = 0.5f }, terms.Arguments);
        var v = ConvReference.Conv2d(Numerics.ToDouble(x), xs, Numerics.ToDouble(w), ws, null, 1, padding, 0.5f,
            ActivationFunction.Identity);
        Numerics.AssertClose(ty.ToArray(), terms.Expected(v, os), 1e-5, "winograd conv2d + epilogue");

        // The modulated form: style on the inputs, demod on the outputs, then the same epilogue.
        var style = Numerics.Random(xs.N * xs.C, 99);
        using var ts = Device.Upload(style, new Shape4(xs.N, 1, 1, xs.C));
        using var td = Device.Allocate(new Shape4(xs.N, 1, 1, ws.N));
        float scale = ModulatedConv2d.EqualisedScale(ws.C, 3);
        ModulatedConv2d.Demodulation(tw, ts, scale, td);
        using var plain = Device.Allocate(os with { });
        ModulatedConv2d.Forward(tx, tw, ts, td, plain, scale, EpilogueArguments.Identity);
        WinogradConv2d.ForwardModulated(tx, tu, ts, td, ty, scale, terms.Arguments);
        Numerics.AssertClose(ty.ToArray(), terms.Expected(Numerics.ToDouble(plain.ToArray()), os), 1e-5, "winograd modconv + epilogue");
    }

    [Test]
    public void UpfirdnMatchesReference()
    {
        var xs = new Shape4(2, 3, 7, 5);
        var p = UpfirdnParams.Symmetric(2, 1, 2, 1);
        var x = Numerics.Random((int)xs.Length, 90);
        var k = Upfirdn2d.SeparableKernel([1f, 3f, 3f, 1f], 4f);
        var os = Upfirdn2d.OutputShape(xs, 4, 4, p);
        using var terms = new Terms(os, 1, 91);
        using var tx = Device.Upload(x, xs);
        using var tk = Device.Upload(k, new Shape4(1, 1, 4, 4));
        using var ty = Device.Allocate(os);
        Upfirdn2d.Forward(tx, tk, ty, p, terms.Arguments);
        var v = ConvReference.Upfirdn2d(Numerics.ToDouble(x), xs, Numerics.ToDouble(k), 4, 4, p);
        Numerics.AssertClose(ty.ToArray(), terms.Expected(v, os), 1e-5, "upfirdn2d + epilogue");
    }

    [TestCase(LinearMapping.ThreadPerOutput)]
    [TestCase(LinearMapping.GroupPerOutput)]
    [TestCase(LinearMapping.Tiled)]
    public void LinearMatchesReferenceInBothLayouts(LinearMapping mapping)
    {
        const int rows = 5, inFeatures = 19, outFeatures = 7;
        var x = Numerics.Random(rows * inFeatures, 92);
        var w = Numerics.Random(outFeatures * inFeatures, 93, 0.2f);
        var b = Numerics.Random(outFeatures, 94);
        using var tw = Device.Upload(w, new Shape4(1, 1, outFeatures, inFeatures));
        using var tb = Device.Upload(b, new Shape4(1, 1, 1, outFeatures));
        var residual = Numerics.Random(rows * outFeatures, 95); // row-major rows × features
        using var tr = Device.Upload(residual, new Shape4(1, 1, rows, outFeatures));
        var arguments = new EpilogueArguments { Residual = tr, Bias = tb, BiasScale = 0.5f, Activation = Leaky, Scale = Scale, Shift = Shift };
        var options = LinearOptions.Plain with { WeightScale = 0.75f, Mapping = mapping };
        var v = SmallOpsReference.Linear(x, rows, inFeatures, w, outFeatures, inFeatures, null, weightScale: 0.75);
        var expected = new double[v.Length];
        for (int e = 0; e < v.Length; e++)
            expected[e] = ConvReference.Activate(v[e] + residual[e] + 0.5 * b[e % outFeatures], Leaky) * Scale + Shift;

        using var tx = Device.Upload(x, new Shape4(1, 1, rows, inFeatures));
        using var ty = Device.Allocate(new Shape4(1, 1, rows, outFeatures));
        Linear.Forward(tx, tw, ty, options, arguments);
        Numerics.AssertClose(ty.ToArray(), expected, 1e-5, $"linear rows {mapping} + epilogue");

        // Per pixel: the same rows as the pixels of a 1×In×1×rows map, features along C.
        var xPixels = new float[x.Length];
        for (int r = 0; r < rows; r++)
        for (int f = 0; f < inFeatures; f++)
            xPixels[f * rows + r] = x[r * inFeatures + f];
        using var txp = Device.Upload(xPixels, new Shape4(1, inFeatures, 1, rows));
        using var typ = Device.Allocate(new Shape4(1, outFeatures, 1, rows));
        var residualPixels = new float[residual.Length];
        for (int r = 0; r < rows; r++)
        for (int o = 0; o < outFeatures; o++)
            residualPixels[o * rows + r] = residual[r * outFeatures + o];
        using var trp = Device.Upload(residualPixels, typ.Shape);
        Linear.ForwardPerPixel(txp, tw, typ, options, arguments with { Residual = trp });
        var expectedPixels = new double[expected.Length];
        for (int r = 0; r < rows; r++)
        for (int o = 0; o < outFeatures; o++)
            expectedPixels[o * rows + r] = expected[r * outFeatures + o];
        Numerics.AssertClose(typ.ToArray(), expectedPixels, 1e-5, $"linear per pixel {mapping} + epilogue");
    }

    [Test]
    public void RejectsTermsThatDoNotFit()
    {
        using var x = Device.Allocate(1, 3, 4, 5);
        using var y = Device.Allocate(1, 3, 4, 5);
        using var wrongBias = Device.Allocate(1, 1, 1, 4);
        using var wrongNoise = Device.Allocate(1, 1, 5, 4);
        using var w = Device.Allocate(1, 1, 3, 3);
        using var rows = Device.Allocate(1, 1, 2, 3);
        using var plane = Device.Allocate(1, 1, 2, 3);
        Assert.Multiple(() =>
        {
            Assert.That(() => ElementWise.ApplyEpilogue(x, new EpilogueArguments { Bias = wrongBias }, y),
                Throws.ArgumentException.With.Message.Contains("bias"));
            Assert.That(() => ElementWise.ApplyEpilogue(x, new EpilogueArguments { Noise = wrongNoise }, y),
                Throws.ArgumentException.With.Message.Contains("noise"));
            Assert.That(() => ElementWise.ApplyEpilogue(x, new EpilogueArguments { Residual = wrongNoise }, y),
                Throws.ArgumentException.With.Message.Contains("residual"));
            Assert.That(() => ElementWise.ApplyEpilogue(x, new EpilogueArguments { Shift = float.NaN }, y),
                Throws.ArgumentException.With.Message.Contains("finite"));
            Assert.That(() => ElementWise.ApplyEpilogue(x, new EpilogueArguments { Activation = default }, y),
                Throws.ArgumentException.With.Message.Contains("activation"));
            Assert.That(() => Linear.Forward(rows, w, rows, LinearOptions.Plain, new EpilogueArguments { Noise = plane }),
                Throws.ArgumentException.With.Message.Contains("noise"));
            Assert.That(() => Linear.Forward(rows, w, rows, LinearOptions.Plain with { Activation = ActivationFunction.Relu }, EpilogueArguments.Identity),
                Throws.ArgumentException.With.Message.Contains("epilogue arguments"));
        });
    }
}
