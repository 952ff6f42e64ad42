using CineKernel.Kernels;

namespace CineKernel.Graph;

/// <summary>
/// An op that produces no tensor: it writes device state it owns (allocated in its first run or in
/// <see cref="Op.Prepare"/>, such as a warp level's padded grid and displacement fields). Its node's output is an
/// effect value (<see cref="ValueKind.Effect"/>: no shape, no arena slot) that no node reads; the nodes that read
/// the state name it in their ordering edges (<see cref="Node.After"/>), which the scheduler honours in topological
/// order, dead-code removal and hoisting.
/// </summary>
public abstract class EffectOp : Op
{
    /// <summary>The empty shape of an effect value (0×0×0×0) once <see cref="CheckInputs"/> accepts the inputs.</summary>
    /// <exception cref="ArgumentException">The inputs do not fit the op.</exception>
    public sealed override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        CheckInputs(inputs);
        return default;
    }

    /// <summary>Validates the input shapes; throws <see cref="ArgumentException"/> when they do not fit.</summary>
    protected abstract void CheckInputs(IReadOnlyList<Shape4> inputs);

    /// <summary>Launches the op's kernels on its inputs, writing only state the op owns.</summary>
    public abstract void Run(RunContext context, IReadOnlyList<Tensor> inputs);

    /// <summary>Runs the op; <paramref name="output"/> is ignored (an effect has none).</summary>
    public sealed override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) => Run(context, inputs);

    /// <summary>Every input read once; the state written is the op's (<see cref="Op.OwnedBytes"/>).</summary>
    public override double Bytes(IReadOnlyList<Shape4> inputs, Shape4 output) => sizeof(float) * inputs.Sum(s => (double)s.Length);
}
