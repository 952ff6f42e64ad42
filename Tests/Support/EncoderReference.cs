using CineKernel.Kernels;
using CineKernel.Pipeline.Inversion;
using CineKernel.Pipeline.Weights;
using CineKernel.WeightsLoader;

namespace CineKernel.Tests.Support;

/// <summary>
/// fs_encoder_v2 (idx_k 9) in plain float64, module by module as the original forward runs it: every
/// BatchNorm applied as (x − mean)/√(var + ε)·γ + β where it stands (nothing folded), the downscale by
/// torch's bilinear rule with scale factor 0.5, w+ as 18 separate heads plus the mean latent.
/// </summary>
public static class EncoderReference
{
    /// <summary>A float64 NCHW tensor.</summary>
    public sealed record Map(double[] Data, Shape4 Shape);

    public static (double[] WPlus, Map Feature) Forward(IReadOnlyDictionary<string, TensorData> weights, float[] latentAverage,
        float[] image, Shape4 imageShape)
    {
        var config = FeatureStyleEncoderConfig.FromWeights(NetworkParameters.From(weights, "encoder weights"));
        var x = new Map(Numerics.ToDouble(image), imageShape);
        x = HalveBilinear(HalveBilinear(x));

        x = PRelu(BatchNorm(Conv(x, weights["conv.0.weight"], 1, 1), weights, "conv.1"), weights["conv.2.weight"]);
        Map? content = null;
        var pooled = new List<Map>();
        for (int s = 0; s < 4; s++)
        {
            for (int b = 0; b < config.StageBlocks[s]; b++)
                x = BasicBlock(x, weights, $"block_{s + 1}.{b}", b == 0 ? 2 : 1, b == 0);
            if (s == 0)
            {
                var h = BatchNorm(x, weights, "content_layer.0");
                h = BatchNorm(Conv(h, weights["content_layer.1.weight"], 1, 1), weights, "content_layer.2");
                h = PRelu(h, weights["content_layer.3.weight"]);
                content = BatchNorm(Conv(h, weights["content_layer.4.weight"], 2, 1), weights, "content_layer.5");
            }
            pooled.Add(AdaptiveAveragePool3(x));
        }

        // torch.cat(features, dim=1).view(N, −1), one sample at a time.
        int n = imageShape.N, features = pooled.Sum(p => p.Shape.ImageLength), dim = config.StyleDim;
        var row = new double[n * features];
        for (int b = 0; b < n; b++)
        {
            int at = b * features;
            foreach (var p in pooled)
            {
                Array.Copy(p.Data, b * p.Shape.ImageLength, row, at, p.Shape.ImageLength);
                at += p.Shape.ImageLength;
            }
        }
        var wplus = new double[n * config.Styles * dim];
        for (int i = 0; i < config.Styles; i++)
        {
            var head = SmallOpsReference.Linear(row, n, features, weights[$"styles.{i}.weight"].Data, dim, weights[$"styles.{i}.bias"].Data);
            for (int b = 0; b < n; b++)
            for (int j = 0; j < dim; j++)
                wplus[(b * config.Styles + i) * dim + j] = head[b * dim + j] + latentAverage[latentAverage.Length == dim ? j : i * dim + j];
        }
        return (wplus, content!);
    }

    /// <summary>IBasicBlock.forward.</summary>
    private static Map BasicBlock(Map x, IReadOnlyDictionary<string, TensorData> w, string name, int stride, bool downsample)
    {
        var h = BatchNorm(x, w, $"{name}.bn1");
        h = Conv(h, w[$"{name}.conv1.weight"], 1, 1);
        h = BatchNorm(h, w, $"{name}.bn2");
        h = PRelu(h, w[$"{name}.prelu.weight"]);
        h = Conv(h, w[$"{name}.conv2.weight"], stride, 1);
        h = BatchNorm(h, w, $"{name}.bn3");
        var identity = downsample ? BatchNorm(Conv(x, w[$"{name}.downsample.0.weight"], stride, 0), w, $"{name}.downsample.1") : x;
        var sum = new double[h.Data.Length];
        for (int i = 0; i < sum.Length; i++) sum[i] = h.Data[i] + identity.Data[i];
        return h with { Data = sum };
    }

    private static Map Conv(Map x, TensorData weight, int stride, int pad)
    {
        var ws = Shape4.FromDims(weight.Shape);
        var y = ConvReference.Conv2d(x.Data, x.Shape, Numerics.ToDouble(weight.Data), ws, null, stride, Padding2d.Uniform(pad), 1.0,
            ActivationFunction.Identity);
        int oh = (x.Shape.H + 2 * pad - ws.H) / stride + 1, ow = (x.Shape.W + 2 * pad - ws.W) / stride + 1;
        return new Map(y, new Shape4(x.Shape.N, ws.N, oh, ow));
    }

    private static Map BatchNorm(Map x, IReadOnlyDictionary<string, TensorData> w, string name)
    {
        int plane = x.Shape.PlaneLength, c = x.Shape.C;
        return x with
        {
            Data = SmallOpsReference.BatchNorm(x.Data, i => i / plane % c, w[$"{name}.weight"].Data, w[$"{name}.bias"].Data,
                w[$"{name}.running_mean"].Data, w[$"{name}.running_var"].Data, 1e-5),
        };
    }

    private static Map PRelu(Map x, TensorData slopes)
    {
        int plane = x.Shape.PlaneLength, c = x.Shape.C;
        var y = new double[x.Data.Length];
        for (int i = 0; i < y.Length; i++) y[i] = x.Data[i] >= 0 ? x.Data[i] : x.Data[i] * slopes.Data[i / plane % c];
        return x with { Data = y };
    }

    /// <summary>
    /// F.interpolate(scale_factor=0.5, mode='bilinear', align_corners=False): out = ⌊in/2⌋, source
    /// coordinate (d + 0.5)·2 − 0.5 (torch uses 1/scale_factor, not in/out), clamped at 0, taps ⌊s⌋ and ⌊s⌋+1.
    /// </summary>
    private static Map HalveBilinear(Map x)
    {
        var s = x.Shape;
        int oh = s.H / 2, ow = s.W / 2;
        var y = new double[s.N * s.C * oh * ow];
        static (int I0, int I1, double L) Taps(int d, int size)
        {
            double src = Math.Max((d + 0.5) * 2.0 - 0.5, 0);
            int i0 = Math.Min((int)Math.Floor(src), size - 1);
            return (i0, Math.Min(i0 + 1, size - 1), src - i0);
        }
        for (int p = 0; p < s.N * s.C; p++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            var (y0, y1, ly) = Taps(oy, s.H);
            var (x0, x1, lx) = Taps(ox, s.W);
            double At(int yy, int xx) => x.Data[(p * s.H + yy) * s.W + xx];
            y[(p * oh + oy) * ow + ox] = (1 - ly) * ((1 - lx) * At(y0, x0) + lx * At(y0, x1)) + ly * ((1 - lx) * At(y1, x0) + lx * At(y1, x1));
        }
        return new Map(y, s with { H = oh, W = ow });
    }

    /// <summary>AdaptiveAvgPool2d((3, 3)): cell i averages rows [⌊i·H/3⌋, ⌈(i+1)·H/3⌉), columns likewise.</summary>
    private static Map AdaptiveAveragePool3(Map x)
    {
        var s = x.Shape;
        var y = new double[s.N * s.C * 9];
        for (int p = 0; p < s.N * s.C; p++)
        for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
        {
            int r0 = i * s.H / 3, r1 = (int)Math.Ceiling((i + 1) * s.H / 3.0);
            int c0 = j * s.W / 3, c1 = (int)Math.Ceiling((j + 1) * s.W / 3.0);
            double sum = 0;
            for (int r = r0; r < r1; r++)
            for (int c = c0; c < c1; c++)
                sum += x.Data[(p * s.H + r) * s.W + c];
            y[(p * 3 + i) * 3 + j] = sum / ((r1 - r0) * (c1 - c0));
        }
        return new Map(y, s with { H = 3, W = 3 });
    }
}
