using System.Globalization;
using CineKernel.Graph;
using CineKernel.Graph.Ops;
using CineKernel.Kernels;
using CineKernel.WeightsLoader;

namespace CineKernel.Pipeline.Networks;

/// <summary>
/// The shape of pix2pixHD's GlobalGenerator as the motion network uses it (original
/// models/img2flow/networks.py; DESIGN.md "Motion generator"). The official checkpoint is
/// <see cref="Official"/>; converted files carry the fields in their metadata.
/// </summary>
public sealed record MotionGeneratorConfig(int InputChannels, int OutputChannels, int Ngf, int Downsamplings, int ResidualBlocks)
{
    /// <summary>The released motion network: 3 → 2 channels, ngf 64, 4 downsamplings, 9 residual blocks.</summary>
    public static MotionGeneratorConfig Official => new(3, 2, 64, 4, 9);

    /// <summary>
    /// Reads input_nc, output_nc, ngf, n_downsampling, n_blocks and norm (which must be "instance": the
    /// BatchNorm variant is not used by StyleCineGAN) from a file's metadata.
    /// </summary>
    public static MotionGeneratorConfig FromMetadata(IReadOnlyDictionary<string, string> metadata, string source)
    {
        int Field(string key)
        {
            if (!metadata.TryGetValue(key, out var text)) throw new InvalidDataException($"{source}: metadata lacks '{key}'");
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0
                ? v
                : throw new InvalidDataException($"{source}: metadata '{key}' = '{text}' is not a non-negative integer");
        }
        if (metadata.TryGetValue("norm", out var norm) && norm != "instance")
            throw new InvalidDataException($"{source}: norm '{norm}' is not supported (only 'instance', as the motion network uses)");
        var config = new MotionGeneratorConfig(Field("input_nc"), Field("output_nc"), Field("ngf"), Field("n_downsampling"), Field("n_blocks"));
        if (config.InputChannels == 0 || config.OutputChannels == 0 || config.Ngf == 0)
            throw new InvalidDataException($"{source}: input_nc, output_nc and ngf must be positive ({config})");
        return config;
    }

    // Indices into the original's nn.Sequential `model`: [pad, conv7, norm, relu], then per downsampling
    // [conv, norm, relu], the residual blocks, per upsampling [upsample, conv, norm, relu], [pad, conv7].

    /// <summary>State-dict prefix of downsampling conv <paramref name="i"/>.</summary>
    public string DownConv(int i) => $"model.{4 + 3 * i}";

    /// <summary>State-dict prefix of residual block <paramref name="b"/> (convs at conv_block.1 and conv_block.5).</summary>
    public string Block(int b) => $"model.{4 + 3 * Downsamplings + b}";

    /// <summary>State-dict prefix of the conv of upsampling step <paramref name="i"/>.</summary>
    public string UpConv(int i) => $"model.{4 + 3 * Downsamplings + ResidualBlocks + 4 * i + 1}";

    public const string FirstConv = "model.1";

    public string LastConv => $"model.{4 + 3 * Downsamplings + ResidualBlocks + 4 * Downsamplings + 1}";

    /// <summary>Channels at level <paramref name="level"/>: ngf·2^level (level 0 at full size, n_downsampling at the bottleneck).</summary>
    public int ChannelsAt(int level) => Ngf << level;

    /// <summary>Every parameter's name and shape (Cout×Cin×k×k weights and Cout biases), in layer order.</summary>
    public IEnumerable<(string Name, long[] Shape)> ParameterShapes()
    {
        IEnumerable<(string, long[])> Conv(string prefix, int cin, int cout, int k) =>
            [($"{prefix}.weight", [cout, cin, k, k]), ($"{prefix}.bias", [cout])];
        var all = Conv(FirstConv, InputChannels, Ngf, 7);
        for (int i = 0; i < Downsamplings; i++) all = all.Concat(Conv(DownConv(i), ChannelsAt(i), ChannelsAt(i + 1), 3));
        int bottleneck = ChannelsAt(Downsamplings);
        for (int b = 0; b < ResidualBlocks; b++)
            all = all.Concat(Conv($"{Block(b)}.conv_block.1", bottleneck, bottleneck, 3)).Concat(Conv($"{Block(b)}.conv_block.5", bottleneck, bottleneck, 3));
        for (int i = 0; i < Downsamplings; i++)
            all = all.Concat(Conv(UpConv(i), ChannelsAt(Downsamplings - i), ChannelsAt(Downsamplings - i - 1), 3));
        return all.Concat(Conv(LastConv, Ngf, OutputChannels, 7));
    }

    /// <summary>Multiply-adds ×2 of one forward pass at <paramref name="height"/>×<paramref name="width"/> (convs only).</summary>
    public double Flops(int height, int width)
    {
        double total = 0;
        int h = height, w = width;
        void Conv(int cin, int cout, int k, int oh, int ow) => total += 2.0 * oh * ow * cout * cin * k * k;
        Conv(InputChannels, Ngf, 7, h, w);
        for (int i = 0; i < Downsamplings; i++) { h = (h + 1) / 2; w = (w + 1) / 2; Conv(ChannelsAt(i), ChannelsAt(i + 1), 3, h, w); }
        for (int b = 0; b < 2 * ResidualBlocks; b++) Conv(ChannelsAt(Downsamplings), ChannelsAt(Downsamplings), 3, h, w);
        for (int i = 0; i < Downsamplings; i++) { h *= 2; w *= 2; Conv(ChannelsAt(Downsamplings - i), ChannelsAt(Downsamplings - i - 1), 3, h, w); }
        Conv(Ngf, OutputChannels, 7, h, w);
        return total;
    }
}

/// <summary>
/// The motion network (DESIGN.md "Motion generator"; the original's GlobalGenerator with the bilinear
/// upsampling branch): the image in [−1, 1] → an Eulerian motion field, pixels per frame.
/// Every conv has a bias; InstanceNorm has no affine (ε 1e-5); there is no final tanh.
/// </summary>
public static class MotionGenerator
{
    public const string ImageInput = "image";
    public const string MotionOutput = "motion";

    /// <summary>A graph with input <see cref="ImageInput"/> (1×input_nc×H×W) and output <see cref="MotionOutput"/> (1×output_nc×H×W).</summary>
    public static ComputeGraph BuildGraph(MotionGeneratorConfig config, NetworkParameters parameters, int height, int width)
    {
        int factor = 1 << config.Downsamplings;
        // Sizes divisible by 2^n come back to the input size after the upsampling; the reflection pads
        // need more pixels than they reflect (3 at full size, 1 in the residual blocks).
        if (height % factor != 0 || width % factor != 0 || height < 4 || width < 4 ||
            (config.ResidualBlocks > 0 && (height / factor < 2 || width / factor < 2)))
            throw new ArgumentException($"motion generator: input {height}×{width} must be divisible by {factor} with at least 2 pixels per side after downsampling (and ≥ 4 before)");
        var g = new GraphBuilder("motion generator");
        var image = g.Input(ImageInput, new Shape4(1, config.InputChannels, height, width));
        g.Output(MotionOutput, Apply(g, image, config, parameters));
        return g.Build();
    }

    /// <summary>Adds the network to <paramref name="g"/> and returns its output.</summary>
    public static Value Apply(GraphBuilder g, Value image, MotionGeneratorConfig config, NetworkParameters parameters)
    {
        var layers = new Layers(g, parameters);
        var reflect3 = Padding2d.Uniform(3, PaddingMode.Reflect);
        var zeros1 = Padding2d.Uniform(1, PaddingMode.Zeros);
        var reflect1 = Padding2d.Uniform(1, PaddingMode.Reflect);

        // ReflectionPad2d(3) + conv 7×7 + IN + ReLU
        var x = layers.ConvNormRelu(image, MotionGeneratorConfig.FirstConv, config.Ngf, 7, reflect3, stride: 1);

        // downsampling: conv 3×3 stride 2, zero padding 1, + IN + ReLU
        for (int i = 0; i < config.Downsamplings; i++)
            x = layers.ConvNormRelu(x, config.DownConv(i), config.ChannelsAt(i + 1), 3, zeros1, stride: 2);

        // residual blocks: x + IN(conv(pad(ReLU(IN(conv(pad(x)))))))
        int bottleneck = config.ChannelsAt(config.Downsamplings);
        for (int b = 0; b < config.ResidualBlocks; b++)
        {
            var h = layers.ConvNormRelu(x, $"{config.Block(b)}.conv_block.1", bottleneck, 3, reflect1, stride: 1);
            h = layers.ConvNorm(h, $"{config.Block(b)}.conv_block.5", bottleneck, 3, reflect1, stride: 1);
            x = g.Apply($"block{b}", new AddOp(), x, h);
        }

        // upsampling: bilinear ×2 (align_corners=True) + conv 3×3 zero padding 1 + IN + ReLU
        for (int i = 0; i < config.Downsamplings; i++)
        {
            x = g.Apply($"up{i}", new ResizeOp(x.Shape.H * 2, x.Shape.W * 2, alignCorners: true), x);
            x = layers.ConvNormRelu(x, config.UpConv(i), config.ChannelsAt(config.Downsamplings - i - 1), 3, zeros1, stride: 1);
        }

        // ReflectionPad2d(3) + conv 7×7 → output_nc (no tanh in the motion variant)
        return layers.Conv(x, config.LastConv, config.OutputChannels, 7, reflect3, stride: 1);
    }

    /// <summary>Builds each layer from its state-dict prefix.</summary>
    private sealed class Layers(GraphBuilder g, NetworkParameters parameters)
    {
        public Value Conv(Value x, string prefix, int cout, int k, Padding2d padding, int stride)
        {
            int cin = x.Shape.C;
            var weight = g.Constant($"{prefix}.weight", new Shape4(cout, cin, k, k), parameters.Read($"{prefix}.weight", cout, cin, k, k));
            var bias = g.Constant($"{prefix}.bias", new Shape4(1, 1, 1, cout), parameters.Read($"{prefix}.bias", cout));
            return g.Apply(prefix, new Conv2dOp(new Conv2dOptions { Stride = stride, Padding = padding }), x, weight, bias);
        }

        public Value ConvNorm(Value x, string prefix, int cout, int k, Padding2d padding, int stride) =>
            g.Apply(prefix + ".in", new InstanceNormOp(), Conv(x, prefix, cout, k, padding, stride));

        public Value ConvNormRelu(Value x, string prefix, int cout, int k, Padding2d padding, int stride) =>
            g.Apply(prefix + ".relu", new ActivationOp(ActivationFunction.Relu), ConvNorm(x, prefix, cout, k, padding, stride));
    }
}
