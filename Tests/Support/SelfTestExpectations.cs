using CineKernel.Kernels;
using CineKernel.Tools.SelfTest;
using CineKernel.Tools.SelfTest.Checks;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Support;

/// <summary>
/// What <c>cinekernel selftest</c>'s expectations file must hold, made from the same sources the parity tests trust:
/// each check's expected output from the float64 references (ConvReference, DfwReference, SmallOpsReference,
/// GeneratorReference, MotionReference, EncoderReference) on the check's own inputs, or, for the checks that replay
/// the original's golden fixtures, the fixture's output and inputs themselves. Every value is rounded to float32.
/// </summary>
public static class SelfTestExpectations
{
    private static string Data(params string[] parts) => Path.Combine([TestContext.CurrentContext.TestDirectory, "Data", .. parts]);

    /// <summary>Every tensor of the file, in suite order: per check its golden inputs (NAME/in.*), then its expectation (NAME).</summary>
    public static List<KeyValuePair<string, TensorData>> Build()
    {
        var tensors = new List<KeyValuePair<string, TensorData>>();
        foreach (var check in SelfTestSuite.All)
        {
            foreach (var (name, data) in GoldenInputs(check)) tensors.Add(KeyValuePair.Create(SelfTestData.InputName(check.Name, name), data));
            var expected = Expected(check);
            tensors.Add(KeyValuePair.Create(check.Name, new TensorData([expected.Length], expected)));
        }
        return tensors;
    }

    /// <summary>The fixture tensors a golden check replays (none for the others).</summary>
    public static IEnumerable<(string Name, TensorData Data)> GoldenInputs(SelfTestCheck check)
    {
        switch (check)
        {
            case SplatCheck { Parameters.Golden: true }:
            {
                using var golden = DfwGolden.Open();
                return SplatCheck.GoldenInputs.Select(n => (n, golden.Read($"in.{n}"))).ToList();
            }
            case MappingCheck:
            {
                using var golden = SafetensorsFile.Open(Data("generator", "generator_tiny.safetensors"));
                return MappingCheck.GoldenInputs.Select(n => (n, golden.Read(n == "z" ? "in.z" : n))).ToList();
            }
            default:
                return [];
        }
    }

    /// <summary>The expected output of <paramref name="check"/>, float32.</summary>
    public static float[] Expected(SelfTestCheck check) => check switch
    {
        SplatCheck { Parameters.Golden: true } => Fixture(DfwGolden.Path, "out.splat"),
        MappingCheck => Fixture(Data("generator", "generator_tiny.safetensors"), "out.w"),
        _ => Array.ConvertAll(Reference(check), v => (float)v),
    };

    private static float[] Fixture(string path, string name)
    {
        using var file = SafetensorsFile.Open(path);
        return file.Read(name).Data;
    }

    private static double[] D(float[] x) => Numerics.ToDouble(x);

    private static double[]? Optional(float[]? x) => x is null ? null : Numerics.ToDouble(x);

    private static double[] Reference(SelfTestCheck check) => check switch
    {
        Conv2dCheck k => ConvReference.Conv2d(D(k.X), k.Parameters.Input, D(k.W), k.Parameters.Weight, Optional(k.B), k.Parameters.Stride,
            k.Parameters.Padding, k.Parameters.WeightScale, k.Parameters.Epilogue),
        TransposedConv2dCheck k => ConvReference.TransposedConv2d(D(k.X), k.Parameters.Input, D(k.W), k.WeightShape, Optional(k.B), k.Parameters.Stride,
            k.WeightScale, k.Epilogue),
        ModulatedConv2dCheck k => ConvReference.ModulatedConv2d(D(k.X), k.Parameters.Input, D(k.W), k.WeightShape, D(k.Style), k.Parameters.Demodulate,
            k.Parameters.Upsample, k.Parameters.Upsample ? D(k.BlurKernel) : null, 4, Optional(k.B), k.Epilogue),
        Upfirdn2dCheck k => ConvReference.Upfirdn2d(D(k.X), k.Parameters.Input, D(k.Kernel), k.Parameters.KH, k.Parameters.KW, k.Parameters.Params,
            Optional(k.B), k.Epilogue),
        ResizeCheck k => Resize(k),
        PaddingCheck k => k.Parameters.Crop
            ? DfwReference.ReflectPad(D(k.X), k.Parameters.Input, new Window(k.Parameters.Top, k.Parameters.Left, k.Parameters.OH, k.Parameters.OW), 0, 0,
                k.Parameters.OH, k.Parameters.OW)
            : DfwReference.ReflectPad(D(k.X), k.Parameters.Input, k.Parameters.Source, k.Parameters.Top, k.Parameters.Left, k.Parameters.OH,
                k.Parameters.OW, k.Parameters.ValueScale),
        PoolingCheck k => SmallOpsReference.AdaptiveAveragePool(k.X, k.Parameters.Input.N * k.Parameters.Input.C, k.Parameters.Input.H,
            k.Parameters.Input.W, k.Parameters.OH, k.Parameters.OW),
        LinearCheck k => Linear(k),
        NormalizationCheck k => k.Parameters.Features > 0
            ? SmallOpsReference.PixelNorm(k.X, k.Parameters.Features)
            : SmallOpsReference.InstanceNorm(k.X, k.Parameters.Input.H * k.Parameters.Input.W),
        ElementWiseCheck k => ElementWise(k),
        EulerCheck k => D(DfwReference.Euler(k.Motion, k.Shape, k.Steps, k.Sign)),
        SplatCheck k => Splat(k),
        HoleFillCheck k => DfwReference.HoleFill(D(k.Feature), D(k.Ones), k.Shape),
        WarpLevelCheck k => DfwReference.WarpOneLevel(k.Feature, k.Channels, k.Size, k.Flow, k.T, k.Frames).Warped,
        GeneratorFrameCheck k => GeneratorFrame(k),
        MotionCheck k => MotionReference.Forward(MotionCheck.Config, name => k.Weights[name], D(k.Image), MotionCheck.ImageShape),
        MaskMlpCheck k => MaskMlp(k),
        EncoderCheck k => Encoder(k),
        _ => throw new NotSupportedException($"no reference for self-test check {check.Name} ({check.GetType().Name})"),
    };

    private static double[] Resize(ResizeCheck k)
    {
        var c = k.Parameters;
        if (!c.ExpandAdd) return DfwReference.Bilinear(D(k.X), c.Input, c.OH, c.OW, c.AlignCorners, c.ScaleFactor, c.ScaleFactor, c.ValueScale);
        var up = DfwReference.Bilinear(D(k.X), c.Input, c.OH, c.OW, alignCorners: false);
        var band = k.Band;
        var mask = k.Mask;
        var background = k.Background;
        int plane = c.OH * c.OW;
        var expected = new double[up.Length];
        for (int i = 0; i < expected.Length; i++)
        {
            double v = up[i] + band[i];
            double m = mask[i / (c.Input.C * plane) * plane + i % plane];
            expected[i] = c.Composite ? m * v + (1 - m) * background[i] : v;
        }
        return expected;
    }

    private static double[] Linear(LinearCheck k)
    {
        var c = k.Parameters;
        var a = c.Activation;
        if (c.PixelShape is not { } s)
            return SmallOpsReference.Linear(k.X, c.Rows, c.In, k.W, c.Out, c.WeightColumns, k.B, c.WeightScale, c.BiasScale, a.NegativeSlope, a.Gain,
                c.ColumnOffset);
        var rows = SmallOpsReference.PixelsToRows(k.X, s.N, c.In, s.H, s.W);
        var y = SmallOpsReference.Linear(rows, c.Rows, c.In, k.W, c.Out, c.In, k.B, c.WeightScale, c.BiasScale, a.NegativeSlope, a.Gain);
        return SmallOpsReference.RowsToPixels(y, s.N, c.Out, s.H, s.W);
    }

    private static double[] ElementWise(ElementWiseCheck k)
    {
        var s = k.Shape;
        float[] a = k.A, b = k.B, c = k.C;
        int plane = s.H * s.W;
        return k.Kind switch
        {
            ElementWiseCheck.Op.AddScaled => a.Select((v, i) => v + (double)ElementWiseCheck.Beta * b[i]).ToArray(),
            ElementWiseCheck.Op.ScaleShift => a.Select(v => v * (double)ElementWiseCheck.Scale + ElementWiseCheck.Shift).ToArray(),
            ElementWiseCheck.Op.Composite => a.Select((v, i) =>
            {
                double m = c[i / (s.C * plane) * plane + i % plane];
                return m * v + (1 - m) * b[i];
            }).ToArray(),
            ElementWiseCheck.Op.PRelu => SmallOpsReference.ChannelActivation(a, s.N, s.C, s.H, s.W, null, null, 0, c, 0, 1),
            ElementWiseCheck.Op.FusedLeakyRelu => SmallOpsReference.ChannelActivation(a, s.N, s.C, s.H, s.W, null, c, ElementWiseCheck.BiasScale, null,
                0.2, Math.Sqrt(2)),
            ElementWiseCheck.Op.ChannelAffine => SmallOpsReference.ChannelActivation(a, s.N, s.C, s.H, s.W, c, b.AsSpan(0, s.C).ToArray(), 1, null, 1, 1),
            ElementWiseCheck.Op.Noise => NoisePerImage(a, s, c),
            _ => throw new NotSupportedException(k.Kind.ToString()),
        };
    }

    private static double[] NoisePerImage(float[] x, Shape4 s, float[] noise) =>
        SmallOpsReference.NoiseInjection(x, s.N, s.C, s.H, s.W, noise, ElementWiseCheck.NoiseWeight);

    private static double[] Splat(SplatCheck k)
    {
        var c = k.Parameters;
        var forward = new DfwReference.Copy(D(k.A), k.FlowA, null, c.ZA);
        var backward = new DfwReference.Copy(D(k.B), k.FlowB, null, c.ZB);
        var blend = DfwReference.Normalize(DfwReference.SplatAccumulator(forward, backward, c.Shape), c.Shape);
        if (c.Fill) blend = DfwReference.HoleFill(blend, DfwReference.OnesMap(forward, backward, c.Shape), c.Shape);
        return DfwReference.ReflectPad(blend, c.Shape, new Window(c.Top, c.Left, c.OH, c.OW), 0, 0, c.OH, c.OW);
    }

    private static double[] GeneratorFrame(GeneratorFrameCheck k)
    {
        var weights = k.Weights;
        var image = GeneratorReference.Frame(GeneratorFrameCheck.Config, name => weights[name], k.WPlus, k.Feature, k.Flow,
            GeneratorFrameCheck.FlowSize, GeneratorFrameCheck.T, GeneratorFrameCheck.Frames);
        return GeneratorFrameCheck.Subsample(image, GeneratorFrameCheck.Config.Size);
    }

    /// <summary>Each model in turn: Linear → ReLU → BatchNorm1d → Linear → ReLU → BatchNorm1d → Linear, nothing folded.</summary>
    private static double[] MaskMlp(MaskMlpCheck k)
    {
        const int rows = MaskMlpCheck.Rows;
        var features = D(k.Features);
        var logits = new List<double>();
        for (int m = 0; m < MaskMlpCheck.Models; m++)
        {
            var t = MaskMlpCheck.Model(m);
            float[] P(string name) => t[$"layers.{name}"].Data;
            double[] Layer(double[] x, int inFeatures, int layer, int outFeatures, int? batchNorm)
            {
                var y = SmallOpsReference.Linear(x, rows, inFeatures, P($"{layer}.weight"), outFeatures, P($"{layer}.bias"));
                if (batchNorm is not { } bn) return y;
                y = Array.ConvertAll(y, v => Math.Max(0, v));
                return SmallOpsReference.BatchNorm(y, i => i % outFeatures, P($"{bn}.weight"), P($"{bn}.bias"), P($"{bn}.running_mean"),
                    P($"{bn}.running_var"), 1e-5);
            }
            var h1 = Layer(features, MaskMlpCheck.In, 0, MaskMlpCheck.Hidden1, 2);
            var h2 = Layer(h1, MaskMlpCheck.Hidden1, 3, MaskMlpCheck.Hidden2, 5);
            logits.AddRange(Layer(h2, MaskMlpCheck.Hidden2, 6, 3, null));
        }
        return logits.ToArray();
    }

    private static double[] Encoder(EncoderCheck k)
    {
        var (wplus, feature) = EncoderReference.Forward(k.Weights, k.LatentAverage, k.Image, EncoderCheck.ImageShape);
        return [.. wplus, .. feature.Data];
    }
}
