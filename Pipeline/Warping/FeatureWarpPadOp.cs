using CineKernel.Graph;
using CineKernel.Kernels;

namespace CineKernel.Pipeline.Warping;

/// <summary>
/// Cuts and reflect-pads the level's unwarped feature (input, 1×C×H×W) into the level's state, an effect ordered
/// after <see cref="FeatureWarpFieldsOp"/>. Hoisted when the feature does not move with the frame (it never does
/// without style interpolation).
/// </summary>
public sealed class FeatureWarpPadOp(FeatureWarpLevel level) : EffectOp
{
    public FeatureWarpLevel Level { get; } = level;

    public override string Name => $"dfw-pad@{Level.Label}";

    protected override void CheckInputs(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count != 1 || inputs[0] != new Shape4(1, Level.Channels, Level.Height, Level.Width))
            throw new ArgumentException($"{Name}: needs the level feature 1×{Level.Channels}×{Level.Height}×{Level.Width}, got {string.Join(", ", inputs)}");
    }

    public override void Run(RunContext context, IReadOnlyList<Tensor> inputs) => Level.PadFeature(inputs[0]);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 0;
}
