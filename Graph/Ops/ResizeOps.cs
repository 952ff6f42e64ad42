using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>Bilinear resize to a fixed size (torch F.interpolate, antialias off).</summary>
public sealed class ResizeOp(int height, int width, bool alignCorners) : Op
{
    public override string Name => $"resize{height}x{width}{(alignCorners ? "/ac" : "")}";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) => inputs[0] with { H = height, W = width };

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Resize.Bilinear(inputs[0], output, alignCorners);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 8.0 * output.Length;
}

/// <summary>AdaptiveAvgPool2d to a fixed size (torch windows).</summary>
public sealed class AdaptiveAveragePoolOp(int height, int width) : Op
{
    public override string Name => $"avgpool{height}x{width}";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) => inputs[0] with { H = height, W = width };

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Pooling.AdaptiveAveragePool(inputs[0], output);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => inputs[0].Length;
}
