using CineKernel.Kernels;

namespace CineKernel.Pipeline.Warping;

/// <summary>
/// The deep feature warp at one level, the original's <c>warp_one_level</c> (DESIGN.md "Warp at one
/// level"): the flow is resized to the level, cut and reflect-padded once (<see cref="SetFlow"/>); its
/// displacement fields are traced once per loop (<see cref="Integrate"/>); each frame then costs a pad of the
/// feature (skippable when the feature does not change: <see cref="PadFeature"/>), one joint splat of both
/// copies with metrics (1−α) and α, and one fused normalise + hole-fill + crop.
/// <para>Owns its padded flow, padded feature and splat accumulator (sizes from <see cref="Geometry"/>).
/// The original warps batch 1; so does this.</para>
/// </summary>
public sealed class WarpOneLevel : IDisposable
{
    private Tensor? levelFlow;

    public WarpOneLevel(ComputeDevice device, int size, int channels)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "a feature needs at least one channel");
        Geometry = WarpGeometry.ForSize(size);
        Channels = channels;
        int p = Geometry.Padded;
        PaddedFlow = device.Allocate(1, 2, p, p);
        PaddedFeature = device.Allocate(1, channels, p, p);
        Accumulator = device.Allocate(JointSplat.AccumulatorShape(PaddedFeature.Shape));
    }

    public WarpGeometry Geometry { get; }

    public int Channels { get; }

    /// <summary>The flow at the level's size (1×2×S×S), after <see cref="SetFlow"/>.</summary>
    public Tensor LevelFlow => levelFlow ?? throw new InvalidOperationException("WarpOneLevel: call SetFlow first");

    /// <summary>The cut and reflect-padded flow (1×2×P×P) the Euler integration runs on.</summary>
    public Tensor PaddedFlow { get; }

    /// <summary>The cut and reflect-padded feature (1×C×P×P) of the last <see cref="PadFeature"/>.</summary>
    public Tensor PaddedFeature { get; }

    /// <summary>The splat accumulator (1×(C+1)×P×P) of the last <see cref="Splat"/>.</summary>
    public Tensor Accumulator { get; }

    /// <summary>Brings the motion field (1×2×H×W) to this level: resize, cut, reflect-pad.</summary>
    public void SetFlow(Tensor flow)
    {
        if (flow.N != 1 || flow.C != 2) throw new ArgumentException($"WarpOneLevel: flow must be 1×2×H×W, got {flow.Shape}");
        var resized = FlowPyramid.ToSize(flow, Geometry.Size);
        if (resized.W != Geometry.Size)
        {
            resized.Dispose();
            throw new ArgumentException($"WarpOneLevel: flow {flow.Shape} resizes to {resized.Shape}, not the level's {Geometry.Size}×{Geometry.Size}");
        }
        levelFlow?.Dispose();
        levelFlow = resized;
        Padding.Reflect(resized, PaddedFlow, Geometry.Pad, Geometry.Pad, Window.Inset(resized, Geometry.Cut));
    }

    /// <summary>
    /// Traces the displacement fields of both directions for every frame of the loop. With
    /// <paramref name="cropOnly"/>, only the sources that can reach <see cref="CropWindow"/> are traced: enough for
    /// <see cref="Splat"/> with cropOnly and <see cref="ResolveWarped"/>, not for the whole grid's blend.
    /// </summary>
    public DisplacementFields Integrate(LoopSchedule schedule, bool cropOnly = false) =>
        DisplacementFields.Compute(PaddedFlow, schedule, DisplacementFields.DefaultMemoryBudgetBytes, cropOnly ? CropWindow : null);

    /// <summary>Cuts and reflect-pads the level's feature (1×C×S×S) into <see cref="PaddedFeature"/>.</summary>
    public void PadFeature(Tensor feature)
    {
        if (feature.Shape != new Shape4(1, Channels, Geometry.Size, Geometry.Size))
            throw new ArgumentException($"WarpOneLevel: feature {feature.Shape} must be 1×{Channels}×{Geometry.Size}×{Geometry.Size}");
        Padding.Reflect(feature, PaddedFeature, Geometry.Pad, Geometry.Pad, Window.Inset(feature, Geometry.Cut));
    }

    /// <summary>
    /// The part of the accumulator <see cref="ResolveWarped"/> reads: the centre crop and the hole filter's radius
    /// around it. Most of a padded grid is border whose splat only matters to <see cref="ResolveBlend"/>.
    /// </summary>
    public Window CropWindow
    {
        get
        {
            var g = Geometry;
            int top = Math.Max(0, g.CropOffset - HoleFill.Radius);
            int bottom = Math.Min(g.Padded, g.CropOffset + g.Size + HoleFill.Radius);
            return new Window(top, top, bottom - top, bottom - top);
        }
    }

    /// <summary>
    /// Splats <see cref="PaddedFeature"/> for frame t into <see cref="Accumulator"/>: the forward copy along
    /// t steps with Z = 1−α, the backward copy along the schedule's backward steps of −M with Z = α.
    /// With <paramref name="cropOnly"/> only <see cref="CropWindow"/> is accumulated (all <see cref="ResolveWarped"/>
    /// needs; the sums there are the full splat's), and sources that cannot reach it are skipped.
    /// </summary>
    public void Splat(DisplacementFields fields, int t, bool cropOnly = false)
    {
        if (!cropOnly && fields.Target is not null)
            throw new InvalidOperationException("WarpOneLevel: these fields were traced for the crop only (Integrate(cropOnly: true)); splat them with cropOnly");
        var (forwardZ, backwardZ) = fields.Schedule.Metrics(t);
        JointSplat.Accumulate(
            new SplatSource(PaddedFeature, fields.ForwardAt(t), null, forwardZ),
            new SplatSource(PaddedFeature, fields.BackwardAt(t), null, backwardZ),
            Accumulator, cropOnly ? CropWindow : null, fields.Moving, fields.ReachAt(t));
    }

    /// <summary>The normalised splat on the padded grid (1×C×P×P), the original's <c>blend_feature</c>.</summary>
    public void ResolveBlend(Tensor output) => JointSplat.Resolve(Accumulator, output, 0, 0, fillHoles: false);

    /// <summary>The blend with its holes filled (1×C×P×P), the original's <c>feature_inpaint_conv</c>.</summary>
    public void ResolveInpainted(Tensor output) => JointSplat.Resolve(Accumulator, output, 0, 0, fillHoles: true);

    /// <summary>The warped level (1×C×S×S): holes filled, centre cropped.</summary>
    public void ResolveWarped(Tensor output) =>
        JointSplat.Resolve(Accumulator, output, Geometry.CropOffset, Geometry.CropOffset, fillHoles: true);

    /// <summary>
    /// The whole step for frame t: <c>warp_one_level(feature, flow, t, N)</c> with the flow given to
    /// <see cref="SetFlow"/> and N = fields.FrameCount.
    /// </summary>
    public void Warp(Tensor feature, DisplacementFields fields, int t, Tensor output)
    {
        PadFeature(feature);
        Splat(fields, t); // the whole grid: callers may read ResolveBlend / ResolveInpainted after it
        ResolveWarped(output);
    }

    public void Dispose()
    {
        levelFlow?.Dispose();
        PaddedFlow.Dispose();
        PaddedFeature.Dispose();
        Accumulator.Dispose();
    }
}
