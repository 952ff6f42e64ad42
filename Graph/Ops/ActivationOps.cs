using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>PReLU with one slope per channel. Inputs: x, slopes (C).</summary>
public sealed class PReluOp : Op
{
    public override string Name => "prelu";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) =>
        inputs.Count == 2 && inputs[1].Length == inputs[0].C ? inputs[0] : throw new ArgumentException($"prelu: needs x and {inputs[0].C} slopes");

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Activation.PRelu(inputs[0], inputs[1], output);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 2.0 * output.Length;
}
