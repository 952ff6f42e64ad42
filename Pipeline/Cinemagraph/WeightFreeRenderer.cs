using System.Diagnostics;
using CineKernel.Graph;
using CineKernel.Graph.Ops;
using CineKernel.Kernels;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Warping;

namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>
/// A cinemagraph without network weights: the method's frame machinery (DESIGN.md "Frames": Euler
/// integration, joint splatting of both copies with (1−α, α), hole filling, loop schedule, composite) applied
/// to a Laplacian pyramid of the photo instead of the generator's features, as one graph run by one
/// <see cref="GraphRunner"/> for the loop's frame count (the renderer launches no kernel itself).
/// <para>
/// The photo may have any aspect and any sides W×H (odd included): every level keeps it.
/// Once per cinemagraph (<see cref="Create"/>, the graph's hoisted part): the photo is split into band-pass levels at
/// W×H, ⌊W/2⌋×⌊H/2⌋, ⌊W/4⌋×⌊H/4⌋, ... (bilinear halving; each band is the level minus its coarser neighbour upsampled
/// to its size, the coarsest keeps the low-pass); the motion is multiplied by the mask (the original's
/// <c>flow *= mask</c>) and brought to each level as MSDFW brings it to 1024, 512, 256, 128, by ×2 / ÷2 steps, each
/// axis's values scaled with its side (<see cref="FeatureWarpLevel"/>, <see cref="FlowPyramid"/>); each band is cut
/// and reflect-padded once; the displacement fields of every level are traced once; the mask is brought to W×H by
/// the bilinear ×2 / ÷2 steps of <see cref="StepResize"/>. Per frame: one splat + resolve per level, the collapse
/// (upsample + add, coarse to fine), and the composite m·warped + (1−m)·photo. A mask value of exactly 0 gives
/// exactly the photo.
/// </para>
/// <para>
/// The only device→host copy in the frame loop is the finished frame. Render frames in order
/// t = 0..N−1 (<see cref="Render"/>, <see cref="Frames"/>): that is the displacement fields' efficient path.
/// Not thread-safe.
/// </para>
/// </summary>
public sealed class WeightFreeRenderer : IDisposable
{
    private const string PhotoInput = "photo", FlowInput = "flow", MaskInput = "mask", FrameOutput = "frame";

    private readonly ComputeDevice device;
    private readonly GraphRunner runner;
    private readonly PlanCache.Lease<GraphRunner> lease; // the runner, returned to the engine's cache or released on Dispose
    private readonly int[] warpSteps; // the plan step of each level's per-frame warp, finest first
    private readonly float[] host;

    private WeightFreeRenderer(ComputeDevice device, CinemagraphOptions options, int width, int height, PlanCache.Lease<GraphRunner> lease)
    {
        this.lease = lease;
        var runner = lease.Item;
        this.device = device;
        Options = options;
        Width = width;
        Height = height;
        Schedule = LoopSchedule.Create(options.Loop, options.FrameCount);
        this.runner = runner;
        warpSteps = runner.Plan.Steps.Where(s => s.Op is FeatureWarpOp).OrderByDescending(s => ((FeatureWarpOp)s.Op).Level.Size)
            .Select(s => s.Index).ToArray();
        host = new float[3L * width * height];
    }

    public CinemagraphOptions Options { get; }

    /// <summary>Output width W (the photo's).</summary>
    public int Width { get; }

    /// <summary>Output height H (the photo's).</summary>
    public int Height { get; }

    /// <summary>The output's long side, max(W, H).</summary>
    public int Size => Math.Max(Width, Height);

    public LoopSchedule Schedule { get; }

    public int FrameCount => Schedule.FrameCount;

    /// <summary>Seconds per stage so far (prepare and integrate after <see cref="Create"/>, frames after <see cref="Render"/>).</summary>
    public StageTimings Timings { get; } = new();

    /// <summary>
    /// Does the once-per-cinemagraph work.
    /// </summary>
    /// <param name="device">Where to compute.</param>
    /// <param name="photo">The photo, W×H, any aspect (the short side halvable <see cref="CinemagraphOptions.PyramidLevels"/> − 1
    /// times, rounding down, and still at least 8; see <see cref="CinemagraphOptions.MaxPyramidLevels"/>).</param>
    /// <param name="motion">The Eulerian motion field on an m×n grid (pixels of that grid per frame) that reaches every
    /// level's size by doubling or halving both sides together: W×H itself always does; so does the samples' 512² for a
    /// square photo of 64..4096, a power of two.</param>
    /// <param name="animatedMask">The mask on the motion's grid (values in [0, 1]), or null to animate everything.</param>
    /// <param name="options">Frames, loop mode, pyramid depth.</param>
    /// <exception cref="ArgumentException">The mask's grid differs from the motion's, or a level is unreachable from the motion's grid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The frame count or the pyramid depth is out of range.</exception>
    public static WeightFreeRenderer Create(ComputeDevice device, RgbPlanes photo, MotionField motion,
        AnimationMask? animatedMask, CinemagraphOptions? options = null) => CreateReusing(device, photo, motion, animatedMask, options, cache: null);

    /// <summary><see cref="Create(ComputeDevice, RgbPlanes, MotionField, AnimationMask?, CinemagraphOptions?)"/> reusing the frame program from <paramref name="cache"/> (a <see cref="CinemagraphEngine"/>'s).</summary>
    internal static WeightFreeRenderer CreateReusing(ComputeDevice device, RgbPlanes photo, MotionField motion,
        AnimationMask? animatedMask, CinemagraphOptions? options, PlanCache? cache)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(photo);
        ArgumentNullException.ThrowIfNull(motion);
        options ??= new CinemagraphOptions();
        int width = photo.Width, height = photo.Height;
        options.Validate(width, height);
        var mask = animatedMask ?? AnimationMask.All(motion.Width, motion.Height);
        if (mask.Width != motion.Width || mask.Height != motion.Height)
            throw new ArgumentException($"cinemagraph: the mask is {mask.Width}x{mask.Height}; the motion's grid is {motion.Width}x{motion.Height}");
        for (int l = 0; l < options.PyramidLevels; l++)
            StepResize.Steps(motion.Shape, height >> l, width >> l); // throws when a level is unreachable

        // The original multiplies the predicted flow by the mask at 512 (flow *= mask) before warping.
        var masked = motion.Masked(mask, options.Speed);
        var clock = Stopwatch.StartNew();
        var key = new PlanKey("weight-free", new Shape4(1, 3, height, width), motion.Shape, options.FrameCount, options.Loop, options.PyramidLevels);
        var lease = PlanCache.Rent(cache, key, () => new GraphRunner(device, Scheduler.Plan(BuildGraph(width, height, motion.Width, motion.Height, options), device.Kind), options.FrameCount));
        var renderer = new WeightFreeRenderer(device, options, width, height, lease);
        try
        {
            renderer.Prepare(photo, masked, mask, clock);
            return renderer;
        }
        catch
        {
            renderer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The frame program: inputs the photo (1×3×H×W), the masked flow (1×2×n×m) and the mask (1×1×n×m); output the
    /// frame (1×3×H×W in [0, 1], not clamped).
    /// </summary>
    private static ComputeGraph BuildGraph(int width, int height, int motionWidth, int motionHeight, CinemagraphOptions options)
    {
        var b = new GraphBuilder("weight-free cinemagraph");
        var photo = b.Input(PhotoInput, new Shape4(1, 3, height, width));
        var flow = b.Input(FlowInput, new Shape4(1, 2, motionHeight, motionWidth));
        var mask = StepResize.Build(b, b.Input(MaskInput, new Shape4(1, 1, motionHeight, motionWidth)), height, width, "mask");
        var bands = LaplacianPyramid(b, photo, options.PyramidLevels);
        var warped = bands.Select(band => new FeatureWarpLevel(band.Shape.H, band.Shape.W, band.Shape.C, options.Loop).Warp(b, band, flow)).ToArray();
        // Collapse coarse to fine: r = up(r) + warped band; the finest step fused with the composite
        // m·r + (1−m)·photo, which is exactly the photo where m is 0 (and skips the collapse there).
        Value frame;
        if (warped.Length == 1) frame = Composite.Over(b, warped[0], photo, mask); // no pyramid: the warped photo itself
        else
        {
            var result = warped[^1];
            for (int l = warped.Length - 2; l >= 1; l--) result = b.Apply($"collapse@{warped[l].Shape.H}", new ExpandAddOp(), result, warped[l]);
            frame = b.Apply("composite", new ExpandAddOp(composite: true), result, warped[0], mask, photo);
        }
        b.Output(FrameOutput, frame);
        return b.Build();
    }

    /// <summary>
    /// Band-pass levels of the image: band[l] = G_l − up(G_{l+1}) at ⌊H/2^l⌋×⌊W/2^l⌋, the last one G_last, where
    /// G_{l+1} is G_l halved (⌊h/2⌋×⌊w/2⌋) by bilinear resizing (align_corners=False: the 2×2 mean for even sides) and
    /// up() resizes back to G_l's size by bilinear resizing. Summing up() coarse to fine gives the image back (up to float rounding).
    /// </summary>
    private static Value[] LaplacianPyramid(GraphBuilder b, Value image, int count)
    {
        var gauss = new Value[count];
        var bands = new Value[count];
        gauss[0] = image;
        for (int l = 1; l < count; l++)
        {
            var prev = gauss[l - 1].Shape;
            gauss[l] = b.Apply($"gauss@{prev.H / 2}", new ResizeOp(prev.H / 2, prev.W / 2, alignCorners: false), gauss[l - 1]);
        }
        for (int l = 0; l < count - 1; l++)
        {
            var s = gauss[l].Shape;
            var up = b.Apply($"up@{s.H}", new ResizeOp(s.H, s.W, alignCorners: false), gauss[l + 1]);
            bands[l] = b.Apply($"band@{s.H}", new AddOp(-1f), gauss[l], up);
        }
        bands[count - 1] = gauss[count - 1];
        return bands;
    }

    /// <summary>Uploads the inputs and runs the hoisted part; the displacement fields' steps are timed apart.</summary>
    private void Prepare(RgbPlanes photo, MotionField flow, AnimationMask mask, Stopwatch clock)
    {
        var fieldSteps = runner.Plan.Steps.Where(s => s.Op is FeatureWarpFieldsOp).Select(s => s.Index).ToArray();
        foreach (int i in fieldSteps) runner.TimedSteps.Add(i);
        double before = fieldSteps.Sum(i => runner.StepSeconds[i]); // a reused runner has counted earlier photos
        runner.SetInput(PhotoInput, photo.Data);
        runner.SetInput(FlowInput, flow.Planes);
        runner.SetInput(MaskInput, mask.Values);
        runner.RunOnce();
        device.Synchronize();
        Timings.Integrate = fieldSteps.Sum(i => runner.StepSeconds[i]) - before;
        Timings.Prepare = clock.Elapsed.TotalSeconds - Timings.Integrate;
        runner.TimedSteps.Clear();
    }

    /// <summary>Computes frame t on the device; returns the tensor holding it (no host copy).</summary>
    private Tensor ComputeFrame(int t)
    {
        runner.RunFrame(t);
        return runner.Output(FrameOutput);
    }

    /// <summary>Renders frame t and copies it to the host (3×H×W floats in [0, 1], not clamped). Prefer <see cref="Render"/> for a whole loop.</summary>
    /// <exception cref="ArgumentOutOfRangeException">t is outside 0..N−1.</exception>
    public float[] RenderFrame(int t)
    {
        Schedule.Alpha(t); // range check
        return ComputeFrame(t).ToArray();
    }

    /// <summary>Renders every frame in order, handing each to <paramref name="onFrame"/>.</summary>
    public void Render(FrameCallback onFrame, CancellationToken cancellation = default)
    {
        // Each level's warp waits for the device when timed: the stage timings say which level costs what.
        var before = warpSteps.Select(i => runner.StepSeconds[i]).ToArray();
        foreach (int i in warpSteps) runner.TimedSteps.Add(i);
        try
        {
            (Timings.Frames, Timings.Callback) = FrameLoop.Run(device, FrameCount, ComputeFrame, host, onFrame, cancellation);
        }
        finally
        {
            runner.TimedSteps.Clear();
            Timings.LevelWarps = warpSteps.Select((i, l) => runner.StepSeconds[i] - before[l]).ToArray();
        }
    }

    /// <summary>Every frame in order, each a new <see cref="RgbPlanes"/> (values clamped to [0, 1]; no stage timings).</summary>
    public IEnumerable<RgbPlanes> Frames() => FrameLoop.Clamped(FrameCount, Width, Height, RenderFrame);

    public void Dispose() => lease.Dispose();
}
