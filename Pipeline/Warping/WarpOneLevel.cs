using CineKernel.Kernels;

namespace CineKernel.Pipeline.Warping;

/// <summary>
/// The deep feature warp at one level, the original's <c>warp_one_level</c> (DESIGN.md "Warp at one
/// level"): the flow is resized to the level, cut and reflect-padded once (<see cref="SetFlow"/>); its
/// displacement fields are traced once per loop (<see cref="Integrate"/>); each frame then costs a pad of the
/// feature (skippable when the feature does not change: <see cref="PadFeature"/>), one joint splat of both
/// copies with metrics (1−α) and α, and one fused normalise + hole-fill + crop.
/// <para>Owns its padded flow, padded feature and splat accumulator (sizes from <see cref="Rows"/> and
/// <see cref="Columns"/>: the original's square geometry applied to each side of an H×W level).
/// The original warps batch 1; so does this.</para>
/// </summary>
public sealed class WarpOneLevel : IDisposable
{
    private Tensor? levelFlow;

    /// <summary>A square level of side <paramref name="size"/> (the generator's levels).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size or the channel count is not positive.</exception>
    public WarpOneLevel(ComputeDevice device, int size, int channels) : this(device, size, size, channels) { }

    /// <summary>A level of <paramref name="height"/>×<paramref name="width"/> pixels and <paramref name="channels"/> channels.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A side or the channel count is not positive.</exception>
    public WarpOneLevel(ComputeDevice device, int height, int width, int channels)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "a feature needs at least one channel");
        Rows = WarpGeometry.ForSize(height);
        Columns = WarpGeometry.ForSize(width);
        Channels = channels;
        PaddedFlow = device.Allocate(1, 2, Rows.Padded, Columns.Padded);
        PaddedFeature = device.Allocate(1, channels, Rows.Padded, Columns.Padded);
        Accumulator = device.Allocate(JointSplat.AccumulatorShape(PaddedFeature.Shape));
    }

    /// <summary>The geometry along the height (cut, pad, crop of the rows).</summary>
    public WarpGeometry Rows { get; }

    /// <summary>The geometry along the width (cut, pad, crop of the columns).</summary>
    public WarpGeometry Columns { get; }

    /// <summary>The rows' geometry: the level's whole geometry when it is square, as the original's levels are.</summary>
    public WarpGeometry Geometry => Rows;

    /// <summary>The part of a level-sized tensor the warp keeps: the cut removed from every side.</summary>
    private Window Inner => new(Rows.Cut, Columns.Cut, Rows.Inner, Columns.Inner);

    public int Channels { get; }

    /// <summary>The flow at the level's size (1×2×H×W), after <see cref="SetFlow"/>.</summary>
    public Tensor LevelFlow => levelFlow ?? throw new InvalidOperationException("WarpOneLevel: call SetFlow first");

    /// <summary>The cut and reflect-padded flow (1×2×P_h×P_w) the Euler integration runs on.</summary>
    public Tensor PaddedFlow { get; }

    /// <summary>The cut and reflect-padded feature (1×C×P_h×P_w) of the last <see cref="PadFeature"/>.</summary>
    public Tensor PaddedFeature { get; }

    /// <summary>The splat accumulator (1×(C+1)×P_h×P_w) of the last <see cref="Splat"/>.</summary>
    public Tensor Accumulator { get; }

    /// <summary>
    /// Brings the motion field (1×2×h×w) to this level: resize (<see cref="FlowPyramid"/>: ×2 / ÷2 steps, the
    /// original's for a square level; per-axis ratios for odd sides), cut, reflect-pad.
    /// </summary>
    /// <exception cref="ArgumentException">Not a flow, or the level's size is not reachable by ×2 / ÷2 steps.</exception>
    public void SetFlow(Tensor flow)
    {
        if (flow.N != 1 || flow.C != 2) throw new ArgumentException($"WarpOneLevel: flow must be 1×2×H×W, got {flow.Shape}");
        Tensor resized;
        if (Rows.Size == Columns.Size)
        {
            resized = FlowPyramid.ToSize(flow, Rows.Size);
            if (resized.W != Columns.Size)
            {
                resized.Dispose();
                throw new ArgumentException($"WarpOneLevel: flow {flow.Shape} resizes to {resized.Shape}, not the level's {Rows.Size}×{Columns.Size}");
            }
        }
        else resized = FlowPyramid.ToSize(flow, Rows.Size, Columns.Size);
        levelFlow?.Dispose();
        levelFlow = resized;
        Padding.Reflect(resized, PaddedFlow, Rows.Pad, Columns.Pad, Inner);
    }

    /// <summary>
    /// Traces the displacement fields of both directions for every frame of the loop. With
    /// <paramref name="cropOnly"/>, only the sources that can reach <see cref="CropWindow"/> are traced: enough for
    /// <see cref="Splat"/> with cropOnly and <see cref="ResolveWarped"/>, not for the whole grid's blend.
    /// </summary>
    public DisplacementFields Integrate(LoopSchedule schedule, bool cropOnly = false) =>
        DisplacementFields.Compute(PaddedFlow, schedule, DisplacementFields.DefaultMemoryBudgetBytes, cropOnly ? CropWindow : null);

    /// <summary>Cuts and reflect-pads the level's feature (1×C×H×W) into <see cref="PaddedFeature"/>.</summary>
    /// <exception cref="ArgumentException">The feature's shape is not the level's.</exception>
    public void PadFeature(Tensor feature)
    {
        if (feature.Shape != new Shape4(1, Channels, Rows.Size, Columns.Size))
            throw new ArgumentException($"WarpOneLevel: feature {feature.Shape} must be 1×{Channels}×{Rows.Size}×{Columns.Size}");
        Padding.Reflect(feature, PaddedFeature, Rows.Pad, Columns.Pad, Inner);
    }

    /// <summary>
    /// The part of the accumulator <see cref="ResolveWarped"/> reads: the centre crop and the hole filter's radius
    /// around it. Most of a padded grid is border whose splat only matters to <see cref="ResolveBlend"/>.
    /// </summary>
    public Window CropWindow
    {
        get
        {
            int top = Math.Max(0, Rows.CropOffset - HoleFill.Radius);
            int bottom = Math.Min(Rows.Padded, Rows.CropOffset + Rows.Size + HoleFill.Radius);
            int left = Math.Max(0, Columns.CropOffset - HoleFill.Radius);
            int right = Math.Min(Columns.Padded, Columns.CropOffset + Columns.Size + HoleFill.Radius);
            return new Window(top, left, bottom - top, right - left);
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

    /// <summary>The warped level (1×C×H×W): holes filled, centre cropped.</summary>
    public void ResolveWarped(Tensor output) =>
        JointSplat.Resolve(Accumulator, output, Rows.CropOffset, Columns.CropOffset, fillHoles: true);

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
