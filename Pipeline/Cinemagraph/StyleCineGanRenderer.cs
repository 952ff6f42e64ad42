using System.Diagnostics;
using CineKernel.Graph;
using CineKernel.Graph.Ops;
using CineKernel.Kernels;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Inversion;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Synthesis;
using CineKernel.Pipeline.Warping;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>
/// The StyleCineGAN method end to end, in the order of the original's main.py with the mask and motion
/// predicted as its <c>predict_mask</c> and flow network do when the sample files are absent (DESIGN.md
/// "The method in one page"):
/// <list type="number">
/// <item>Inversion: <see cref="FeatureStyleEncoder"/> on the photo (halved log2(G/256) times) → w+ and D (64×64).</item>
/// <item>Mask (unless given): <see cref="Generator.BuildFeatureForward"/>(D, w+) → <see cref="MaskPredictor"/> over the
/// ensemble on the M grid → majority vote of the flow net's class → <see cref="Mask.MaskRefinement"/>.</item>
/// <item>Motion (unless given): <see cref="MotionGenerator"/> on the photo at M in [−1, 1] (bilinear ÷2 steps from G),
/// then <see cref="MotionZScoreFilter"/> (the original's z_score_filtering of predicted flows); then, given or
/// predicted, <c>flow *= mask</c>.</item>
/// <item>Frames: one graph, run through one <see cref="GraphRunner"/> for the loop's frame count (the hoisted part
/// once, the per-frame part per frame): <see cref="Generator.BuildFrames"/> (recon = warp index 9), then main.py's
/// composite <c>result·up_mask + photo·(1 − up_mask)</c> (<see cref="Composite"/>) with the mask brought to G by
/// resize_feature's bilinear ×2 / ÷2 steps (<see cref="StepResize"/>). Where up_mask is 0 a frame is exactly the
/// photo.</item>
/// <item>Style (optional): the style image is inverted by the same encoder; the frame program's latent moves
/// w_t = lerp(w, w_s, β_t) (Eq. 5; β_t = t/(N−1) in the official loop, (1 − cos 2πt/N)/2 in a seamless one), and the static region gets the same colour change as the generator's
/// unwarped image, ΔI_t = G(D, w_t) − G(D, w) (Eq. 6–7): background = photo + ΔI_t (<see cref="StyleInterpolation"/>,
/// nodes of the same graph: G(D, w) hoisted, G(D, w_t) per frame).</item>
/// </list>
/// The output side may differ from G: each frame is then brought to it by the same ×2 / ÷2 bilinear steps (a
/// ÷2 step is the 2×2 mean), and by one bilinear resize to a side no step reaches, also nodes of the graph. The
/// generator is square; with <see cref="StyleCineGanInputs.Background"/> each square frame is then put back into the
/// whole photo at <see cref="StyleCineGanInputs.Placement"/> (a paste node after the frame's tail), so outside the
/// region a frame is the photo exactly. Frames go out through <see cref="FrameCallback"/> as 3×H×W floats in [0, 1]. The renderer launches no kernel itself. Not thread-safe.
/// </summary>
public sealed class StyleCineGanRenderer : IDisposable
{
    private const string PhotoInput = "photo", MaskInput = "mask", BackgroundInput = "background", FrameOutput = "frame";

    private readonly ComputeDevice device;
    private GraphRunner frames = null!;
    private PlanCache.Lease<GraphRunner>? framesLease;
    private PlanCache? cache; // an engine's built programs (null: build each and release it)

    /// <summary>The frame program's plan (for tests and inspection).</summary>
    internal ExecutionPlan FramePlan => frames.Plan;
    private float[] host = [];

    private StyleCineGanRenderer(ComputeDevice device, CinemagraphOptions options)
    {
        this.device = device;
        Options = options;
        Schedule = LoopSchedule.Create(options.Loop, options.FrameCount);
    }

    public CinemagraphOptions Options { get; }
    public LoopSchedule Schedule { get; }
    public int FrameCount => Schedule.FrameCount;

    /// <summary>The generator's size G (the size frames are rendered at).</summary>
    public int GeneratorSize { get; private set; }

    /// <summary>The mask and motion grid M.</summary>
    public int GridSize { get; private set; }

    /// <summary>Side of the generator's square frames at the output scale (the frames handed out without a background).</summary>
    public int Size { get; private set; }

    /// <summary>Width of the frames handed out: the background's, else <see cref="Size"/>.</summary>
    public int Width { get; private set; }

    /// <summary>Height of the frames handed out: the background's, else <see cref="Size"/>.</summary>
    public int Height { get; private set; }

    /// <summary>w+ of the photo (1×1×n_latent×style_dim) and D (1×C×64×64), as the encoder gave them.</summary>
    public float[] WPlus { get; private set; } = [];
    public float[] Feature { get; private set; } = [];

    /// <summary>w+ of the style image, or null.</summary>
    public float[]? StyleWPlus { get; private set; }

    /// <summary>The mask used (M×M, 1 animated) and whether it was predicted.</summary>
    public AnimationMask Mask { get; private set; } = null!;
    public bool MaskPredicted { get; private set; }

    /// <summary>The motion before the mask multiplies it (2×M×M) and whether it was predicted.</summary>
    public MotionField Motion { get; private set; } = null!;
    public bool MotionPredicted { get; private set; }

    public StyleCineGanTimings Timings { get; } = new();

    /// <summary>
    /// Runs everything once per cinemagraph: inversion, mask, motion, the frame program's hoisted part. The weights
    /// folder needs the mask classifiers only when <see cref="StyleCineGanInputs.Mask"/> is null and the motion
    /// network only when <see cref="StyleCineGanInputs.Motion"/> is null (<see cref="WeightsFolder.Require"/>).
    /// </summary>
    /// <exception cref="FileNotFoundException">A network the inputs leave to prediction is not in the folder.</exception>
    /// <exception cref="ArgumentException">An input does not match the generator's size or the grid.</exception>
    /// <param name="device">Where everything runs.</param>
    /// <param name="weights">The checked weights folder (the generator and the encoder at least).</param>
    /// <param name="inputs">The photo at G, and the mask, motion and style image when given.</param>
    /// <param name="options">Frame count and loop mode.</param>
    /// <param name="outputSize">Side of the square frames at the output scale (any positive side; default G; with a
    /// background, the placement's side, which it must equal when given).</param>
    public static StyleCineGanRenderer Create(ComputeDevice device, WeightsFolder weights, StyleCineGanInputs inputs,
        CinemagraphOptions? options = null, int? outputSize = null) => CreateReusing(device, weights, inputs, options, outputSize, cache: null);

    /// <summary>
    /// <see cref="Create(ComputeDevice, WeightsFolder, StyleCineGanInputs, CinemagraphOptions?, int?)"/> reusing the
    /// encoder, the mask and motion networks and the frame program from <paramref name="cache"/> (a
    /// <see cref="CinemagraphEngine"/>'s, for one weights folder).
    /// </summary>
    internal static StyleCineGanRenderer CreateReusing(ComputeDevice device, WeightsFolder weights, StyleCineGanInputs inputs,
        CinemagraphOptions? options, int? outputSize, PlanCache? cache)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(inputs);
        options ??= new CinemagraphOptions();
        options.ValidateFrameCount();
        var r = new StyleCineGanRenderer(device, options) { cache = cache };
        try
        {
            r.Build(weights, inputs, outputSize);
            return r;
        }
        catch
        {
            r.Dispose();
            throw;
        }
    }

    private void Build(WeightsFolder weights, StyleCineGanInputs inputs, int? outputSize)
    {
        var g = weights.GeneratorConfig;
        int size = g.Size, grid = inputs.GridSize;
        GeneratorSize = size;
        GridSize = grid;
        Size = outputSize ?? inputs.Placement?.Height ?? size;
        CheckInputs(inputs, size, grid, Size);
        Width = inputs.Background?.Width ?? Size;
        Height = inputs.Background?.Height ?? Size;
        weights.Require(inputs.Predicted); // a missing classifier or flow network is refused before any work
        var clock = Stopwatch.StartNew();

        // 1. Inversion (utils.gan_inversion → Trainer.test): w+ and D.
        var wplusShape = new Shape4(1, 1, g.LatentCount, g.StyleDim);
        using (var encoderLease = PlanCache.Rent(cache, new PlanKey("encoder", new Shape4(1, 3, size, size)),
                   () => new FeatureStyleEncoder(device, weights.Encoder, weights.LatentAverage, new Shape4(1, 3, size, size), downscales: weights.EncoderDownscales)))
        {
            var encoder = encoderLease.Item;
            encoder.Run(inputs.Photo.ToSigned());
            WPlus = encoder.WPlus.ToArray();
            Feature = encoder.Feature.ToArray();
            if (inputs.Style is { } style)
            {
                encoder.Run(style.ToSigned());
                StyleWPlus = encoder.WPlus.ToArray();
            }
        }
        Timings.Inversion = clock.Elapsed.TotalSeconds;

        // 2. Mask: predict_mask on make_sg2_features_fs(feature_forward(w+, D)).
        clock.Restart();
        MaskPredicted = inputs.Mask is null;
        Mask = inputs.Mask ?? PredictMask(weights, grid);
        Timings.Mask = clock.Elapsed.TotalSeconds;

        // 3. Motion: the flow network on the photo at M, z-score filtered; then flow *= mask.
        clock.Restart();
        MotionPredicted = inputs.Motion is null;
        Motion = inputs.Motion ?? PredictMotion(weights, inputs.Photo, grid);
        var flow = Motion.Masked(Mask, Options.Speed);
        Timings.Motion = clock.Elapsed.TotalSeconds;

        // 4. The frame program, composite and style change included, and its hoisted part.
        clock.Restart();
        var framesKey = new PlanKey("frames", new Shape4(1, 3, size, size), new Shape4(1, 2, grid, grid), FrameCount, Options.Loop,
            OutputSize: Size, Styled: StyleWPlus is not null, Placement: inputs.Placement,
            Background: inputs.Background is { } b ? new Shape4(1, 3, b.Height, b.Width) : default);
        framesLease = PlanCache.Rent(cache, framesKey, () => new GraphRunner(device, Scheduler.Plan(BuildFrameGraph(weights.Generator, size, grid, inputs.Placement), device.Kind), FrameCount));
        frames = framesLease.Item;
        frames.SetInput(Generator.WPlusInput, WPlus);
        frames.SetInput(Generator.FeatureInput, Feature);
        frames.SetInput(Generator.FlowInput, flow.Planes);
        if (StyleWPlus is not null) frames.SetInput(Generator.WPlusTargetInput, StyleWPlus);
        frames.SetInput(PhotoInput, inputs.Photo.Data);
        frames.SetInput(MaskInput, Mask.Values);
        if (inputs.Background is { } background) frames.SetInput(BackgroundInput, background.Data);
        frames.RunOnce();
        host = new float[3L * Width * Height];
        device.Synchronize();
        Timings.OncePerCinemagraph = clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The whole frame program: warp_blend_feature's image (1×3×G×G in [−1, 1]) composited over the photo, or over the
    /// photo plus the style change, with the mask stepped from M to G; the frame stepped to the output side; then,
    /// with a placement, pasted into the background (1×3×H×W).
    /// </summary>
    private ComputeGraph BuildFrameGraph(Generator generator, int size, int grid, Window? placement)
    {
        bool styled = StyleWPlus is not null;
        var b = new GraphBuilder("cinemagraph");
        var generated = b.Include(generator.BuildFrames(new FramesOptions(LoopMode: Options.Loop, FlowSize: grid, StyleInterpolation: styled)))[Generator.ImageOutput];
        var photo = b.Input(PhotoInput, new Shape4(1, 3, size, size));
        var mask = StepResize.Build(b, b.Input(MaskInput, new Shape4(1, 1, grid, grid)), size, "mask");
        var background = photo;
        if (styled)
        {
            // G(D, w_t) unwarped, with the frame program's latent schedule, and G(D, w) (its β = 0), hoisted.
            var moving = b.Include(generator.BuildFeatureForward(WeightsFolder.FeatureResolution, styleInterpolation: true, styleLoop: Options.Loop))[Generator.ImageOutput];
            var still = b.Include(generator.BuildFeatureForward(WeightsFolder.FeatureResolution))[Generator.ImageOutput];
            background = StyleInterpolation.Background(b, photo, moving, still);
        }
        var frame = Composite.GeneratedOver(b, generated, background, mask);
        var output = ToSide(b, frame, Size);
        // The region put back into the whole photo: a step of its own after the frame's tail.
        if (placement is { } p)
            output = b.Apply("paste", new PasteOp(p.Top, p.Left), b.Input(BackgroundInput, new Shape4(1, 3, Height, Width)), output);
        b.Output(FrameOutput, output);
        return b.Build();
    }

    /// <summary>
    /// The square frame (1×3×G×G) brought to side <paramref name="side"/>: bilinear ×2 / ÷2 steps (StepResize) as far as
    /// they go without passing it, then one bilinear resize (align_corners=False) for the rest; exactly StepResize's
    /// steps when they reach it (a power-of-two ratio).
    /// </summary>
    private static Value ToSide(GraphBuilder b, Value frame, int side)
    {
        int g = frame.Shape.H, reach = g;
        if (side < g) while (reach / 2 >= side) reach /= 2;
        else while (reach * 2 <= side) reach *= 2;
        var stepped = StepResize.Build(b, frame, reach, "output");
        return reach == side ? stepped : b.Apply($"output@{side}", new ResizeOp(side, side, alignCorners: false), stepped);
    }

    private static void CheckInputs(StyleCineGanInputs inputs, int size, int grid, int outputSize)
    {
        if (inputs.Photo.Width != size || inputs.Photo.Height != size)
            throw new ArgumentException($"cinemagraph: the photo is {inputs.Photo.Width}x{inputs.Photo.Height}; the generator needs {size}x{size}");
        if (inputs.Style is { } s && (s.Width != size || s.Height != size))
            throw new ArgumentException($"cinemagraph: the style image is {s.Width}x{s.Height}; the generator needs {size}x{size}");
        if (grid < 1 || (grid & (grid - 1)) != 0) throw new ArgumentException($"cinemagraph: the mask/motion grid {grid} must be a power of two");
        if (outputSize < 1) throw new ArgumentException($"cinemagraph: the output side {outputSize} must be positive");
        if ((inputs.Background is null) != (inputs.Placement is null))
            throw new ArgumentException("cinemagraph: a background needs a placement and a placement a background");
        if (inputs.Placement is { } p)
        {
            var bg = inputs.Background!;
            if (p.Height != p.Width || p.Height != outputSize || p.Top < 0 || p.Left < 0 || p.Top + p.Height > bg.Height || p.Left + p.Width > bg.Width)
                throw new ArgumentException($"cinemagraph: the placement ({p}) must be a {outputSize}-pixel square inside the {bg.Width}x{bg.Height} background");
        }
        if (inputs.Motion is { } m && (m.Width != grid || m.Height != grid))
            throw new ArgumentException($"cinemagraph: the motion field is {m.Width}x{m.Height}; the grid is {grid}x{grid}");
        if (inputs.Mask is { } k && (k.Width != grid || k.Height != grid))
            throw new ArgumentException($"cinemagraph: the mask is {k.Width}x{k.Height}; the grid is {grid}x{grid} like the motion");
        for (int level = 2 * WeightsFolder.FeatureResolution; level <= size; level *= 2)
            StepResize.Steps(new Shape4(1, 2, grid, grid), level); // throws when a warp level is unreachable
    }

    /// <summary>The original's predict_mask: features of feature_forward, the ensemble, vote of the flow net's class, clean-up.</summary>
    private AnimationMask PredictMask(WeightsFolder weights, int grid)
    {
        using var lease = PlanCache.Rent(cache, new PlanKey("predict_mask", default, new Shape4(1, 1, grid, grid)), () =>
        {
            var config = new MaskPredictorConfig(weights.MaskSources, grid);
            var b = new GraphBuilder("predict_mask");
            var features = b.Include(weights.Generator.BuildFeatureForward(WeightsFolder.FeatureResolution));
            var bindings = Enumerable.Range(0, config.Sources.Count).ToDictionary(MaskPredictor.FeatureInput, i => features[Generator.FeaturesOutput(i)]);
            foreach (var (name, logits) in b.Include(MaskPredictor.BuildGraph(config, weights.Classifiers, FirstLayerPlacement.PerSource), bindings))
                b.Output(name, logits);
            return new GraphRunner(device, Scheduler.Plan(b.Build(), device.Kind));
        });
        var predictor = lease.Item;
        predictor.SetInput(Generator.WPlusInput, WPlus);
        predictor.SetInput(Generator.FeatureInput, Feature);
        predictor.Run();
        var mask = MaskPredictor.Mask(predictor, weights.Classifiers.Count, weights.AnimatedClasses);
        return new AnimationMask(grid, grid, Array.ConvertAll(mask.Pixels, p => (float)p));
    }

    /// <summary>The flow network on the photo at M in [−1, 1], then z_score_filtering.</summary>
    private MotionField PredictMotion(WeightsFolder weights, RgbPlanes image, int grid)
    {
        using var lease = PlanCache.Rent(cache, new PlanKey("predict_motion", new Shape4(1, 3, image.Height, image.Width), new Shape4(1, 2, grid, grid)), () =>
        {
            var b = new GraphBuilder("predict_motion");
            var atGrid = StepResize.Build(b, b.Input(PhotoInput, new Shape4(1, 3, image.Height, image.Width)), grid, "photo");
            var motion = b.Include(MotionGenerator.BuildGraph(weights.MotionConfig, weights.Motion, grid, grid),
                new Dictionary<string, Value> { [MotionGenerator.ImageInput] = atGrid });
            b.Output(MotionGenerator.MotionOutput, motion[MotionGenerator.MotionOutput]);
            return new GraphRunner(device, Scheduler.Plan(b.Build(), device.Kind));
        });
        var network = lease.Item;
        network.SetInput(PhotoInput, image.ToSigned());
        network.Run();
        var output = network.Output(MotionGenerator.MotionOutput);
        return new MotionField(grid, grid, MotionZScoreFilter.Apply(output.ToArray(), output.Shape));
    }

    /// <summary>Computes frame t on the device; returns the tensor holding it at the output side.</summary>
    private Tensor ComputeFrame(int t)
    {
        frames.RunFrame(t);
        return frames.Output(FrameOutput);
    }

    /// <summary>Every frame in order, each a new <see cref="RgbPlanes"/> (values clamped to [0, 1]; no stage timings).</summary>
    public IEnumerable<RgbPlanes> Frames() => FrameLoop.Clamped(FrameCount, Width, Height, RenderFrame);

    /// <summary>Renders frame t and copies it to the host (3×H×W floats, nominally [0, 1], not clamped).</summary>
    public float[] RenderFrame(int t)
    {
        Schedule.Alpha(t); // range check
        return ComputeFrame(t).ToArray();
    }

    /// <summary>Renders every frame in order, handing each to <paramref name="onFrame"/>.</summary>
    public void Render(FrameCallback onFrame, CancellationToken cancellation = default) =>
        (Timings.Frames, Timings.Callback) = FrameLoop.Run(device, FrameCount, ComputeFrame, host, onFrame, cancellation);

    public void Dispose() => framesLease?.Dispose();
}
