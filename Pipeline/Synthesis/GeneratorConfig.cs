using System.Globalization;
using System.Text.Json;
using CineKernel.Pipeline.Weights;
using CineKernel.WeightsLoader;

namespace CineKernel.Pipeline.Synthesis;

/// <summary>
/// The shape of a StyleGAN2 generator (models/stylegan2/model.py Generator.__init__): output size, style
/// width, mapping depth and its learning-rate multiplier, channels per resolution. Read from a weights file's
/// metadata (<c>size</c>, <c>style_dim</c>, <c>n_mlp</c>, <c>lr_mlp</c>, <c>channels</c> JSON); absent keys take
/// the released config-f: 1024, 512, 8, 0.01, channel multiplier 2.
/// </summary>
public sealed record GeneratorConfig(int Size, int StyleDim, int MappingLayers, float MappingLrMul, IReadOnlyDictionary<int, int> Channels)
{
    /// <summary>config-f with channel multiplier 2, the checkpoint StyleCineGAN uses.</summary>
    public static GeneratorConfig ConfigF(int size = 1024, int styleDim = 512, int mappingLayers = 8, int channelMultiplier = 2) =>
        new GeneratorConfig(size, styleDim, mappingLayers, 0.01f, DefaultChannels(channelMultiplier)).Validated();

    /// <summary>The original's channel table for a channel multiplier.</summary>
    public static IReadOnlyDictionary<int, int> DefaultChannels(int multiplier) => new Dictionary<int, int>
    {
        [4] = 512, [8] = 512, [16] = 512, [32] = 512, [64] = 256 * multiplier, [128] = 128 * multiplier,
        [256] = 64 * multiplier, [512] = 32 * multiplier, [1024] = 16 * multiplier,
    };

    /// <summary>The configuration a weights file declares in its metadata (config-f for what it leaves out).</summary>
    public static GeneratorConfig FromMetadata(IReadOnlyDictionary<string, string> metadata, string source)
    {
        int Int(string key, int fallback) => metadata.TryGetValue(key, out var v)
            ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int r) ? r
                : throw new FormatException($"{source}: metadata '{key}' = '{v}' is not an integer")
            : fallback;
        float lr = metadata.TryGetValue("lr_mlp", out var lv)
            ? float.TryParse(lv, NumberStyles.Float, CultureInfo.InvariantCulture, out float l) ? l
                : throw new FormatException($"{source}: metadata 'lr_mlp' = '{lv}' is not a number")
            : 0.01f;
        IReadOnlyDictionary<int, int> channels;
        if (metadata.TryGetValue("channels", out var json))
        {
            try
            {
                var parsed = JsonSerializer.Deserialize<Dictionary<string, int>>(json)
                             ?? throw new FormatException($"{source}: metadata 'channels' is empty");
                channels = parsed.ToDictionary(kv => int.Parse(kv.Key, CultureInfo.InvariantCulture), kv => kv.Value);
            }
            catch (Exception e) when (e is JsonException or FormatException or OverflowException)
            {
                throw new FormatException($"{source}: metadata 'channels' is not a JSON object of resolution → channels: {e.Message}");
            }
        }
        else channels = DefaultChannels(Int("channel_multiplier", 2));
        return new GeneratorConfig(Int("size", 1024), Int("style_dim", 512), Int("n_mlp", 8), lr, channels).Validated(source);
    }

    public static GeneratorConfig FromFile(SafetensorsFile file) => FromMetadata(file.Metadata, file.Path);

    /// <summary>
    /// The metadata a generator file carries, as <c>convert</c> writes it and <see cref="FromMetadata"/> reads it:
    /// <c>kind</c> stylegan2-generator, <c>size</c>, <c>style_dim</c>, <c>n_mlp</c>, <c>lr_mlp</c> and <c>channels</c>
    /// (a JSON object of resolution → channels, 4 to the size).
    /// </summary>
    public Dictionary<string, string> ToMetadata()
    {
        var channels = new List<string>();
        for (int r = 4; r <= Size; r *= 2) channels.Add($"\"{r}\": {ChannelsAt(r)}");
        return new Dictionary<string, string>
        {
            ["kind"] = "stylegan2-generator",
            ["size"] = Size.ToString(CultureInfo.InvariantCulture),
            ["style_dim"] = StyleDim.ToString(CultureInfo.InvariantCulture),
            ["n_mlp"] = MappingLayers.ToString(CultureInfo.InvariantCulture),
            ["lr_mlp"] = MappingLrMul.ToString(CultureInfo.InvariantCulture),
            ["channels"] = "{" + string.Join(", ", channels) + "}",
        };
    }

    /// <summary>log2(size).</summary>
    public int LogSize => (int)Math.Round(Math.Log2(Size));

    /// <summary>Layers of the synthesis network (conv1 + two per block): 2·(log2 size − 2) + 1, one noise buffer each.</summary>
    public int NumLayers => (LogSize - 2) * 2 + 1;

    /// <summary>Rows of w+: 2·log2(size) − 2.</summary>
    public int LatentCount => LogSize * 2 - 2;

    /// <summary>Synthesis blocks after the 4×4 start (block j makes resolution 2^(j+3)).</summary>
    public int Blocks => LogSize - 2;

    /// <summary>The resolution of block j's output.</summary>
    public static int BlockResolution(int block) => 1 << (block + 3);

    /// <summary>The resolution noise buffer i is made for (the original's (i + 5) // 2).</summary>
    public static int NoiseResolution(int layer) => 1 << ((layer + 5) / 2);

    public int ChannelsAt(int resolution) =>
        Channels.TryGetValue(resolution, out int c) ? c : throw new ArgumentException($"generator config has no channel count for resolution {resolution}");

    /// <summary>
    /// Every tensor the generator reads, with its stored shape (rosinality's state_dict of <c>Generator</c>):
    /// <see cref="MappingParameters"/> then <see cref="SynthesisParameters"/>. A weights file is checked against it
    /// before any work; extra tensors (<c>latent_avg</c>) are ignored.
    /// </summary>
    public ParameterList Parameters() => MappingParameters().Add(SynthesisParameters());

    /// <summary>The mapping network's tensors: <c>style.{k}</c>, k = 1..n_mlp, EqualLinear style_dim → style_dim (stored unscaled).</summary>
    public ParameterList MappingParameters()
    {
        var list = new ParameterList();
        for (int k = 1; k <= MappingLayers; k++) list.Linear($"style.{k}", StyleDim, StyleDim);
        return list;
    }

    /// <summary>
    /// The synthesis network's tensors: the 4×4 start (ConstantInput, conv1, to_rgb1), each block's two StyledConvs
    /// (the first upsampling, with its blur kernel) and toRGB (with its skip upsampling kernel), and one noise buffer
    /// per layer. Modulated conv weights are stored 1×Cout×Cin×K×K, toRGB biases 1×3×1×1, noise strengths as one value.
    /// </summary>
    public ParameterList SynthesisParameters()
    {
        long d = StyleDim;
        var list = new ParameterList();
        int c4 = ChannelsAt(4);
        list.Add("input.input", 1, c4, 4, 4);
        StyledConv("conv1", c4, c4, upsample: false);
        ToRgb("to_rgb1", c4, upsample: false);
        for (int j = 0; j < Blocks; j++)
        {
            int r = BlockResolution(j), cin = ChannelsAt(r / 2), cout = ChannelsAt(r);
            StyledConv($"convs.{2 * j}", cin, cout, upsample: true);
            StyledConv($"convs.{2 * j + 1}", cout, cout, upsample: false);
            ToRgb($"to_rgbs.{j}", cout, upsample: true);
        }
        for (int i = 0; i < NumLayers; i++)
        {
            int r = NoiseResolution(i);
            list.Add($"noises.noise_{i}", 1, 1, r, r);
        }
        return list;

        void StyledConv(string prefix, int cin, int cout, bool upsample)
        {
            list.Add($"{prefix}.conv.weight", 1, cout, cin, 3, 3);
            if (upsample) list.Add($"{prefix}.conv.blur.kernel", 4, 4);
            list.Linear($"{prefix}.conv.modulation", cin, d);
            list.Add($"{prefix}.noise.weight", 1);
            list.Add($"{prefix}.activate.bias", cout);
        }

        void ToRgb(string prefix, int cin, bool upsample)
        {
            list.Add($"{prefix}.bias", 1, 3, 1, 1);
            list.Add($"{prefix}.conv.weight", 1, 3, cin, 1, 1);
            list.Linear($"{prefix}.conv.modulation", cin, d);
            if (upsample) list.Add($"{prefix}.upsample.kernel", 4, 4);
        }
    }

    private GeneratorConfig Validated(string source = "generator config")
    {
        if (Size < 8 || (Size & (Size - 1)) != 0) throw new ArgumentException($"{source}: size {Size} must be a power of two ≥ 8");
        if (StyleDim < 1 || MappingLayers < 0) throw new ArgumentException($"{source}: style_dim {StyleDim} / n_mlp {MappingLayers} out of range");
        for (int r = 4; r <= Size; r *= 2) ChannelsAt(r);
        return this;
    }
}
