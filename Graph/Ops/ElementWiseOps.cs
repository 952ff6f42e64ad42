using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>out = a + β·b.</summary>
public sealed class AddOp(float beta = 1f) : Op
{
    public override string Name => beta == 1f ? "add" : $"add×{beta}";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count != 2 || inputs[0] != inputs[1])
            throw new ArgumentException($"add needs two equal shapes, got {string.Join(", ", inputs)}");
        return inputs[0];
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        ElementWise.AddScaled(inputs[0], inputs[1], beta, output);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 2.0 * output.Length;
}

/// <summary>
/// out = f(x + bias[c]) (inputs: x, C biases in any shape): a bias alone (f the identity), or with an activation
/// (<see cref="FusedLeakyReluOp"/>).
/// </summary>
public class BiasOp(ActivationFunction function, string name = "bias") : Op
{
    public BiasOp() : this(ActivationFunction.Identity)
    {
    }

    public ActivationFunction Function { get; } = function;

    public override string Name => name;

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) =>
        inputs.Count == 2 && inputs[1].Length == inputs[0].C
            ? inputs[0]
            : throw new ArgumentException($"{Name}: needs x and one bias per channel, got {string.Join(", ", inputs)}");

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Activation.Bias(inputs[0], inputs[1], Function, output);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) =>
        (Function == ActivationFunction.Identity ? 1.0 : 3.0) * output.Length;
}

/// <summary>out = x·scale + shift: an epilogue any producer that supports an affine output can absorb.</summary>
public sealed class ScaleShiftOp(float scale, float shift = 0f) : Op
{
    public float Scale { get; } = scale;
    public float Shift { get; } = shift;

    public override string Name => $"scale({Scale},{Shift})";

    public override bool IsEpilogue => true;

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) => inputs[0];

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        ElementWise.ScaleShift(inputs[0], Scale, Shift, output);

    public override Op? TryFuse(Op epilogue) =>
        epilogue is ScaleShiftOp next ? new ScaleShiftOp(Scale * next.Scale, Shift * next.Scale + next.Shift) : null;

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 2.0 * output.Length;
}

/// <summary>
/// The masked composite of a cinemagraph frame (DESIGN.md "Mask input"): out = m·foreground + (1−m)·background.
/// Inputs: foreground and background (N×C×H×W, equal shapes), the mask m (N×1×H×W, values in [0, 1], broadcast over
/// channels); output N×C×H×W. Where m is exactly 0 the output is exactly the background.
/// </summary>
public sealed class CompositeOp : Op
{
    public override string Name => "composite";

    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count != 3 || inputs[0] != inputs[1] || inputs[2] != inputs[0] with { C = 1 })
            throw new ArgumentException($"composite needs foreground and background of one shape and a one-channel mask, got {string.Join(", ", inputs)}");
        return inputs[0];
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        ElementWise.Composite(inputs[0], inputs[1], inputs[2], output);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 3.0 * output.Length;
}
