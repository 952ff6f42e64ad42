using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>
/// <see cref="Padding.Paste"/> as a node: inputs the background (N×C×H×W) and a patch (N×C×h×w); output N×C×H×W, the
/// background with the patch over rows <paramref name="top"/>.. and columns <paramref name="left"/>.. (the full
/// method's square frame put back into the whole photo).
/// </summary>
public sealed class PasteOp(int top, int left) : Op
{
    public int Top { get; } = top;
    public int Left { get; } = left;

    public override string Name => $"paste@{Top},{Left}";

    /// <exception cref="ArgumentException">The shapes do not fit or the patch does not lie inside the background.</exception>
    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        bool fits = inputs.Count == 2 && inputs[0].N == inputs[1].N && inputs[0].C == inputs[1].C && Top >= 0 && Left >= 0 &&
                    Top + inputs[1].H <= inputs[0].H && Left + inputs[1].W <= inputs[0].W;
        return fits ? inputs[0] : throw new ArgumentException($"{Name}: needs a background and a patch inside it, got {string.Join(", ", inputs)}");
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Padding.Paste(inputs[0], inputs[1], output, Top, Left);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 0;
}
