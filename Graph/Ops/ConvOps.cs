using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>
/// conv2d (Kernels/Conv2d) as a graph op. Inputs: x, weight (Cout×Cin×KH×KW), optionally bias (Cout).
/// Absorbs a following <see cref="ActivationOp"/> into its epilogue when its own is the identity.
/// </summary>
public sealed class Conv2dOp(Conv2dOptions options) : Op
{
    public Conv2dOptions Options { get; } = options;

    public override string Name =>
        $"conv{Options.Padding.Top}:{Options.Stride}" + (Options.Epilogue == ActivationFunction.Identity ? "" : $"·{ActivationOp.Describe(Options.Epilogue)}");

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count is < 2 or > 3) throw new ArgumentException($"{Name}: expects x, weight and an optional bias");
        if (inputs[1].C != inputs[0].C)
            throw new ArgumentException($"{Name}: weight {inputs[1]} expects {inputs[1].C} input channels, x {inputs[0]} has {inputs[0].C}");
        return Conv2d.OutputShape(inputs[0], inputs[1], Options.Stride, Options.Padding);
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Conv2d.Forward(inputs[0], inputs[1], inputs.Count > 2 ? inputs[2] : null, output, Options);

    public override Op? TryFuse(Op epilogue) =>
        epilogue is ActivationOp a && Options.Epilogue == ActivationFunction.Identity
            ? new Conv2dOp(Options with { Epilogue = a.Function })
            : null;

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) =>
        2.0 * output.Length * inputs[1].C * inputs[1].H * inputs[1].W;
}
