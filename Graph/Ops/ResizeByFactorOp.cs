using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>
/// F.interpolate(x, scale_factor=f, mode='bilinear') (align_corners False, no antialias): the output is
/// ⌊H·f⌋×⌊W·f⌋ and source indices map with 1/f, not in/out (torch passes the scale factor on), which
/// differs from <see cref="ResizeOp"/> when H·f is not whole. The encoder halves its input twice this way
/// (the feature-style encoder trainer's <c>downscale</c>).
/// </summary>
public sealed class ResizeByFactorOp : Op
{
    public ResizeByFactorOp(double factor)
    {
        if (!(factor > 0) || double.IsInfinity(factor)) throw new ArgumentException($"resize by factor: {factor} is not a positive scale factor");
        Factor = factor;
    }

    public double Factor { get; }

    public override string Name => FormattableString.Invariant($"resize×{Factor}");

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        var x = inputs[0];
        int h = (int)Math.Floor(x.H * Factor), w = (int)Math.Floor(x.W * Factor);
        if (h < 1 || w < 1) throw new ArgumentException($"{Name}: input {x} becomes empty");
        return x with { H = h, W = w };
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Resize.Bilinear(inputs[0], output, alignCorners: false, scaleFactorY: Factor, scaleFactorX: Factor);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 8.0 * output.Length;
}
