using CineKernel.Graph;
using CineKernel.Graph.Ops;
using CineKernel.Kernels;
using CineKernel.Pipeline.Warping;
using CineKernel.Pipeline.Weights;
using CineKernel.WeightsLoader;

namespace CineKernel.Pipeline.Synthesis;

/// <summary>
/// StyleGAN2's generator (models/stylegan2/model.py, rosinality layout; DESIGN.md "Generator") as graphs on
/// the engine's IR, one per program of the original:
/// <list type="bullet">
/// <item><see cref="BuildMapping"/>: <c>style</c>, z → w.</item>
/// <item><see cref="BuildForward"/>: <c>forward</c> from w+ with the stored noise buffers.</item>
/// <item><see cref="BuildFeatureForward"/>: <c>feature_forward</c>, D injected at its resolution.</item>
/// <item><see cref="BuildFrames"/>: <c>warp_blend_feature</c>, a cinemagraph frame (DESIGN.md "A cinemagraph
/// frame"), with the warps as graph nodes so the scheduler hoists the unwarped chain.</item>
/// </list>
/// Parameters keep the original state_dict names (<c>convs.3.conv.modulation.bias</c>, <c>noises.noise_5</c>, …).
/// The synthesis graphs render one image (batch 1), as the original's cinemagraph code does.
/// </summary>
public sealed class Generator
{
    /// <summary>Input of every synthesis program: w+ (1×1×n_latent×style_dim).</summary>
    public const string WPlusInput = "wplus";

    /// <summary>Input of the style-interpolating programs: the style image's w+ (the shape of <see cref="WPlusInput"/>).</summary>
    public const string WPlusTargetInput = "wplus_target";

    /// <summary>Input of feature_forward and the frame program: the encoder's deep feature D (1×C×R×R).</summary>
    public const string FeatureInput = "feature";

    /// <summary>Input of the frame program: the Eulerian motion field (1×2×M×M, pixels of that grid per frame).</summary>
    public const string FlowInput = "flow";

    /// <summary>Output of every synthesis program: the image (1×3×G×G, nominally [−1, 1]).</summary>
    public const string ImageOutput = "image";

    /// <summary>Output k of feature_forward: D, then every conv output after it (the mask predictor's inputs).</summary>
    public static string FeaturesOutput(int k) => $"features.{k}";

    private readonly NetworkParameters parameters;

    /// <param name="config">The generator's shape; its <see cref="GeneratorConfig.Parameters"/> are the tensors read.</param>
    /// <param name="parameters">The state_dict. Each program checks the tensors it reads (the mapping's, or the
    /// synthesis network's) before building: <see cref="InvalidDataException"/> names the source and the first
    /// missing or misshapen tensor.</param>
    public Generator(GeneratorConfig config, NetworkParameters parameters)
    {
        Config = config;
        this.parameters = parameters;
    }

    /// <summary>A generator whose parameters and configuration come from a safetensors file (kept open while building).</summary>
    /// <exception cref="FormatException">The metadata's configuration does not parse.</exception>
    public static Generator FromFile(SafetensorsFile file) => new(GeneratorConfig.FromFile(file), NetworkParameters.From(file));

    public GeneratorConfig Config { get; }

    /// <summary>The mapping network: z (N×1×1×style_dim) → w: PixelNorm, then n_mlp EqualLinear (lr_mul lr_mlp) with fused lrelu.</summary>
    public ComputeGraph BuildMapping(int batch = 1)
    {
        var b = new Layers(this, new GraphBuilder("mapping"), Config.MappingParameters());
        var x = b.Builder.Input("z", new Shape4(batch, 1, 1, Config.StyleDim));
        x = b.Builder.Apply("style.0", new PixelNormOp(), x);
        for (int k = 1; k <= Config.MappingLayers; k++)
        {
            var options = LinearOptions.Equalized(Config.StyleDim, Config.MappingLrMul, fusedLeakyRelu: true);
            x = b.Builder.Apply($"style.{k}", new LinearOp(options), x, b.Weight($"style.{k}.weight"), b.Weight($"style.{k}.bias"));
        }
        b.Builder.Output("w", x);
        return b.Builder.Build();
    }

    /// <summary>The plain synthesis: w+ (1×1×n_latent×style_dim) → image (1×3×size×size).</summary>
    public ComputeGraph BuildForward()
    {
        var b = new Layers(this, new GraphBuilder("forward"));
        var (out_, skip) = b.Start();
        for (int j = 0; j < Config.Blocks; j++)
        {
            out_ = b.BlockConvs(j, out_);
            skip = b.ToRgb(j, out_, skip);
        }
        b.Builder.Output(ImageOutput, skip);
        return b.Builder.Build();
    }

    /// <summary>
    /// <c>feature_forward</c>: the output of the block at D's resolution is replaced by D (input "feature",
    /// 1×C×R×R); toRGB at R starts the skip from D alone; the blocks after it run as usual. Outputs "image" and
    /// "features.{k}": D, then every conv output after it (the mask predictor's inputs). The blocks below R are
    /// built as the original runs them and removed by the scheduler as dead work. With
    /// <paramref name="styleInterpolation"/> the latent is lerp(wplus, wplus_target, t/(N−1)) as in
    /// <see cref="BuildFrames"/>: the unwarped image G(D, w_t) of a style-interpolated cinemagraph.
    /// </summary>
    public ComputeGraph BuildFeatureForward(int featureResolution = 64, bool styleInterpolation = false, LoopMode styleLoop = LoopMode.Official)
    {
        int replacedBlock = BlockOf(featureResolution);
        var b = new Layers(this, new GraphBuilder("feature_forward"));
        if (styleInterpolation) b.InterpolateLatent(styleLoop);
        var feature = b.Builder.Input(FeatureInput, new Shape4(1, Config.ChannelsAt(featureResolution), featureResolution, featureResolution));
        var (out_, skip) = b.Start();
        var features = new List<Value>();
        for (int j = 0; j < Config.Blocks; j++)
        {
            if (j <= replacedBlock)
            {
                out_ = b.BlockConvs(j, out_);
                if (j == replacedBlock)
                {
                    out_ = feature;
                    features.Add(feature);
                    skip = b.ToRgb(j, feature, null);
                }
                continue;
            }
            out_ = b.StyledConv(2 * j, out_);
            features.Add(out_);
            out_ = b.StyledConv(2 * j + 1, out_);
            features.Add(out_);
            skip = b.ToRgb(j, out_, skip);
        }
        b.Builder.Output(ImageOutput, skip);
        for (int k = 0; k < features.Count; k++) b.Builder.Output(FeaturesOutput(k), features[k]);
        return b.Builder.Build();
    }

    /// <summary>
    /// A cinemagraph frame, <c>warp_blend_feature</c> (DESIGN.md "A cinemagraph frame"). Inputs "wplus",
    /// "feature" (D), "flow" (1×2×H×W motion field, hoisted); output "image". With recon = warp = i (odd): D
    /// replaces the input of convs[i−1]; its output is warped and passed through convs[i] to start the RGB skip
    /// (toRGB without skip); every later block's unwarped output is warped and fed to that block's toRGB with
    /// skip. Everything unwarped is once-per-cinemagraph; per frame run the warps, convs[i] on the warped
    /// feature, the toRGBs and the skip upsampling.
    /// </summary>
    public ComputeGraph BuildFrames(FramesOptions? options = null)
    {
        var o = options ?? new FramesOptions();
        if (o.ReconFeatureIndex != o.WarpFeatureIndex || o.ReconFeatureIndex % 2 == 0 || o.ReconFeatureIndex < 3 ||
            o.ReconFeatureIndex >= Config.NumLayers)
            throw new ArgumentException($"frames: recon and warp index must be equal, odd and in 3..{Config.NumLayers - 2} " +
                                        $"(the first conv of a block), got {o.ReconFeatureIndex} and {o.WarpFeatureIndex}");
        int firstBlock = (o.ReconFeatureIndex - 1) / 2;
        int featureResolution = GeneratorConfig.BlockResolution(firstBlock) / 2;
        var b = new Layers(this, new GraphBuilder("frames"));
        if (o.StyleInterpolation) b.InterpolateLatent(o.LoopMode);
        var feature = b.Builder.Input(FeatureInput, new Shape4(1, Config.ChannelsAt(featureResolution), featureResolution, featureResolution));
        int flowSize = o.FlowSize ?? Config.Size;
        var flow = b.Builder.Input(FlowInput, new Shape4(1, 2, flowSize, flowSize));
        var (out_, _) = b.Start();
        for (int j = 0; j < firstBlock; j++) out_ = b.BlockConvs(j, out_); // overwritten by D: dead work, as in the original

        // Block firstBlock: D → convs[2j]; its output warped → convs[2j+1] → toRGB starts the skip.
        out_ = b.StyledConv(2 * firstBlock, feature);
        var warped = b.Warp(firstBlock, out_, flow, o.LoopMode);
        var skip = b.ToRgb(firstBlock, b.StyledConv(2 * firstBlock + 1, warped, "warped"), null);
        out_ = b.StyledConv(2 * firstBlock + 1, out_);
        for (int j = firstBlock + 1; j < Config.Blocks; j++)
        {
            out_ = b.BlockConvs(j, out_);
            skip = b.WarpedToRgb(j, out_, flow, o.LoopMode, skip);
        }
        b.Builder.Output(ImageOutput, skip);
        return b.Builder.Build();
    }

    private int BlockOf(int resolution)
    {
        for (int j = 0; j < Config.Blocks; j++)
            if (GeneratorConfig.BlockResolution(j) == resolution) return j;
        throw new ArgumentException($"generator of size {Config.Size} has no block at resolution {resolution}");
    }

    /// <summary>
    /// The layers of one graph: weights as constants (each read once), the style and demodulation of each layer
    /// computed once however often the layer is applied. The parameters are checked against the program's list
    /// (<paramref name="declared"/>, by default the synthesis network's) before any node is added.
    /// </summary>
    private sealed class Layers(Generator generator, GraphBuilder builder, ParameterList? declared = null)
    {
        private readonly NetworkParameters parameters = generator.parameters.Checked(declared ?? generator.Config.SynthesisParameters());
        private readonly Dictionary<string, Value> weights = new();
        private readonly Dictionary<int, Value> latentRows = new();
        private readonly Dictionary<string, (Value Style, Value? Demod)> modulations = new();
        private Value? wplus;

        public GraphBuilder Builder { get; } = builder;

        private GeneratorConfig Config => generator.Config;

        private Value WPlus => wplus ??= Builder.Input(WPlusInput, new Shape4(1, 1, Config.LatentCount, Config.StyleDim));

        /// <summary>
        /// The synthesis reads lerp(wplus, wplus_target, β_t) instead of wplus: a per-frame latent. β_t = t/(N−1) in the
        /// official loop (the original's), and there and back, (1 − cos 2πt/N)/2, in a seamless loop, whose seam
        /// would otherwise jump from the target style back to the photo's.
        /// </summary>
        public void InterpolateLatent(LoopMode loopMode)
        {
            var target = Builder.Input(WPlusTargetInput, WPlus.Shape);
            var schedule = loopMode == LoopMode.Seamless ? FrameLerpOp.ThereAndBack() : FrameLerpOp.Linear();
            wplus = Builder.Apply("wplus@t", schedule, WPlus, target);
        }

        public Value Weight(string name)
        {
            if (weights.TryGetValue(name, out var v)) return v;
            var t = parameters.Read(name);
            var dims = t.Shape.AsSpan();
            // Modulated conv weights are stored 1×Cout×Cin×K×K: drop the leading batch dimension.
            if (dims.Length == 5 && dims[0] == 1) dims = dims[1..];
            v = Builder.Constant(name, Shape4.FromDims(dims), t.Data);
            weights[name] = v;
            return v;
        }

        /// <summary>A declared one-value tensor (a noise strength).</summary>
        private float Scalar(string name) => parameters.Read(name).Data[0];

        /// <summary>The original's <c>latent[:, i]</c>.</summary>
        private Value Latent(int index)
        {
            if (!latentRows.TryGetValue(index, out var v))
                latentRows[index] = v = Builder.Apply($"w[{index}]", new LatentRowOp(index), WPlus);
            return v;
        }

        /// <summary>s = modulation(latent[:, i]) (EqualLinear style_dim → Cin, lr_mul 1) and, if demodulated, demod.</summary>
        private (Value Style, Value? Demod) Modulation(string prefix, int latentIndex, bool demodulate)
        {
            if (modulations.TryGetValue(prefix, out var m)) return m;
            var weight = Weight($"{prefix}.conv.weight");
            var style = Builder.Apply($"{prefix}.conv.modulation", new LinearOp(LinearOptions.Equalized(Config.StyleDim)),
                Latent(latentIndex), Weight($"{prefix}.conv.modulation.weight"), Weight($"{prefix}.conv.modulation.bias"));
            Value? demod = demodulate
                ? Builder.Apply($"{prefix}.conv.demod", new DemodulationOp(Scale(weight)), weight, style)
                : null;
            modulations[prefix] = m = (style, demod);
            return m;
        }

        private static float Scale(Value weight) => ModulatedConv2d.EqualisedScale(weight.Shape.C, weight.Shape.H);

        /// <summary>ConstantInput, conv1 (latent 0, noise 0), to_rgb1 (latent 1): the 4×4 start.</summary>
        public (Value Out, Value Skip) Start()
        {
            var input = Weight("input.input");
            var out_ = StyledConv("conv1", input, latentIndex: 0, noiseIndex: 0, upsample: false);
            var (style, _) = Modulation("to_rgb1", 1, demodulate: false);
            var skip = Builder.Apply("to_rgb1", new ModulatedConvOp(ModulatedConvKind.ToRgb, Scale(Weight("to_rgb1.conv.weight")), hasBias: true),
                out_, Weight("to_rgb1.conv.weight"), style, Weight("to_rgb1.bias"));
            return (out_, skip);
        }

        /// <summary>Block j's two StyledConvs: convs[2j] upsamples (latent 2j+1), convs[2j+1] (latent 2j+2).</summary>
        public Value BlockConvs(int block, Value x) => StyledConv(2 * block + 1, StyledConv(2 * block, x));

        /// <summary>convs[k]: latent index k+1, noise buffer k+1; even k upsample.</summary>
        public Value StyledConv(int k, Value x, string? tag = null) =>
            StyledConv($"convs.{k}", x, latentIndex: k + 1, noiseIndex: k + 1, upsample: k % 2 == 0, tag);

        /// <summary>
        /// StyledConv: modulated conv → NoiseInjection (stored buffer) → FusedLeakyReLU. The scheduler fuses the
        /// noise and the activation into the conv's epilogue (or the noise pass).
        /// </summary>
        private Value StyledConv(string prefix, Value x, int latentIndex, int noiseIndex, bool upsample, string? tag = null)
        {
            var weight = Weight($"{prefix}.conv.weight");
            var (style, demod) = Modulation(prefix, latentIndex, demodulate: true);
            string name = tag is null ? prefix : $"{prefix}/{tag}";
            var conv = upsample
                ? Builder.Apply($"{name}.conv", new ModulatedConvOp(ModulatedConvKind.Upsample, Scale(weight)), x, weight, style, demod!,
                    Weight($"{prefix}.conv.blur.kernel"))
                : Builder.Apply($"{name}.conv", new ModulatedConvOp(ModulatedConvKind.Plain, Scale(weight)), x, weight, style, demod!);
            var noised = Builder.Apply($"{name}.noise", new NoiseOp(Scalar($"{prefix}.noise.weight")), conv, Weight($"noises.noise_{noiseIndex}"));
            return Builder.Apply(name, new FusedLeakyReluOp(), noised, Weight($"{prefix}.activate.bias"));
        }

        /// <summary>to_rgbs[j] (latent 2j+3): 1×1 modulated conv without demodulation + bias (+ the skip upsampled ×2).</summary>
        public Value ToRgb(int block, Value x, Value? skip)
        {
            string prefix = $"to_rgbs.{block}";
            var weight = Weight($"{prefix}.conv.weight");
            var (style, _) = Modulation(prefix, 2 * block + 3, demodulate: false);
            var rgb = Builder.Apply($"{prefix}.conv", new ModulatedConvOp(ModulatedConvKind.ToRgb, Scale(weight), hasBias: true),
                x, weight, style, Weight($"{prefix}.bias"));
            if (skip is null) return rgb;
            // Upsample: upfirdn2d(up 2, pad (2, 1)) with the stored kernel (already × factor²).
            var up = Builder.Apply($"{prefix}.upsample", new UpfirdnOp(UpfirdnParams.Symmetric(2, 1, 2, 1)), skip, Weight($"{prefix}.upsample.kernel"));
            // up + rgb: the sum is the upsampling's residual epilogue (the same float sum as rgb + up).
            return Builder.Apply(prefix, new AddOp(), up, rgb);
        }

        /// <summary>
        /// to_rgbs[j] of block j's warped feature, the original's <c>to_rgbs[j](warp_one_level(out), latent, skip)</c>,
        /// computed as warp(conv) + bias + skip: toRGB's 1×1 modulated conv is linear per pixel, and so are the splat,
        /// its normalisation and the hole filter (a box mean of normalised pixels), so warping the conv's 3 channels
        /// equals the conv of the warped C channels up to float rounding, at 3/(C+1) of the splat's atomics (32 → 3
        /// planes at 1024 for config-f) and with the conv hoisted out of the frame loop. The bias is not linear (a
        /// hole's box mean would blur it), so it is added after the warp, with the skip: both are the upsampling's
        /// epilogue (skip↑ + warped, then + bias), so the per-frame tail is one pass.
        /// </summary>
        public Value WarpedToRgb(int block, Value x, Value flow, LoopMode loopMode, Value skip)
        {
            string prefix = $"to_rgbs.{block}";
            var weight = Weight($"{prefix}.conv.weight");
            var (style, _) = Modulation(prefix, 2 * block + 3, demodulate: false);
            var rgb = Builder.Apply($"{prefix}.conv", new ModulatedConvOp(ModulatedConvKind.ToRgb, Scale(weight), hasBias: false),
                x, weight, style);
            var warped = Warp(block, rgb, flow, loopMode);
            var up = Builder.Apply($"{prefix}.upsample", new UpfirdnOp(UpfirdnParams.Symmetric(2, 1, 2, 1)), skip, Weight($"{prefix}.upsample.kernel"));
            var sum = Builder.Apply($"{prefix}.sum", new AddOp(), up, warped);
            return Builder.Apply(prefix, new BiasOp(), sum, Weight($"{prefix}.bias"));
        }

        /// <summary>warp_one_level of block j's feature along the flow: hoisted fields and feature pad, per-frame splat.</summary>
        public Value Warp(int block, Value feature, Value flow, LoopMode loopMode)
        {
            var level = new FeatureWarpLevel(GeneratorConfig.BlockResolution(block), feature.Shape.C, loopMode);
            return level.Warp(Builder, feature, flow);
        }
    }
}
