using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>conv_transpose2d (TransposedConv2d.Forward), weight Cin×Cout×K×K; tolerance 1e-5 as ConvTransposedTests.</summary>
internal sealed class TransposedConv2dCheck(TransposedConv2dCheck.Case c) : SelfTestCheck(c.Name, "convolution", 1e-5, false)
{
    public sealed record Case(string Name, Shape4 Input, int Cout, int K, int Stride, bool Bias, int Seed);

    public Case Parameters => c;
    public Shape4 WeightShape => new(c.Input.C, c.Cout, c.K, c.K);
    public float WeightScale => 1f / MathF.Sqrt(c.Input.C * c.K * c.K);
    public ActivationFunction Epilogue => c.Bias ? ActivationFunction.FusedLeakyRelu : ActivationFunction.Identity;
    public float[] X => RandomWeights.Uniform((int)c.Input.Length, c.Seed);
    public float[] W => RandomWeights.Uniform((int)WeightShape.Length, c.Seed + 1);
    public float[]? B => c.Bias ? RandomWeights.Uniform(c.Cout, c.Seed + 2) : null;

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        using var x = device.Upload(X, c.Input);
        using var w = device.Upload(W, WeightShape);
        using var b = B is { } bias ? device.Upload(bias, new Shape4(1, 1, 1, c.Cout)) : null;
        using var o = device.Allocate(TransposedConv2d.OutputShape(c.Input, c.Cout, c.K, c.K, c.Stride));
        TransposedConv2d.Forward(x, w, b, o, c.Stride, WeightScale, Epilogue);
        return o.ToArray();
    }

    public static IEnumerable<SelfTestCheck> All() =>
    [
        new TransposedConv2dCheck(new("conv-transposed/k3-stride2", new(2, 3, 5, 7), 4, 3, 2, false, 200)),
        new TransposedConv2dCheck(new("conv-transposed/k2-stride3-bias-lrelu", new(1, 2, 3, 4), 3, 2, 3, true, 210)),
    ];
}
