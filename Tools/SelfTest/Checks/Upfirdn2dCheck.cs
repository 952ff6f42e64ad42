using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>upfirdn2d (Upfirdn2d.Forward) with random asymmetric kernels, negative pads, bias and epilogue; tolerance 1e-5 as Upfirdn2dTests.</summary>
internal sealed class Upfirdn2dCheck(Upfirdn2dCheck.Case c) : SelfTestCheck(c.Name, "upfirdn2d", 1e-5, false)
{
    public sealed record Case(string Name, Shape4 Input, int KH, int KW, UpfirdnParams Params, bool Bias, int Seed);

    public Case Parameters => c;
    public ActivationFunction Epilogue => c.Bias ? ActivationFunction.FusedLeakyRelu : ActivationFunction.Identity;
    public float[] X => RandomWeights.Uniform((int)c.Input.Length, c.Seed);
    public float[] Kernel => RandomWeights.Uniform(c.KH * c.KW, c.Seed + 1);
    public float[]? B => c.Bias ? RandomWeights.Uniform(c.Input.C, c.Seed + 2) : null;

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        using var x = device.Upload(X, c.Input);
        using var k = device.Upload(Kernel, new Shape4(1, 1, c.KH, c.KW));
        using var b = B is { } bias ? device.Upload(bias, new Shape4(1, 1, 1, c.Input.C)) : null;
        using var o = device.Allocate(Upfirdn2d.OutputShape(c.Input, c.KH, c.KW, c.Params));
        Upfirdn2d.Forward(x, k, o, c.Params, b, Epilogue);
        return o.ToArray();
    }

    public static IEnumerable<SelfTestCheck> All() =>
    [
        new Upfirdn2dCheck(new("upfirdn2d/up2-pad2-1", new(1, 3, 5, 6), 4, 4, UpfirdnParams.Symmetric(2, 1, 2, 1), false, 400)),
        new Upfirdn2dCheck(new("upfirdn2d/down2-bias-lrelu", new(1, 2, 9, 8), 4, 4, UpfirdnParams.Symmetric(1, 2, 1, 1), true, 410)),
        new Upfirdn2dCheck(new("upfirdn2d/up3-down2-negative-pads", new(2, 2, 6, 5), 3, 2, new UpfirdnParams(3, 2, -1, 2, 1, -2), true, 420)),
    ];
}
