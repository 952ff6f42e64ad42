using System.Globalization;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Pipeline.Motion;

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

    /// <summary>Every parameter's name and shape (convs with bias: Cout×Cin×k×k weights and Cout biases), in layer order.</summary>
    public ParameterList Parameters()
    {
        var list = new ParameterList().Conv2d(FirstConv, Ngf, InputChannels, 7, bias: true);
        for (int i = 0; i < Downsamplings; i++) list.Conv2d(DownConv(i), ChannelsAt(i + 1), ChannelsAt(i), 3, bias: true);
        int bottleneck = ChannelsAt(Downsamplings);
        for (int b = 0; b < ResidualBlocks; b++)
            list.Conv2d($"{Block(b)}.conv_block.1", bottleneck, bottleneck, 3, bias: true).Conv2d($"{Block(b)}.conv_block.5", bottleneck, bottleneck, 3, bias: true);
        for (int i = 0; i < Downsamplings; i++) list.Conv2d(UpConv(i), ChannelsAt(Downsamplings - i - 1), ChannelsAt(Downsamplings - i), 3, bias: true);
        return list.Conv2d(LastConv, OutputChannels, Ngf, 7, bias: true);
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
