using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>
/// out = a + β·b (a and b of one shape). With β = 1 it is the residual epilogue of a (<see cref="Epilogue.Residual"/>),
/// which the scheduler fuses into a's producer when that kernel applies epilogues; it has no epilogue of its own, so
/// nothing fuses into it.
/// </summary>
public sealed class AddOp(float beta = 1f) : Op
{
    public override string Name => beta == 1f ? "add" : $"add×{beta}";

    /// <summary>a + b is a's residual epilogue; a + β·b with β ≠ 1 is not of the epilogue's form.</summary>
    public override Epilogue? AsEpilogue => beta == 1f ? Epilogue.Residual() : null;

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
