using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>
/// Linear layers (Linear.Forward on rows, Linear.ForwardPerPixel on NCHW) with the device's own choice of thread
/// mapping: plain rows, a weight column slice, StyleGAN2's equalised mapping layer with fused leaky ReLU, the mask
/// MLP's first layer, and per pixel with ReLU; tolerance 1e-5 as LinearTests.
/// </summary>
internal sealed class LinearCheck(LinearCheck.Case c) : SelfTestCheck(c.Name, "linear", 1e-5, c.Quick)
{
    /// <summary>
    /// Rows × In → Out with a weight of Out × WeightColumns (columns from ColumnOffset), weights × WeightScale,
    /// bias × BiasScale (bias when <paramref name="Bias"/>), then the activation. With a <paramref name="PixelShape"/> the
    /// input is N×In×H×W with Rows = N·H·W (<paramref name="PixelShape"/>).
    /// </summary>
    public sealed record Case(string Name, int Rows, int In, int Out, int WeightColumns, int ColumnOffset, bool Bias, float WeightScale,
        float BiasScale, ActivationFunction Activation, float WeightRange, float BiasRange, int Seed, Shape4? PixelShape = null, bool Quick = false);

    public Case Parameters => c;
    public float[] X => RandomWeights.Uniform(c.Rows * c.In, c.Seed);
    public float[] W => RandomWeights.Uniform(c.Out * c.WeightColumns, c.Seed + 1, c.WeightRange);
    public float[]? B => c.Bias ? RandomWeights.Uniform(c.Out, c.Seed + 2, c.BiasRange) : null;

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        var options = LinearOptions.Plain with
        {
            WeightScale = c.WeightScale, BiasScale = c.BiasScale, Activation = c.Activation,
            WeightColumnOffset = c.WeightColumns == c.In ? null : c.ColumnOffset,
        };
        using var w = device.Upload(W, new Shape4(1, 1, c.Out, c.WeightColumns));
        using var b = B is { } bias ? device.Upload(bias, new Shape4(1, 1, 1, c.Out)) : null;
        if (c.PixelShape is { } pixels)
        {
            using var px = device.Upload(X, pixels);
            using var po = device.Allocate(pixels with { C = c.Out });
            using var pw = device.Upload(W, new Shape4(c.Out, c.In, 1, 1));
            Linear.ForwardPerPixel(px, pw, b, po, options);
            return po.ToArray();
        }
        using var x = device.Upload(X, new Shape4(1, 1, c.Rows, c.In));
        using var o = device.Allocate(new Shape4(1, 1, c.Rows, c.Out));
        Linear.Forward(x, w, b, o, options);
        return o.ToArray();
    }

    public static IEnumerable<SelfTestCheck> All()
    {
        var none = ActivationFunction.Identity;
        yield return new LinearCheck(new("linear/rows-37x45-to-19", 37, 45, 19, 45, 0, true, 1f, 1f, none, 0.2f, 1f, 800, Quick: true));
        yield return new LinearCheck(new("linear/one-row-67-to-29", 1, 67, 29, 67, 0, true, 1f, 1f, none, 0.2f, 1f, 810));
        yield return new LinearCheck(new("linear/column-slice-13-of-50", 40, 20, 9, 50, 13, false, 0.5f, 1f, none, 1f, 1f, 820));
        // EqualLinear(512, 512, lr_mul 0.01, fused_lrelu): stored weights randn/lr_mul, so large.
        yield return new LinearCheck(new("linear/mapping-layer-equalised-lrelu", 2, 512, 512, 512, 0, true, 0.01f / MathF.Sqrt(512), 0.01f,
            ActivationFunction.FusedLeakyRelu, 100f, 50f, 830));
        yield return new LinearCheck(new("linear/mask-mlp-first-layer-1472-to-128", 16, 1472, 128, 1472, 0, true, 1f, 1f,
            ActivationFunction.Relu, 0.2f, 1f, 840));
        yield return new LinearCheck(new("linear/per-pixel-21-to-11-relu", 2 * 9 * 4, 21, 11, 21, 0, true, 1f, 1f, ActivationFunction.Relu, 0.3f, 1f, 850,
            PixelShape: new Shape4(2, 21, 9, 4)));
    }
}
