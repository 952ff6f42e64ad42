using CineKernel.Graph;
using CineKernel.Kernels;

namespace CineKernel.Pipeline.Warping;

/// <summary>
/// The per-frame half of a level's warp: <c>warp_one_level(feature, flow, t, N)</c> of the feature the
/// matching <see cref="FeatureWarpPadOp"/> padded. No inputs (ordered after that op); output 1×C×H×W. Reads the frame.
/// </summary>
public sealed class FeatureWarpOp(FeatureWarpLevel level) : Op
{
    public FeatureWarpLevel Level { get; } = level;

    public override string Name => $"warp@{Level.Label}";

    public override bool ReadsFrame => true;

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) =>
        inputs.Count == 0 ? new Shape4(1, Level.Channels, Level.Height, Level.Width)
            : throw new ArgumentException($"{Name}: reads no tensor (it is ordered after dfw-pad@{Level.Label})");

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output)
    {
        if (context.Frame < 0) throw new InvalidOperationException($"{Name}: runs per frame only");
        Level.WarpFrame(context.Frame, output);
    }

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output)
    {
        double padded = (double)WarpGeometry.ForSize(Level.Height).Padded * WarpGeometry.ForSize(Level.Width).Padded;
        // Two copies splatted to four neighbours (value·Z and Z per channel), then normalise + fill per output.
        return 2 * padded * 4 * 2 * (Level.Channels + 1) + output.Length * 4.0;
    }

    /// <summary>
    /// On the padded grid P_h×P_w: both fields (2 × 2 planes) and the padded feature (C planes) read, the accumulator
    /// (C + 1 planes) written; the resolve reads it back over the crop and writes the output. A floor: the moving
    /// sources' read-modify-writes come on top.
    /// </summary>
    public override double Bytes(IReadOnlyList<Shape4> inputs, Shape4 output)
    {
        double padded = (double)WarpGeometry.ForSize(Level.Height).Padded * WarpGeometry.ForSize(Level.Width).Padded;
        return sizeof(float) * (padded * (4 + Level.Channels + Level.Channels + 1) + (double)Level.Height * Level.Width * (Level.Channels + 1) + output.Length);
    }
}
