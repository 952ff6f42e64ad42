using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>
/// StyleGAN2's modulated conv (ModulatedConv2d: Demodulation, Forward, ForwardUpsample with the [1,3,3,1] blur):
/// plain, toRGB (1×1, no demodulation) and upsampling; tolerance 1e-5 as ModulatedConv2dTests.
/// </summary>
internal sealed class ModulatedConv2dCheck(ModulatedConv2dCheck.Case c) : SelfTestCheck(c.Name, "convolution", 1e-5, c.Quick)
{
    public sealed record Case(string Name, Shape4 Input, int Cout, int K, bool Demodulate, bool Upsample, bool Bias, int Seed, bool Quick = false);

    public Case Parameters => c;
    public Shape4 WeightShape => new(c.Cout, c.Input.C, c.K, c.K);
    public float WeightScale => ModulatedConv2d.EqualisedScale(c.Input.C, c.K);
    public ActivationFunction Epilogue => c.Bias ? ActivationFunction.FusedLeakyRelu : ActivationFunction.Identity;
    public float[] BlurKernel => Upfirdn2d.SeparableKernel([1f, 3f, 3f, 1f], 4f);
    public float[] X => RandomWeights.Uniform((int)c.Input.Length, c.Seed);
    public float[] W => RandomWeights.Uniform((int)WeightShape.Length, c.Seed + 1, 2f);

    /// <summary>Styles near the modulation's bias of 1, some negative: uniform in [−0.4, 2).</summary>
    public float[] Style => RandomWeights.Uniform(c.Input.N * c.Input.C, c.Seed + 2, 1.2f).Select(v => v + 0.8f).ToArray();

    public float[]? B => c.Bias ? RandomWeights.Uniform(c.Cout, c.Seed + 3) : null;
    public Shape4 OutputShape => c.Upsample ? new(c.Input.N, c.Cout, 2 * c.Input.H, 2 * c.Input.W) : c.Input with { C = c.Cout };

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        using var x = device.Upload(X, c.Input);
        using var w = device.Upload(W, WeightShape);
        using var s = device.Upload(Style, new Shape4(1, 1, c.Input.N, c.Input.C));
        using var d = c.Demodulate ? device.Allocate(1, 1, c.Input.N, c.Cout) : null;
        using var b = B is { } bias ? device.Upload(bias, new Shape4(1, 1, 1, c.Cout)) : null;
        using var o = device.Allocate(OutputShape);
        if (d is not null) ModulatedConv2d.Demodulation(w, s, WeightScale, d);
        if (c.Upsample)
        {
            using var blur = device.Upload(BlurKernel, new Shape4(1, 1, 4, 4));
            using var scratch = device.Allocate(ModulatedConv2d.UpsampleScratchShape(c.Input, WeightShape));
            ModulatedConv2d.ForwardUpsample(x, w, s, d, blur, scratch, b, o, WeightScale, Epilogue);
        }
        else
        {
            ModulatedConv2d.Forward(x, w, s, d, b, o, WeightScale, Epilogue);
        }
        return o.ToArray();
    }

    public static IEnumerable<SelfTestCheck> All() =>
    [
        new ModulatedConv2dCheck(new("modulated-conv/k3-demod", new(2, 5, 7, 6), 4, 3, true, false, false, 300, Quick: true)),
        new ModulatedConv2dCheck(new("modulated-conv/k5-demod-bias-lrelu", new(1, 2, 6, 5), 3, 5, true, false, true, 310)),
        new ModulatedConv2dCheck(new("modulated-conv/torgb-k1-bias", new(2, 6, 5, 4), 3, 1, false, false, true, 320)),
        new ModulatedConv2dCheck(new("modulated-conv/upsample-demod", new(2, 3, 5, 7), 4, 3, true, true, false, 330)),
        new ModulatedConv2dCheck(new("modulated-conv/upsample-demod-bias-lrelu", new(1, 4, 4, 3), 2, 3, true, true, true, 340)),
    ];
}
