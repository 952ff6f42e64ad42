using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>InstanceNorm2d without affine (torch: biased variance, ε 1e-5).</summary>
public sealed class InstanceNormOp : Op
{
    public override string Name => "instnorm";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) => inputs[0];

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Normalization.InstanceNorm(inputs[0], output);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 5.0 * output.Length;
}

/// <summary>x·scale[c] + shift[c]: a BatchNorm folded into an affine (inputs: x, scale, shift).</summary>
public sealed class ChannelAffineOp : Op
{
    public override string Name => "affine";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) =>
        inputs.Count == 3 && inputs[1].Length == inputs[0].C && inputs[2].Length == inputs[0].C
            ? inputs[0]
            : throw new ArgumentException($"affine: needs x, {inputs[0].C} scales and {inputs[0].C} shifts");

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Normalization.ChannelAffine(inputs[0], inputs[1], inputs[2], output);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 2.0 * output.Length;
}

/// <summary>PixelNorm over the last dimension (StyleGAN2's mapping input): x·rsqrt(mean(x²) + 1e-8).</summary>
public sealed class PixelNormOp : Op
{
    public override string Name => "pixelnorm";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) => inputs[0];

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Normalization.PixelNorm(inputs[0], output, inputs[0].W);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 3.0 * output.Length;
}
