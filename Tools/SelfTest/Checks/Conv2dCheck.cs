using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>conv2d (Conv2d.Forward): zero and reflect padding, strides, non-square kernels, bias and epilogues; tolerance 1e-5 as Conv2dTests.</summary>
internal sealed class Conv2dCheck(Conv2dCheck.Case c) : SelfTestCheck(c.Name, "convolution", 1e-5, c.Quick)
{
    public sealed record Case(string Name, Shape4 Input, Shape4 Weight, int Stride, Padding2d Padding, bool Bias,
        ActivationFunction Epilogue, float WeightScale, int Seed, bool Quick = false);

    public Case Parameters => c;
    public float[] X => RandomWeights.Uniform((int)c.Input.Length, c.Seed);
    public float[] W => RandomWeights.Uniform((int)c.Weight.Length, c.Seed + 1);
    public float[]? B => c.Bias ? RandomWeights.Uniform(c.Weight.N, c.Seed + 2) : null;
    public Shape4 OutputShape => Conv2d.OutputShape(c.Input, c.Weight, c.Stride, c.Padding);

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        using var x = device.Upload(X, c.Input);
        using var w = device.Upload(W, c.Weight);
        using var b = B is { } bias ? device.Upload(bias, new Shape4(1, 1, 1, c.Weight.N)) : null;
        using var o = device.Allocate(OutputShape);
        Conv2d.Forward(x, w, b, o, new Conv2dOptions { Stride = c.Stride, Padding = c.Padding, WeightScale = c.WeightScale, Epilogue = c.Epilogue });
        return o.ToArray();
    }

    public static IEnumerable<SelfTestCheck> All() =>
    [
        new Conv2dCheck(new("conv2d/k3-pad1-bias-lrelu", new(2, 5, 16, 21), new(7, 5, 3, 3), 1, Padding2d.Uniform(1), true,
            ActivationFunction.FusedLeakyRelu, 0.25f, 100, Quick: true)),
        new Conv2dCheck(new("conv2d/k7-stride2-reflect3", new(1, 3, 15, 18), new(4, 3, 7, 7), 2, Padding2d.Uniform(3, PaddingMode.Reflect), false,
            ActivationFunction.Identity, 1f, 110)),
        new Conv2dCheck(new("conv2d/k3x5-stride2-asymmetric-reflect", new(2, 3, 8, 11), new(2, 3, 3, 5), 2, new Padding2d(1, 0, 2, 1, PaddingMode.Reflect), true,
            ActivationFunction.LeakyRelu(0.1f).WithGain(0.5f), 1f, 120)),
        new Conv2dCheck(new("conv2d/k1-1x1", new(2, 5, 6, 9), new(3, 5, 1, 1), 1, default, false, ActivationFunction.Relu, 1f, 130)),
    ];
}
