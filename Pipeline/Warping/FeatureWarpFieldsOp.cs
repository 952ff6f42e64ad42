using CineKernel.Graph;
using CineKernel.Kernels;

namespace CineKernel.Pipeline.Warping;

/// <summary>
/// The flow half of a level's warp (once per cinemagraph), an effect: input the motion field (1×2×H×W); writes the
/// level's padded flow and the displacement fields for the runner's frame count. Owns the level's state.
/// </summary>
public sealed class FeatureWarpFieldsOp(FeatureWarpLevel level) : EffectOp
{
    public FeatureWarpLevel Level { get; } = level;

    public override string Name => $"dfw-fields@{Level.Label}";

    protected override void CheckInputs(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count != 1 || inputs[0].N != 1 || inputs[0].C != 2)
            throw new ArgumentException($"{Name}: needs a flow 1×2×H×W, got {string.Join(", ", inputs)}");
    }

    public override void Run(RunContext context, IReadOnlyList<Tensor> inputs) => Level.PrepareFlow(inputs[0], context.FrameCount);

    public override void Release() => Level.Dispose();

    public override long OwnedBytes => Level.Bytes;
}
