using CineKernel.Graph;
using CineKernel.Graph.Ops;
using CineKernel.Kernels;
using CineKernel.WeightsLoader;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Pipeline.Inversion;

/// <summary>
/// GAN inversion (DESIGN.md "Encoder"; the original's <c>fs_encoder_v2</c> with idx_k 9, run by
/// <c>Trainer.encode</c>): image (N×3×H×W in [−1, 1], 1024² in the pipeline) → two bilinear 0.5 steps →
/// IResNet stem and four stages → w+ (N×1×18×512, the generator's mean latent added) and the content
/// feature D (N×512×H/16×W/16, 64² for a 1024 input) that replaces the generator's activation before layer 9.
/// Every inference BatchNorm folds into the conv before it at load time; the two that have no conv before
/// them (an IBasicBlock's bn1 and the content layer's first BN) stay per-channel affines, because the conv
/// after them zero-pads: conv(pad(BN(x))) differs from a BN folded into that conv at the borders.
/// </summary>
public sealed class FeatureStyleEncoder : IDisposable
{
    public const string ImageInput = "image";
    public const string WPlusOutput = "wplus";
    public const string FeatureOutput = "feature";

    private readonly GraphRunner runner;

    /// <param name="device">Where the encoder runs.</param>
    /// <param name="parameters">fs_encoder_v2's state_dict; its widths are read off the stored shapes
    /// (<see cref="FeatureStyleEncoderConfig.FromWeights"/>), then every tensor is checked against
    /// <see cref="FeatureStyleEncoderConfig.Parameters"/>.</param>
    /// <param name="latentAverage">The trainer's <c>dlatent_avg</c>: StyleDim values added to every head, or
    /// Styles×StyleDim, one row per head. In the release it is <c>sg2-lhq-1024-mean.pt</c> (converted: its
    /// <c>latent_avg</c>), not the generator checkpoint's own <c>latent_avg</c>: <c>Trainer.initialize</c> first
    /// tries <c>get_keys(checkpoint, 'decoder')</c>, which finds nothing in a rosinality checkpoint, and falls
    /// back to the mean file.</param>
    /// <param name="input">The image shape the graph is built for.</param>
    /// <param name="foldBatchNorm">False keeps every BatchNorm as its own affine op (tests compare both).</param>
    /// <param name="downscales">Bilinear 0.5 steps before the network (the release's 2 for 1024²; see
    /// <see cref="FeatureStyleEncoderConfig.DownscalesFor"/>).</param>
    /// <exception cref="InvalidDataException">A tensor is missing or misshapen; the message names the source and the tensor.</exception>
    /// <exception cref="ArgumentException">The image or the mean latent does not fit the network.</exception>
    public FeatureStyleEncoder(ComputeDevice device, NetworkParameters parameters, float[] latentAverage,
        Shape4 input, bool foldBatchNorm = true, int downscales = FeatureStyleEncoderConfig.Downscales)
    {
        Config = FeatureStyleEncoderConfig.FromWeights(parameters);
        Graph = BuildGraph(Config, parameters, latentAverage, input, foldBatchNorm, downscales);
        Plan = Scheduler.Plan(Graph, device.Kind);
        runner = new GraphRunner(device, Plan);
    }

    public FeatureStyleEncoderConfig Config { get; }
    public ComputeGraph Graph { get; }
    public ExecutionPlan Plan { get; }

    /// <summary>The input tensor, to fill on the device.</summary>
    public Tensor Image => runner.Input(ImageInput);

    /// <summary>w+ after the last run: N×1×Styles×StyleDim.</summary>
    public Tensor WPlus => runner.Output(WPlusOutput);

    /// <summary>D after the last run: N×ContentChannels×h×w.</summary>
    public Tensor Feature => runner.Output(FeatureOutput);

    /// <summary>Runs the encoder on host data (N×3×H×W, [−1, 1]).</summary>
    public void Run(ReadOnlySpan<float> image)
    {
        runner.SetInput(ImageInput, image);
        runner.Run();
    }

    /// <summary>Runs the encoder on what <see cref="Image"/> holds.</summary>
    public void Run() => runner.Run();

    public void Dispose() => runner.Dispose();

    /// <summary>
    /// The encoder's parameters in <paramref name="file"/> (an enc.safetensors from <c>convert</c>), checked
    /// against the widths their stored shapes imply; errors start with <paramref name="source"/> (the file's path by default).
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing or misshapen.</exception>
    public static NetworkParameters ReadParameters(SafetensorsFile file, string? source = null)
    {
        var parameters = NetworkParameters.From(file, source);
        return parameters.Checked(FeatureStyleEncoderConfig.FromWeights(parameters).Parameters());
    }

    /// <summary>
    /// The encoder as a graph: input <see cref="ImageInput"/> (<paramref name="input"/>, N×3×H×W in [−1, 1]),
    /// halved <paramref name="downscales"/> times (Trainer.downscale), then <see cref="Build"/>; outputs
    /// <see cref="WPlusOutput"/> and <see cref="FeatureOutput"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing or misshapen; the message names the source and the tensor.</exception>
    /// <exception cref="ArgumentException">The image or the mean latent does not fit the network.</exception>
    public static ComputeGraph BuildGraph(FeatureStyleEncoderConfig config, NetworkParameters parameters,
        float[] latentAverage, Shape4 input, bool foldBatchNorm = true, int downscales = FeatureStyleEncoderConfig.Downscales)
    {
        if (downscales < 0) throw new ArgumentOutOfRangeException(nameof(downscales), downscales, "encoder: the number of halvings cannot be negative");
        var g = new GraphBuilder("feature-style-encoder");
        var x = g.Input(ImageInput, input);
        // Trainer.downscale: F.interpolate(x, scale_factor=0.5, mode='bilinear') twice (1024 → 512 → 256).
        for (int i = 0; i < downscales; i++) x = g.Apply(new ResizeByFactorOp(0.5), x);
        var (wplus, feature) = Build(g, x, config, parameters, latentAverage, foldBatchNorm);
        g.Output(WPlusOutput, wplus);
        g.Output(FeatureOutput, feature);
        return g.Build();
    }

    /// <summary>
    /// <c>fs_encoder_v2.forward</c> on <paramref name="image"/> (N×InputChannels×H×W, already downscaled): w+
    /// (N×1×Styles×StyleDim, <paramref name="latentAverage"/> added) and D (N×ContentChannels×H/4×W/4, rounded up
    /// per stride). The parameters are checked against <see cref="FeatureStyleEncoderConfig.Parameters"/> first.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing or misshapen.</exception>
    /// <exception cref="ArgumentException">The image's channels or the mean latent's length do not fit.</exception>
    public static (Value WPlus, Value Feature) Build(GraphBuilder g, Value image, FeatureStyleEncoderConfig config, NetworkParameters parameters,
        float[] latentAverage, bool foldBatchNorm = true)
    {
        if (image.Shape.C != config.InputChannels)
            throw new ArgumentException($"encoder: the image {image.Shape} must have {config.InputChannels} channels");
        var checkedParameters = parameters.Checked(config.Parameters());
        int styleValues = config.Styles * config.StyleDim;
        if (latentAverage.Length != config.StyleDim && latentAverage.Length != styleValues)
            throw new ArgumentException($"encoder: the mean latent has {latentAverage.Length} values, expected {config.StyleDim} or {styleValues}");

        var layers = new Layers(g, checkedParameters, foldBatchNorm);
        // self.conv: IResNet's conv1, bn1, prelu.
        var x = layers.PRelu(layers.Conv(image, "conv.0", stride: 1, pad: 1, batchNorm: "conv.1"), "conv.2");
        var pooled = new List<Value>();
        Value? content = null;
        for (int s = 0; s < FeatureStyleEncoderConfig.Stages; s++)
        {
            for (int b = 0; b < config.StageBlocks[s]; b++)
                x = layers.BasicBlock(x, FeatureStyleEncoderConfig.BlockName(s, b), b == 0 ? FeatureStyleEncoderConfig.Stride : 1, downsample: b == 0);
            if (s == 0) content = layers.ContentLayer(x); // idx_k 9: D comes from block_1's output
            pooled.Add(g.Apply(new AdaptiveAveragePoolOp(FeatureStyleEncoderConfig.PoolSize, FeatureStyleEncoderConfig.PoolSize), x));
        }

        // torch.cat(features, 1).view(N, −1), then the 18 heads as one Styles·StyleDim × PooledFeatures
        // matrix; the mean latent (w_recon + dlatent_avg) rides in the bias.
        var row = g.Apply(new FlattenConcatOp(), pooled.ToArray());
        var (headWeight, headBias) = StyleHeads(config, checkedParameters, latentAverage);
        var styles = g.Apply(new LinearOp(LinearOptions.Plain), row,
            g.Constant("styles.weight", new Shape4(1, 1, styleValues, config.PooledFeatures), headWeight),
            g.Constant("styles.bias", new Shape4(1, 1, 1, styleValues), headBias));
        var wplus = g.Apply(WPlusOutput, new ReshapeOp(new Shape4(image.Shape.N, 1, config.Styles, config.StyleDim)), styles);
        return (wplus, content!);
    }

    /// <summary>The heads stacked row-wise (head i's rows i·StyleDim …), biases plus the mean latent (in float64, rounded once).</summary>
    private static (float[] Weight, float[] Bias) StyleHeads(FeatureStyleEncoderConfig config, NetworkParameters weights, float[] latentAverage)
    {
        int rowValues = config.StyleDim * config.PooledFeatures;
        var weight = new float[(long)config.Styles * rowValues];
        var bias = new float[config.Styles * config.StyleDim];
        for (int i = 0; i < config.Styles; i++)
        {
            weights.Read($"styles.{i}.weight").Data.CopyTo(weight, (long)i * rowValues);
            var b = weights.Read($"styles.{i}.bias").Data;
            for (int j = 0; j < config.StyleDim; j++)
            {
                double average = latentAverage.Length == config.StyleDim ? latentAverage[j] : latentAverage[i * config.StyleDim + j];
                bias[i * config.StyleDim + j] = (float)(b[j] + average);
            }
        }
        return (weight, bias);
    }

    /// <summary>The layers of fs_encoder_v2 in graph ops, BatchNorms folded or kept as affines.</summary>
    private sealed class Layers(GraphBuilder g, NetworkParameters weights, bool fold)
    {
        /// <summary>IBasicBlock.forward: bn1, conv1, bn2, prelu, conv2 (stride), bn3, + identity or downsample(x).</summary>
        public Value BasicBlock(Value x, string name, int stride, bool downsample)
        {
            var h = Affine(x, $"{name}.bn1");
            h = Conv(h, $"{name}.conv1", stride: 1, pad: 1, batchNorm: $"{name}.bn2");
            h = PRelu(h, $"{name}.prelu");
            h = Conv(h, $"{name}.conv2", stride, pad: 1, batchNorm: $"{name}.bn3");
            var identity = downsample ? Conv(x, $"{name}.downsample.0", stride, pad: 0, batchNorm: $"{name}.downsample.1") : x;
            return g.Apply(new AddOp(), h, identity);
        }

        /// <summary>content_layer: BN, conv 3×3, BN, PReLU, conv 3×3 stride fs_stride, BN.</summary>
        public Value ContentLayer(Value x)
        {
            var h = Affine(x, "content_layer.0");
            h = Conv(h, "content_layer.1", stride: 1, pad: 1, batchNorm: "content_layer.2");
            h = PRelu(h, "content_layer.3");
            return Conv(h, "content_layer.4", FeatureStyleEncoderConfig.Stride, pad: 1, batchNorm: "content_layer.5");
        }

        /// <summary>A bias-free zero-padded conv followed by a BatchNorm, folded into one conv with a bias when folding.</summary>
        public Value Conv(Value x, string name, int stride, int pad, string batchNorm)
        {
            var w = weights.Read($"{name}.weight");
            var shape = Shape4.FromDims(w.Shape);
            var op = new Conv2dOp(new Conv2dOptions { Stride = stride, Padding = Padding2d.Uniform(pad) });
            if (!fold)
                return Affine(g.Apply(name, op, x, g.Constant($"{name}.weight", shape, w.Data)), batchNorm);
            var (folded, bias) = BatchNormFolding.FoldIntoPreceding(w.Data, null, BatchNorm(batchNorm));
            return g.Apply($"{name}+{batchNorm}", op, x, g.Constant($"{name}.weight", shape, folded),
                g.Constant($"{batchNorm}.shift", new Shape4(1, 1, 1, shape.N), bias));
        }

        /// <summary>An inference BatchNorm as x·scale + shift per channel.</summary>
        public Value Affine(Value x, string name)
        {
            var (scale, shift) = BatchNormFolding.ToScaleShift(BatchNorm(name));
            var c = new Shape4(1, 1, 1, scale.Length);
            return g.Apply(name, new ChannelAffineOp(), x, g.Constant($"{name}.scale", c, scale), g.Constant($"{name}.shift", c, shift));
        }

        public Value PRelu(Value x, string name)
        {
            var slopes = weights.Read($"{name}.weight").Data;
            return g.Apply(name, new PReluOp(), x, g.Constant($"{name}.weight", new Shape4(1, 1, 1, slopes.Length), slopes));
        }

        private BatchNormParameters BatchNorm(string name) => new(weights.Read($"{name}.weight").Data, weights.Read($"{name}.bias").Data,
            weights.Read($"{name}.running_mean").Data, weights.Read($"{name}.running_var").Data, FeatureStyleEncoderConfig.BatchNormEpsilon);
    }
}
