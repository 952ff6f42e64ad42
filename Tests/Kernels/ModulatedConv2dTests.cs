using CineKernel.Kernels;
using CineKernel.Tests.Support;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class ModulatedConv2dTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    private static readonly float[] BlurTaps = [1, 3, 3, 1];

    /// <summary>Styles near the modulation's bias of 1, with some negative ones.</summary>
    private static float[] Styles(int length, int seed) => Array.ConvertAll(Numerics.Random(length, seed, 1.2f), v => v + 0.8f);

    [TestCase(2, 5, 4, 7, 6, 3, true, false, TestName = "plain 3×3, demodulated, N=2")]
    [TestCase(1, 3, 6, 5, 9, 3, false, true, TestName = "plain 3×3, not demodulated, bias + fused leaky ReLU")]
    [TestCase(2, 6, 3, 5, 4, 1, false, true, TestName = "toRGB: 1×1, not demodulated, bias, N=2")]
    [TestCase(1, 2, 3, 6, 5, 5, true, true, TestName = "plain 5×5, demodulated, bias + fused leaky ReLU")]
    public void PlainEqualsTheNaivePerSampleWeight(int n, int cin, int cout, int h, int w, int k, bool demodulate, bool withBias)
    {
        var xs = new Shape4(n, cin, h, w);
        var ws = new Shape4(cout, cin, k, k);
        var x = Numerics.Random((int)xs.Length, 41);
        var wt = Numerics.Random((int)ws.Length, 42, 2f);
        var s = Styles(n * cin, 43);
        var b = withBias ? Numerics.Random(cout, 44) : null;
        var epilogue = withBias ? ActivationFunction.FusedLeakyRelu : ActivationFunction.Identity;
        float scale = ModulatedConv2d.EqualisedScale(cin, k);

        using var tx = Device.Upload(x, xs);
        using var tw = Device.Upload(wt, ws);
        using var ts = Device.Upload(s, new Shape4(1, 1, n, cin));
        using var td = demodulate ? Device.Allocate(1, 1, n, cout) : null;
        using var tb = b is null ? null : Device.Upload(b, new Shape4(1, 1, 1, cout));
        using var to = Device.Allocate(n, cout, h, w);
        if (td is not null) ModulatedConv2d.Demodulation(tw, ts, scale, td);
        var expected = ConvReference.ModulatedConv2d(Numerics.ToDouble(x), xs, Numerics.ToDouble(wt), ws, Numerics.ToDouble(s),
            demodulate, upsample: false, null, 0, b is null ? null : Numerics.ToDouble(b), epilogue);
        ModulatedConv2d.Forward(tx, tw, ts, td, tb, to, scale, epilogue);
        Numerics.AssertClose(to.ToArray(), expected, 1e-5, "modulated conv");
        // Both thread mappings on this device: the direct kernel (the CPU's) and the implicit GEMM (the GPUs').
        foreach (var mapping in new[] { ConvMapping.Direct, ConvMapping.ImplicitGemm })
        {
            ModulatedConv2d.Forward(tx, tw, ts, td, to, scale,
                new EpilogueArguments { Bias = tb, Activation = epilogue }, mapping);
            Numerics.AssertClose(to.ToArray(), expected, 1e-5, $"modulated conv, {mapping}");
        }
    }

    [TestCase(2, 3, 4, 5, 7, true, false, TestName = "upsample 3×3, demodulated, N=2")]
    [TestCase(1, 4, 2, 4, 3, true, true, TestName = "upsample 3×3, demodulated, bias + fused leaky ReLU after the blur")]
    [TestCase(1, 2, 3, 3, 4, false, false, TestName = "upsample 3×3, not demodulated")]
    public void UpsampleEqualsTheNaivePerSampleWeight(int n, int cin, int cout, int h, int w, bool demodulate, bool withBias)
    {
        const int k = 3;
        var xs = new Shape4(n, cin, h, w);
        var ws = new Shape4(cout, cin, k, k);
        var x = Numerics.Random((int)xs.Length, 51);
        var wt = Numerics.Random((int)ws.Length, 52, 2f);
        var s = Styles(n * cin, 53);
        var b = withBias ? Numerics.Random(cout, 54) : null;
        var blur = Upfirdn2d.SeparableKernel(BlurTaps, 4f);
        var epilogue = withBias ? ActivationFunction.FusedLeakyRelu : ActivationFunction.Identity;
        float scale = ModulatedConv2d.EqualisedScale(cin, k);

        using var tx = Device.Upload(x, xs);
        using var tw = Device.Upload(wt, ws);
        using var ts = Device.Upload(s, new Shape4(n, cin, 1, 1));
        using var td = demodulate ? Device.Allocate(n, cout, 1, 1) : null;
        using var tb = b is null ? null : Device.Upload(b, new Shape4(1, 1, 1, cout));
        using var tblur = Device.Upload(blur, new Shape4(1, 1, 4, 4));
        using var scratch = Device.Allocate(ModulatedConv2d.UpsampleScratchShape(xs, ws));
        using var to = Device.Allocate(n, cout, 2 * h, 2 * w);
        if (td is not null) ModulatedConv2d.Demodulation(tw, ts, scale, td);
        ModulatedConv2d.ForwardUpsample(tx, tw, ts, td, tblur, scratch, tb, to, scale, epilogue);

        var expected = ConvReference.ModulatedConv2d(Numerics.ToDouble(x), xs, Numerics.ToDouble(wt), ws, Numerics.ToDouble(s),
            demodulate, upsample: true, Numerics.ToDouble(blur), 4, b is null ? null : Numerics.ToDouble(b), epilogue);
        Numerics.AssertClose(to.ToArray(), expected, 1e-5, "upsampling modulated conv");
    }

    [Test]
    public void DemodulationIsTheRsqrtOfTheModulatedWeightEnergy()
    {
        const int n = 2, cin = 7, cout = 5, k = 3;
        var wt = Numerics.Random(cout * cin * k * k, 61, 2f);
        var s = Styles(n * cin, 62);
        float scale = ModulatedConv2d.EqualisedScale(cin, k);
        using var tw = Device.Upload(wt, new Shape4(cout, cin, k, k));
        using var ts = Device.Upload(s, new Shape4(1, 1, n, cin));
        using var td = Device.Allocate(1, 1, n, cout);
        ModulatedConv2d.Demodulation(tw, ts, scale, td);

        var expected = new double[n * cout];
        for (int b = 0; b < n; b++)
        for (int o = 0; o < cout; o++)
        {
            double sum = 0;
            for (int i = 0; i < cin; i++)
            for (int t = 0; t < k * k; t++)
            {
                double v = (double)scale * wt[(o * cin + i) * k * k + t] * s[b * cin + i];
                sum += v * v;
            }
            expected[b * cout + o] = 1 / Math.Sqrt(sum + 1e-8);
        }
        Numerics.AssertClose(td.ToArray(), expected, 1e-6, "demod");
    }

    [TestCase(2, 2, 1, TestName = "blur pad for K=1: (2, 2)")]
    [TestCase(1, 1, 3, TestName = "blur pad for K=3: (1, 1)")]
    [TestCase(0, 0, 5, TestName = "blur pad for K=5: Python floor division gives (0, 0)")]
    public void UpsampleBlurPaddingFollowsTheOriginal(int pad0, int pad1, int k)
    {
        Assert.That(ModulatedConv2d.UpsampleBlurParams(4, k), Is.EqualTo(UpfirdnParams.Symmetric(1, 1, pad0, pad1)));
    }

    [Test]
    public void RejectsAStyleOfTheWrongLength()
    {
        using var x = Device.Allocate(2, 3, 4, 4);
        using var w = Device.Allocate(5, 3, 3, 3);
        using var s = Device.Allocate(1, 1, 1, 3); // one sample's style for a batch of two
        using var o = Device.Allocate(2, 5, 4, 4);
        Assert.That(() => ModulatedConv2d.Forward(x, w, s, null, null, o, 1f),
            Throws.ArgumentException.With.Message.Contains("N×Cin = 2×3"));
    }

    // Golden parity: the original Generator's convs[8] (upsampling, 64→32 channels, 64→128 pixels) and
    // convs[9] (plain 3×3) in feature_forward with D injected before layer 9 (DESIGN.md "A cinemagraph
    // frame"). The fixture is a subset of shared/golden/generator_tiny.safetensors. The modulation Linear,
    // the noise injection and the bias + leaky ReLU belong to other ops; here they are applied in float64
    // around our conv so that the test isolates it.
    private static SafetensorsFile Golden() => CineKernel.Tests.Pipeline.GeneratorGolden.Open();

    [TestCase(8, 9, true, "out.feature_forward.features.1", 32, TestName = "golden: convs[8], upsampling modulated conv")]
    [TestCase(9, 10, false, "out.feature_forward.features.2", 8, TestName = "golden: convs[9], plain modulated conv")]
    public void MatchesTheOriginalGenerator(int conv, int latentIndex, bool upsample, string expectedName, int checkedChannels)
    {
        using var golden = Golden();
        string prefix = $"convs.{conv}.";
        var weight = golden.Read(prefix + "conv.weight"); // 1×Cout×Cin×K×K
        int cout = (int)weight.Shape[1], cin = (int)weight.Shape[2], k = (int)weight.Shape[3];
        var input = golden.Read(upsample ? "in.feature" : "out.feature_forward.features.1");
        var xs = Shape4.FromDims(input.Shape);

        // s = EqualLinear(style_dim → Cin, bias_init 1)(w+[latentIndex]): x·(W/√style_dim)ᵀ + b.
        var wplus = golden.Read("in.wplus");
        int styleDim = (int)wplus.Shape[2];
        var modW = golden.Read(prefix + "conv.modulation.weight").Data;
        var modB = golden.Read(prefix + "conv.modulation.bias").Data;
        var style = new float[cin];
        for (int i = 0; i < cin; i++)
        {
            double acc = 0;
            for (int j = 0; j < styleDim; j++) acc += modW[i * styleDim + j] * (double)wplus.Data[latentIndex * styleDim + j];
            style[i] = (float)(acc / Math.Sqrt(styleDim) + modB[i]);
        }

        float scale = ModulatedConv2d.EqualisedScale(cin, k);
        var ws = new Shape4(cout, cin, k, k);
        using var tx = Device.Upload(input.Data, xs);
        using var tw = Device.Upload(weight.Data, ws);
        using var ts = Device.Upload(style, new Shape4(1, 1, 1, cin));
        using var td = Device.Allocate(1, 1, 1, cout);
        ModulatedConv2d.Demodulation(tw, ts, scale, td);
        var os = new Shape4(1, cout, upsample ? 2 * xs.H : xs.H, upsample ? 2 * xs.W : xs.W);
        using var to = Device.Allocate(os);
        if (upsample)
        {
            var blur = golden.Read(prefix + "conv.blur.kernel");
            using var tblur = Device.Upload(blur.Data, new Shape4(1, 1, 4, 4));
            using var scratch = Device.Allocate(ModulatedConv2d.UpsampleScratchShape(xs, ws));
            ModulatedConv2d.ForwardUpsample(tx, tw, ts, td, tblur, scratch, null, to, scale);
        }
        else
        {
            ModulatedConv2d.Forward(tx, tw, ts, td, null, to, scale);
        }
        var convolved = to.ToArray();

        // StyledConv: out = fused_leaky_relu(conv + noise_weight · noise, bias).
        double noiseWeight = golden.Read(prefix + "noise.weight").Data[0];
        var noise = golden.Read($"noises.noise_{latentIndex}").Data;
        var bias = golden.Read(prefix + "activate.bias").Data;
        int plane = os.H * os.W;
        var actual = new float[checkedChannels * plane];
        for (int o = 0; o < checkedChannels; o++)
        for (int p = 0; p < plane; p++)
        {
            double v = convolved[o * plane + p] + noiseWeight * noise[p] + bias[o];
            actual[o * plane + p] = (float)((v >= 0 ? v : 0.2 * v) * Math.Sqrt(2));
        }
        // The first checkedChannels output channels (the float64 reference conv is slow).
        var expected = golden.Read(expectedName).Data.AsSpan(0, checkedChannels * plane);
        Numerics.AssertClose(actual, expected, 1e-5, $"convs[{conv}] vs the original");
    }
}
