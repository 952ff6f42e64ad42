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
