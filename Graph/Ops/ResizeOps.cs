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

/// <summary>
/// A Laplacian pyramid's expand step (<see cref="Resize.ExpandAdd"/>): out = bilinear(coarse) + band (align_corners
/// False). Inputs: coarse (N×C×h×w), band (N×C×H×W); with <paramref name="composite"/> also a mask m (N×1×H×W, in
/// [0, 1]) and a background (N×C×H×W), and then out = m·(bilinear(coarse) + band) + (1−m)·background, exactly the
/// background where m is 0. Output N×C×H×W.
/// </summary>
public sealed class ExpandAddOp(bool composite = false) : Op
{
    public override string Name => composite ? "expand-add+composite" : "expand-add";

    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        bool fits = inputs.Count == (composite ? 4 : 2) && inputs[0].N == inputs[1].N && inputs[0].C == inputs[1].C &&
                    (!composite || (inputs[2] == inputs[1] with { C = 1 } && inputs[3] == inputs[1]));
        return fits ? inputs[1] : throw new ArgumentException($"{Name}: needs coarse, band{(composite ? ", mask, background" : "")}, got {string.Join(", ", inputs)}");
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Resize.ExpandAdd(inputs[0], inputs[1], output, composite ? inputs[2] : null, composite ? inputs[3] : null);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => (composite ? 12.0 : 9.0) * output.Length;
}
