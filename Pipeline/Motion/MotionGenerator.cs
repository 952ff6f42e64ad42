using System.Globalization;
using CineKernel.Graph.Ops;
using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;
using CineKernel.WeightsLoader;

namespace CineKernel.Pipeline.Motion;

/// <summary>
/// The motion network (DESIGN.md "Motion generator"; the original's GlobalGenerator with the bilinear
/// upsampling branch): the image in [−1, 1] → an Eulerian motion field, pixels per frame.
/// Every conv has a bias; InstanceNorm has no affine (ε 1e-5); there is no final tanh.
/// </summary>
public static class MotionGenerator
{
    public const string ImageInput = "image";
    public const string MotionOutput = "motion";

    /// <summary>
    /// A graph with input <see cref="ImageInput"/> (1×input_nc×H×W in [−1, 1]) and output <see cref="MotionOutput"/>
    /// (1×output_nc×H×W, pixels per frame): <see cref="Build"/> alone.
    /// </summary>
    /// <exception cref="ArgumentException">The size does not survive the downsampling.</exception>
    /// <exception cref="InvalidDataException">A tensor is missing or misshapen; the message names the source and the tensor.</exception>
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
        g.Output(MotionOutput, Build(g, image, config, parameters));
        return g.Build();
    }

    /// <summary>
    /// <c>GlobalGenerator.forward</c> on <paramref name="image"/> (N×input_nc×H×W), added to <paramref name="g"/>:
    /// the motion (N×output_nc×H×W). The parameters are checked against <see cref="MotionGeneratorConfig.Parameters"/> first.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing or misshapen.</exception>
    public static Value Build(GraphBuilder g, Value image, MotionGeneratorConfig config, NetworkParameters parameters)
    {
        var layers = new Layers(g, parameters.Checked(config.Parameters()));
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
            var weight = g.Constant($"{prefix}.weight", new Shape4(cout, cin, k, k), parameters.Read($"{prefix}.weight").Data);
            var bias = g.Constant($"{prefix}.bias", new Shape4(1, 1, 1, cout), parameters.Read($"{prefix}.bias").Data);
            return g.Apply(prefix, new Conv2dOp(new Conv2dOptions { Stride = stride, Padding = padding }), x, weight, bias);
        }

        public Value ConvNorm(Value x, string prefix, int cout, int k, Padding2d padding, int stride) =>
            g.Apply(prefix + ".in", new InstanceNormOp(), Conv(x, prefix, cout, k, padding, stride));

        public Value ConvNormRelu(Value x, string prefix, int cout, int k, Padding2d padding, int stride) =>
            g.Apply(prefix + ".relu", new ActivationOp(ActivationFunction.Relu), ConvNorm(x, prefix, cout, k, padding, stride));
    }
}
