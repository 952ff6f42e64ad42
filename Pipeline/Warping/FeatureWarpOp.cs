using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Warping;

namespace CineKernel.Pipeline.Warping;

/// <summary>
/// The deep feature warp of one generator level (the original's <c>warp_one_level</c>, DESIGN.md "Warp at one
/// level") split at the line between once-per-cinemagraph and per-frame work. The state both halves share:
/// a <see cref="WarpOneLevel"/> (padded flow, padded feature, splat accumulator) and its
/// <see cref="DisplacementFields"/>, built on first use.
/// <list type="bullet">
/// <item><see cref="PrepareFlow"/> (<see cref="FeatureWarpFieldsOp"/>, hoisted): resize, cut and pad the flow,
/// trace the displacement fields of the loop.</item>
/// <item><see cref="PadFeature"/> (<see cref="FeatureWarpPadOp"/>, hoisted unless the latent moves per frame): cut
/// and pad the unwarped feature.</item>
/// <item><see cref="WarpFrame"/> (<see cref="FeatureWarpOp"/>, per frame): one joint splat of both copies and
/// the fused normalise + hole fill + crop.</item>
/// </list>
/// </summary>
public sealed class FeatureWarpLevel(int size, int channels, LoopMode loopMode) : IDisposable
{
    private WarpOneLevel? warp;
    private DisplacementFields? fields;

    public int Size { get; } = size;
    public int Channels { get; } = channels;
    public LoopMode LoopMode { get; } = loopMode;

    /// <summary>Device memory held: padded flow, padded feature, accumulator and the displacement fields.</summary>
    public long Bytes =>
        warp is null ? 0 : sizeof(float) * (warp.PaddedFlow.Length + warp.PaddedFeature.Length + warp.Accumulator.Length) +
                           (fields?.BytesHeld ?? 0);

    /// <summary>Once per cinemagraph: the flow to this level and its displacement fields (when N is known).</summary>
    public void PrepareFlow(Tensor flow, int frameCount)
    {
        warp ??= new WarpOneLevel(flow.Device, Size, Channels);
        warp.SetFlow(flow);
        fields?.Dispose();
        fields = frameCount >= 2 ? warp.Integrate(LoopSchedule.Create(LoopMode, frameCount), cropOnly: true) : null;
    }

    /// <summary>Cuts and reflect-pads the unwarped feature (once, unless the latent moves per frame).</summary>
    public void PadFeature(Tensor feature) =>
        (warp ?? throw new InvalidOperationException($"pad@{Size}: the flow preparation has not run")).PadFeature(feature);

    /// <summary>Per frame: the warped level for frame t of N into <paramref name="output"/> (1×C×S×S).</summary>
    public void WarpFrame(int t, int frameCount, Tensor output)
    {
        var w = warp ?? throw new InvalidOperationException($"warp@{Size}: the hoisted preparation has not run");
        if (fields is null || fields.FrameCount != frameCount)
        {
            // The once phase ran without the frame count (GraphRunner.RunOnce()); trace the fields now.
            fields?.Dispose();
            fields = w.Integrate(LoopSchedule.Create(LoopMode, frameCount), cropOnly: true);
        }
        w.Splat(fields, t, cropOnly: true);
        w.ResolveWarped(output);
    }

    public void Dispose()
    {
        fields?.Dispose();
        fields = null;
        warp?.Dispose();
        warp = null;
    }
}

/// <summary>
/// The flow half of a level's warp (once per cinemagraph): input the motion field (1×2×H×W); output a 1×1×1×1 token
/// (holding N) that orders <see cref="FeatureWarpPadOp"/> after it. Owns the level's state.
/// </summary>
public sealed class FeatureWarpFieldsOp(FeatureWarpLevel level) : Op
{
    public FeatureWarpLevel Level { get; } = level;

    public override string Name => $"dfw-fields@{Level.Size}";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) =>
        inputs.Count == 1 && inputs[0].N == 1 && inputs[0].C == 2
            ? new Shape4(1, 1, 1, 1)
            : throw new ArgumentException($"{Name}: needs a flow 1×2×H×W, got {string.Join(", ", inputs)}");

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output)
    {
        Level.PrepareFlow(inputs[0], context.FrameCount);
        output.Fill(context.FrameCount);
    }

    public override void Release() => Level.Dispose();

    public override long OwnedBytes => Level.Bytes;
}

/// <summary>
/// Cuts and reflect-pads the level's unwarped feature into the level's state. Inputs: the feature (1×C×S×S), the
/// fields token; output a token for <see cref="FeatureWarpOp"/>. Hoisted when the feature does not move with the
/// frame (it never does without style interpolation).
/// </summary>
public sealed class FeatureWarpPadOp(FeatureWarpLevel level) : Op
{
    public FeatureWarpLevel Level { get; } = level;

    public override string Name => $"dfw-pad@{Level.Size}";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count != 2 || inputs[0] != new Shape4(1, Level.Channels, Level.Size, Level.Size))
            throw new ArgumentException($"{Name}: needs the level feature 1×{Level.Channels}×{Level.Size}×{Level.Size} and the fields token, got {string.Join(", ", inputs)}");
        return new Shape4(1, 1, 1, 1);
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) => Level.PadFeature(inputs[0]);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 0;
}

/// <summary>
/// The per-frame half of a level's warp: <c>warp_one_level(feature, flow, t, N)</c> of the feature the
/// matching <see cref="FeatureWarpPadOp"/> padded. Input: that op's token; output 1×C×S×S. Reads the frame.
/// </summary>
public sealed class FeatureWarpOp(FeatureWarpLevel level) : Op
{
    public FeatureWarpLevel Level { get; } = level;

    public override string Name => $"warp@{Level.Size}";

    public override bool ReadsFrame => true;

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) =>
        inputs.Count == 1 ? new Shape4(1, Level.Channels, Level.Size, Level.Size)
            : throw new ArgumentException($"{Name}: takes the token of dfw-pad@{Level.Size}");

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output)
    {
        if (context.Frame < 0) throw new InvalidOperationException($"{Name}: runs per frame only");
        Level.WarpFrame(context.Frame, context.FrameCount, output);
    }

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output)
    {
        var g = WarpGeometry.ForSize(Level.Size);
        double padded = (double)g.Padded * g.Padded;
        // Two copies splatted to four neighbours (value·Z and Z per channel), then normalise + fill per output.
        return 2 * padded * 4 * 2 * (Level.Channels + 1) + output.Length * 4.0;
    }

    /// <summary>
    /// On the padded grid P²: both fields (2 × 2 planes) and the padded feature (C planes) read, the accumulator
    /// (C + 1 planes) written; the resolve reads it back over the crop and writes the output. A floor: the moving
    /// sources' read-modify-writes come on top.
    /// </summary>
    public override double Bytes(IReadOnlyList<Shape4> inputs, Shape4 output)
    {
        var g = WarpGeometry.ForSize(Level.Size);
        double padded = (double)g.Padded * g.Padded;
        return sizeof(float) * (padded * (4 + Level.Channels + Level.Channels + 1) + (double)g.Size * g.Size * (Level.Channels + 1) + output.Length);
    }
}
