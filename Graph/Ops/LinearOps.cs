using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>
/// A linear layer (Kernels/Linear) as a graph op. Inputs: x, weight (Out×In), optionally bias (Out).
/// Rows layout: x is N×…×In with the features last (shape N×1×Rows×In, output N×1×Rows×Out).
/// Per-pixel layout: x is NCHW with features along C (a 1×1 conv). Absorbs a following
/// <see cref="ActivationOp"/> when its own activation is the identity.
/// </summary>
public sealed class LinearOp(LinearOptions options, bool perPixel = false) : Op
{
    public LinearOptions Options { get; } = options;

    public bool PerPixel { get; } = perPixel;

    public override string Name => (PerPixel ? "linear/px" : "linear") +
        (Options.Activation == ActivationFunction.Identity ? "" : $"·{ActivationOp.Describe(Options.Activation)}");

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count is < 2 or > 3) throw new ArgumentException($"{Name}: expects x, weight and an optional bias");
        var (x, w) = (inputs[0], inputs[1]);
        int outFeatures = w.H, inFeatures = w.W;
        if (w.Length != (long)outFeatures * inFeatures) throw new ArgumentException($"{Name}: weight {w} must be Out×In");
        return PerPixel
            ? (x.C == inFeatures || Options.WeightColumnOffset is not null ? x with { C = outFeatures } : throw new ArgumentException($"{Name}: x {x} has {x.C} features, weight {w} expects {inFeatures}"))
            : (x.W == inFeatures || Options.WeightColumnOffset is not null ? x with { W = outFeatures } : throw new ArgumentException($"{Name}: x {x} has {x.W} features, weight {w} expects {inFeatures}"));
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output)
    {
        var bias = inputs.Count > 2 ? inputs[2] : null;
        if (PerPixel) Linear.ForwardPerPixel(inputs[0], inputs[1], bias, output, Options);
        else Linear.Forward(inputs[0], inputs[1], bias, output, Options);
    }

    public override Op? TryFuse(Op epilogue) =>
        epilogue is ActivationOp a && Options.Activation == ActivationFunction.Identity
            ? new LinearOp(Options with { Activation = a.Function }, PerPixel)
            : null;

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) =>
        2.0 * output.Length * (PerPixel ? inputs[0].C : inputs[0].W);
}
