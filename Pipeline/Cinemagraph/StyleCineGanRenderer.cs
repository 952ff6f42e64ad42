using System.Diagnostics;
using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Inversion;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Synthesis;
using CineKernel.Pipeline.Warping;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>What a full-method cinemagraph starts from.</summary>
public sealed record StyleCineGanInputs
{
    /// <summary>The photo at the generator's size G (square, RGB planes in [0, 1]).</summary>
    public required RgbPlanes Photo { get; init; }

    /// <summary>
    /// The side M of the mask and motion grid (the original's 512 for G = 1024). A given motion or mask must be
    /// M×M; a predicted one is made at M. Every warp level 128…G must be reachable from M by ×2 / ÷2 steps.
    /// </summary>
    public required int GridSize { get; init; }

    /// <summary>The Eulerian motion field on the M grid (pixels of that grid per frame), or null to predict it.</summary>
    public MotionField? Motion { get; init; }

    /// <summary>The animation mask on the M grid, or null to predict it.</summary>
    public AnimationMask? Mask { get; init; }

    /// <summary>A style image at G (paper Eq. 5–7), or null.</summary>
    public RgbPlanes? Style { get; init; }

    /// <summary>What the renderer must predict, and so which optional networks the weights folder must hold.</summary>
    public PredictedInputs Predicted =>
        (Mask is null ? PredictedInputs.Mask : PredictedInputs.None) | (Motion is null ? PredictedInputs.Motion : PredictedInputs.None);
}

/// <summary>Wall-clock seconds of each stage of a full-method render.</summary>
public sealed class StyleCineGanTimings
{
    /// <summary>The encoder on the photo (and the style image).</summary>
    public double Inversion { get; set; }

    /// <summary>feature_forward + the classifier ensemble + vote and clean-up (0 when the mask was given).</summary>
    public double Mask { get; set; }

    /// <summary>The motion network + z-score filter (0 when the motion was given).</summary>
    public double Motion { get; set; }

    /// <summary>The frame program's hoisted part (unwarped chain, displacement fields) and the composite's inputs.</summary>
    public double OncePerCinemagraph { get; set; }

    /// <summary>All frames, including <see cref="Callback"/>.</summary>
    public double Frames { get; set; }

    public double Callback { get; set; }
}

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
/// <item>Frames: <see cref="Generator.BuildFrames"/> (recon = warp index 9) run through one <see cref="GraphRunner"/>:
/// the hoisted part once, the per-frame part per frame; then main.py's composite
/// <c>result·up_mask + photo·(1 − up_mask)</c> with the mask brought to G by resize_feature's bilinear ×2 / ÷2 steps.
/// Where up_mask is 0 a frame is exactly the photo.</item>
/// <item>Style (optional): the style image is inverted by the same encoder; the frame program's latent moves
/// w_t = lerp(w, w_s, β_t) (Eq. 5; β_t = t/(N−1) in the official loop, (1 − cos 2πt/N)/2 in a seamless one), and the static region gets the same colour change as the generator's
/// unwarped image, ΔI_t = G(D, w_t) − G(D, w) (Eq. 6–7): background = photo + ΔI_t.</item>
/// </list>
/// The output side may differ from G: each frame is then brought to it by the same ×2 / ÷2 bilinear steps (a
/// ÷2 step is the 2×2 mean). Frames go out through <see cref="FrameCallback"/> as 3×S×S floats in [0, 1].
/// Not thread-safe.
/// </summary>
public sealed class StyleCineGanRenderer : IDisposable
{
    private const string FeatureInput = "feature", WPlusInput = "wplus", WPlusTargetInput = "wplus_target", FlowInput = "flow", ImageOutput = "image";

    private readonly ComputeDevice device;
    private readonly List<IDisposable> owned = [];
    private GraphRunner frames = null!;
    private GraphRunner? unwarpedStyle;
    private Tensor photo = null!, upMask = null!, foreground = null!, background = null!, composite = null!;
    private Tensor? reference, difference;
    private StepResize? toOutput;
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

    /// <summary>Side of the frames handed out.</summary>
    public int Size { get; private set; }

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
    /// <param name="outputSize">Side of the frames handed out (a power of two; default G).</param>
    public static StyleCineGanRenderer Create(ComputeDevice device, WeightsFolder weights, StyleCineGanInputs inputs,
        CinemagraphOptions? options = null, int? outputSize = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(inputs);
        options ??= new CinemagraphOptions();
        if (options.FrameCount is < 2 or > CinemagraphOptions.MaxFrames)
            throw new ArgumentOutOfRangeException(nameof(options), options.FrameCount, $"frame count must be in 2..{CinemagraphOptions.MaxFrames}");
        var r = new StyleCineGanRenderer(device, options);
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
        Size = outputSize ?? size;
        CheckInputs(inputs, size, grid, Size);
        weights.Require(inputs.Predicted); // a missing classifier or flow network is refused before any work
        var clock = Stopwatch.StartNew();

        // 1. Inversion (utils.gan_inversion → Trainer.test): w+ and D.
        var wplusShape = new Shape4(1, 1, g.LatentCount, g.StyleDim);
        using (var encoder = new FeatureStyleEncoder(device, weights.Encoder, weights.LatentAverage, new Shape4(1, 3, size, size),
                   downscales: weights.EncoderDownscales))
        {
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
        var flow = Motion.Masked(Mask);
        Timings.Motion = clock.Elapsed.TotalSeconds;

        // 4. The frame program's hoisted part and the composite's constant inputs.
        clock.Restart();
        bool styled = StyleWPlus is not null;
        var program = weights.Generator.BuildFrames(new FramesOptions(LoopMode: Options.Loop, FlowSize: grid, StyleInterpolation: styled));
        frames = new GraphRunner(device, Scheduler.Plan(program), FrameCount);
        frames.SetInput(WPlusInput, WPlus);
        frames.SetInput(FeatureInput, Feature);
        frames.SetInput(FlowInput, flow.Planes);
        if (styled) frames.SetInput(WPlusTargetInput, StyleWPlus);
        frames.RunOnce();

        var imageShape = new Shape4(1, 3, size, size);
        photo = Own(device.Upload(inputs.Photo.Data, imageShape));
        using (var smallMask = device.Upload(Mask.Values, new Shape4(1, 1, grid, grid)))
        using (var maskSteps = new StepResize(device, smallMask.Shape, size))
        {
            upMask = Own(device.Allocate(1, 1, size, size));
            Copy(maskSteps.Run(smallMask), upMask);
        }
        foreground = Own(device.Allocate(imageShape));
        composite = Own(device.Allocate(imageShape));
        background = photo;
        if (styled)
        {
            // G(D, w_t) unwarped: the same latent schedule as the frame program; G(D, w) is its frame 0 (β = 0).
            unwarpedStyle = new GraphRunner(device, Scheduler.Plan(weights.Generator.BuildFeatureForward(WeightsFolder.FeatureResolution, styleInterpolation: true, styleLoop: Options.Loop)), FrameCount);
            unwarpedStyle.SetInput(WPlusInput, WPlus);
            unwarpedStyle.SetInput(WPlusTargetInput, StyleWPlus);
            unwarpedStyle.SetInput(FeatureInput, Feature);
            unwarpedStyle.RunFrame(0);
            reference = Own(device.Allocate(imageShape));
            Copy(unwarpedStyle.Output(ImageOutput), reference);
            difference = Own(device.Allocate(imageShape));
            background = Own(device.Allocate(imageShape));
        }
        if (Size != size) toOutput = Own(new StepResize(device, imageShape, Size));
        host = new float[3L * Size * Size];
        device.Synchronize();
        Timings.OncePerCinemagraph = clock.Elapsed.TotalSeconds;
    }

    private static void CheckInputs(StyleCineGanInputs inputs, int size, int grid, int outputSize)
    {
        if (inputs.Photo.Width != size || inputs.Photo.Height != size)
            throw new ArgumentException($"cinemagraph: the photo is {inputs.Photo.Width}x{inputs.Photo.Height}; the generator needs {size}x{size}");
        if (inputs.Style is { } s && (s.Width != size || s.Height != size))
            throw new ArgumentException($"cinemagraph: the style image is {s.Width}x{s.Height}; the generator needs {size}x{size}");
        if (grid < 1 || (grid & (grid - 1)) != 0) throw new ArgumentException($"cinemagraph: the mask/motion grid {grid} must be a power of two");
        if (outputSize < 1 || (outputSize & (outputSize - 1)) != 0) throw new ArgumentException($"cinemagraph: the output side {outputSize} must be a power of two");
        if (inputs.Motion is { } m && (m.Width != grid || m.Height != grid))
            throw new ArgumentException($"cinemagraph: the motion field is {m.Width}x{m.Height}; the grid is {grid}x{grid}");
        if (inputs.Mask is { } k && (k.Width != grid || k.Height != grid))
            throw new ArgumentException($"cinemagraph: the mask is {k.Width}x{k.Height}; the grid is {grid}x{grid} like the motion");
        for (int level = 2 * WeightsFolder.FeatureResolution; level <= size; level *= 2)
            FlowPyramid.Steps(new Shape4(1, 2, grid, grid), level); // throws when a warp level is unreachable
    }

    /// <summary>The original's predict_mask: features of feature_forward, the ensemble, vote of the flow net's class, clean-up.</summary>
    private AnimationMask PredictMask(WeightsFolder weights, int grid)
    {
        using var features = new GraphRunner(device, Scheduler.Plan(weights.Generator.BuildFeatureForward(WeightsFolder.FeatureResolution)));
        features.SetInput(WPlusInput, WPlus);
        features.SetInput(FeatureInput, Feature);
        features.Run();
        var config = new MaskPredictorConfig(weights.MaskSources, grid);
        using var predictor = new GraphRunner(device, Scheduler.Plan(MaskPredictor.BuildGraph(config, weights.Classifiers, FirstLayerPlacement.PerSource)));
        for (int i = 0; i < config.Sources.Count; i++)
            Copy(features.Output($"features.{i}"), predictor.Input(MaskPredictor.FeatureInput(i)));
        predictor.Run();
        var mask = MaskPredictor.Mask(predictor, weights.Classifiers.Count, weights.AnimatedClasses);
        return new AnimationMask(grid, grid, Array.ConvertAll(mask.Pixels, p => (float)p));
    }

    /// <summary>The flow network on the photo at M in [−1, 1], then z_score_filtering.</summary>
    private MotionField PredictMotion(WeightsFolder weights, RgbPlanes image, int grid)
    {
        using var network = new GraphRunner(device, Scheduler.Plan(MotionGenerator.BuildGraph(weights.MotionConfig, weights.Motion, grid, grid)));
        using (var signed = device.Upload(image.ToSigned(), new Shape4(1, 3, image.Height, image.Width)))
        using (var steps = new StepResize(device, signed.Shape, grid))
            Copy(steps.Run(signed), network.Input(MotionGenerator.ImageInput));
        network.Run();
        var output = network.Output(MotionGenerator.MotionOutput);
        return new MotionField(grid, grid, MotionZScoreFilter.Apply(output.ToArray(), output.Shape));
    }

    /// <summary>Computes frame t on the device; returns the tensor holding it at the output side.</summary>
    private Tensor ComputeFrame(int t)
    {
        frames.RunFrame(t);
        // The generator's [−1, 1] to the photo's [0, 1]: m·(g+1)/2 + (1−m)·p is main.py's composite, to_numpy'd.
        ElementWise.ScaleShift(frames.Output(ImageOutput), 0.5f, 0.5f, foreground);
        if (unwarpedStyle is not null)
        {
            unwarpedStyle.RunFrame(t);
            ElementWise.AddScaled(unwarpedStyle.Output(ImageOutput), reference!, -1f, difference!);
            ElementWise.AddScaled(photo, difference!, 0.5f, background); // ΔI is in [−1, 1] units: half in [0, 1]
        }
        ElementWise.Composite(foreground, background, upMask, composite);
        return toOutput?.Run(composite) ?? composite;
    }

    /// <summary>Renders frame t and copies it to the host (3×S×S floats in [0, 1], not clamped).</summary>
    public float[] RenderFrame(int t)
    {
        Schedule.Alpha(t); // range check
        return ComputeFrame(t).ToArray();
    }

    /// <summary>Renders every frame in order, handing each to <paramref name="onFrame"/>.</summary>
    public void Render(FrameCallback onFrame, CancellationToken cancellation = default) =>
        (Timings.Frames, Timings.Callback) = FrameLoop.Run(device, FrameCount, ComputeFrame, host, onFrame, cancellation);

    private T Own<T>(T d) where T : IDisposable
    {
        owned.Add(d);
        return d;
    }

    /// <summary>A device copy (x·1 + 0 is exact).</summary>
    private static void Copy(Tensor from, Tensor to) => ElementWise.ScaleShift(from, 1f, 0f, to);

    public void Dispose()
    {
        frames?.Dispose();
        unwarpedStyle?.Dispose();
        foreach (var d in owned) d.Dispose();
        owned.Clear();
    }

    /// <summary>
    /// The original's resize_feature generalised: bilinear (align_corners=False) ×2 or ÷2 steps from a square
    /// tensor's side to <c>size</c> (a ÷2 step is the 2×2 mean), through buffers allocated once.
    /// </summary>
    private sealed class StepResize : IDisposable
    {
        private readonly List<Tensor> steps = [];

        public StepResize(ComputeDevice device, Shape4 input, int size)
        {
            if (input.H != input.W) throw new ArgumentException($"step resize: {input} is not square");
            int side = input.H;
            while (side != size)
            {
                int next = side < size ? side * 2 : side / 2;
                if (next == 0 || (side > size && side % 2 != 0) || (side < size && next > size))
                    throw new ArgumentException($"step resize: {input.H} cannot reach {size} by ×2 / ÷2 steps");
                side = next;
                steps.Add(device.Allocate(input with { H = side, W = side }));
            }
        }

        /// <summary>The resized tensor (the input itself when no step is needed); valid until the next call.</summary>
        public Tensor Run(Tensor input)
        {
            var current = input;
            foreach (var s in steps)
            {
                Resize.Bilinear(current, s, alignCorners: false);
                current = s;
            }
            return current;
        }

        public void Dispose()
        {
            foreach (var s in steps) s.Dispose();
        }
    }
}
