using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>
/// Winograd's weight transform U = G g Gᵀ (Kernels/WinogradConv2d.TransformWeight) as a graph op: a Cout×Cin×3×3 weight
/// in, Cout×Cin×4×4 out. The scheduler inserts it for a 3×3 stride-1 conv (<see cref="IWeightTransformer"/>); it reads
/// only the weight, so it runs once per plan.
/// </summary>
public sealed class WinogradWeightOp : Op
{
    public override string Name => "winograd-weight";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count != 1) throw new ArgumentException($"{Name}: expects one weight Cout×Cin×3×3, got {inputs.Count} inputs");
        return WinogradConv2d.TransformedWeightShape(inputs[0]);
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        WinogradConv2d.TransformWeight(inputs[0], output);

    /// <summary>G g (4×3 from 3×3: 2 rows of 3 sums of 3) then (G g) Gᵀ (4 rows, 2 sums of 3): 36 additions per (o, i).</summary>
    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 36.0 * inputs[0].N * inputs[0].C;
}
