using CineKernel.Graph;
using CineKernel.Kernels;

namespace CineKernel.Pipeline.Warping;

/// <summary>
/// The deep feature warp of one generator level (the original's <c>warp_one_level</c>, DESIGN.md "Warp at one
/// level") split at the line between once-per-cinemagraph and per-frame work. The state both halves share:
/// a <see cref="WarpOneLevel"/> (padded flow, padded feature, splat accumulator) and its
/// <see cref="DisplacementFields"/>, built on first use. In a graph the three halves are nodes joined by ordering
/// edges (<see cref="Node.After"/>), not tensors: <see cref="Warp"/> builds them.
/// <list type="bullet">
/// <item><see cref="PrepareFlow"/> (<see cref="FeatureWarpFieldsOp"/>, an effect, hoisted): resize, cut and pad the
/// flow, trace the displacement fields of the loop for the runner's frame count.</item>
/// <item><see cref="PadFeature"/> (<see cref="FeatureWarpPadOp"/>, an effect after the fields, hoisted unless the
/// feature moves per frame): cut and pad the unwarped feature.</item>
/// <item><see cref="WarpFrame"/> (<see cref="FeatureWarpOp"/>, after the pad, per frame): one joint splat of both
/// copies and the fused normalise + hole fill + crop.</item>
/// </list>
/// </summary>
public sealed class FeatureWarpLevel : IDisposable
{
    private WarpOneLevel? warp;
    private DisplacementFields? fields;

    /// <summary>A square level of side <paramref name="size"/> (the generator's levels).</summary>
    public FeatureWarpLevel(int size, int channels, LoopMode loopMode) : this(size, size, channels, loopMode) { }

    /// <summary>A level of <paramref name="height"/>×<paramref name="width"/> pixels (the weight-free renderer's pyramid levels, any aspect).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A side or the channel count is not positive.</exception>
    public FeatureWarpLevel(int height, int width, int channels, LoopMode loopMode)
    {
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "a warp level needs positive sides");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "a warp level needs positive sides");
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "a feature needs at least one channel");
        Height = height;
        Width = width;
        Channels = channels;
        LoopMode = loopMode;
    }

    /// <summary>The level's height in pixels (its side when square).</summary>
    public int Size => Height;
    public int Height { get; }
    public int Width { get; }
    public int Channels { get; }
    public LoopMode LoopMode { get; }

    /// <summary>The level in node names: its side when square ("512"), else W×H ("400x300").</summary>
    public string Label => Height == Width ? $"{Height}" : $"{Width}x{Height}";

    /// <summary>Device memory held: padded flow, padded feature, accumulator and the displacement fields.</summary>
    public long Bytes =>
        warp is null ? 0 : sizeof(float) * (warp.PaddedFlow.Length + warp.PaddedFeature.Length + warp.Accumulator.Length) +
                           (fields?.BytesHeld ?? 0);

    /// <summary>
    /// The warp of <paramref name="feature"/> (1×C×H×W, the level's size) along <paramref name="flow"/> (1×2×h×w, any
    /// size that reaches the level's by ×2 / ÷2 steps) as three nodes of a graph: the fields, the pad ordered after
    /// them, the per-frame warp ordered after the pad. Returns the warped level (1×C×H×W, per frame). One level
    /// serves one warp: build a new level for each.
    /// </summary>
    /// <exception cref="ArgumentException">The feature or the flow does not fit the level.</exception>
    public Value Warp(GraphBuilder builder, Value feature, Value flow)
    {
        var fields = builder.Apply($"dfw-fields@{Label}", new FeatureWarpFieldsOp(this), flow);
        var padded = builder.Apply($"dfw-pad@{Label}", new FeatureWarpPadOp(this), [feature], [fields]);
        return builder.Apply($"warp@{Label}", new FeatureWarpOp(this), [], [padded]);
    }

    /// <summary>Once per cinemagraph: the flow to this level and its displacement fields for N frames.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frameCount"/> is below 2 (a loop needs two frames).</exception>
    public void PrepareFlow(Tensor flow, int frameCount)
    {
        if (frameCount < 2)
            throw new ArgumentOutOfRangeException(nameof(frameCount), frameCount, $"warp@{Label}: a loop needs at least 2 frames; build the graph's runner with the frame count");
        warp ??= new WarpOneLevel(flow.Device, Height, Width, Channels);
        warp.SetFlow(flow);
        fields?.Dispose();
        fields = warp.Integrate(LoopSchedule.Create(LoopMode, frameCount), cropOnly: true);
    }

    /// <summary>Cuts and reflect-pads the unwarped feature (once, unless the latent moves per frame).</summary>
    public void PadFeature(Tensor feature) =>
        (warp ?? throw new InvalidOperationException($"pad@{Label}: the flow preparation has not run")).PadFeature(feature);

    /// <summary>Per frame: the warped level for frame t of the prepared loop into <paramref name="output"/> (1×C×H×W).</summary>
    /// <exception cref="InvalidOperationException">The flow preparation has not run.</exception>
    public void WarpFrame(int t, Tensor output)
    {
        if (warp is null || fields is null) throw new InvalidOperationException($"warp@{Label}: the hoisted preparation has not run");
        warp.Splat(fields, t, cropOnly: true);
        warp.ResolveWarped(output);
    }

    public void Dispose()
    {
        fields?.Dispose();
        fields = null;
        warp?.Dispose();
        warp = null;
    }
}
