using CineKernel.Pipeline.Weights;

namespace CineKernel.Pipeline.Inversion;

/// <summary>
/// The widths of the feature-style encoder (<c>fs_encoder_v2</c> with idx_k 9, DESIGN.md "Encoder").
/// The topology is fixed: an IResNet stem (conv 3×3, BN, PReLU), four stages of IBasicBlocks whose first
/// block halves the size (conv2 stride 2 and a strided 1×1 downsample + BN), a 3×3 average pool of every
/// stage concatenated into one row for the style heads, and the content layer on stage 1.
/// Only the sizes vary: <see cref="Release"/> are the checkpoint's (IResNet-50: 64, 64/128/256/512 with
/// 3/4/14/3 blocks; 18 heads of 960·9 → 512; content 64 → 512 → 512), and <see cref="FromWeights"/>
/// reads them off a state_dict so a narrow test network loads through the same code.
/// </summary>
public sealed record FeatureStyleEncoderConfig
{
    /// <summary>Every stage's output is pooled to this many cells per side (nn.AdaptiveAvgPool2d((3, 3))).</summary>
    public const int PoolSize = 3;

    /// <summary>The 1024² image is halved this many times before the network (log2(resolution / enc_resolution)).</summary>
    public const int Downscales = 2;

    /// <summary>Side of the encoder's input after the halvings (lhq_k9.yaml's enc_resolution); D comes out at a quarter of it, 64.</summary>
    public const int EncoderResolution = 256;

    /// <summary>
    /// Halvings for an image of the generator's size <paramref name="imageSize"/>: log2(size / 256), so that D
    /// lands on the 64-level whatever the size (2 for the release's 1024, as the original; 0 for a 256 test generator).
    /// </summary>
    public static int DownscalesFor(int imageSize)
    {
        if (imageSize < EncoderResolution || (imageSize & (imageSize - 1)) != 0)
            throw new ArgumentException($"encoder: the image side {imageSize} must be a power of two ≥ {EncoderResolution} (it is halved to {EncoderResolution} so that D is 64×64)");
        return (int)Math.Round(Math.Log2(imageSize / (double)EncoderResolution));
    }

    /// <summary>The first block of each stage and the last content conv (lhq_k9.yaml fs_stride) use stride 2.</summary>
    public const int Stride = 2;

    /// <summary>nn.BatchNorm2d's ε everywhere in the encoder.</summary>
    public const double BatchNormEpsilon = 1e-5;

    public const int Stages = 4;

    public FeatureStyleEncoderConfig(int inputChannels, int stemWidth, IReadOnlyList<int> stageWidths, IReadOnlyList<int> stageBlocks,
        int contentWidth, int contentChannels, int styles, int styleDim)
    {
        if (stageWidths.Count != Stages || stageBlocks.Count != Stages)
            throw new ArgumentException($"encoder: {Stages} stages expected, got {stageWidths.Count} widths and {stageBlocks.Count} block counts");
        int[] all = [inputChannels, stemWidth, contentWidth, contentChannels, styles, styleDim, .. stageWidths, .. stageBlocks];
        if (all.Any(v => v < 1)) throw new ArgumentException($"encoder: every width and count must be positive ({string.Join(", ", all)})");
        InputChannels = inputChannels;
        StemWidth = stemWidth;
        StageWidths = stageWidths.ToArray();
        StageBlocks = stageBlocks.ToArray();
        ContentWidth = contentWidth;
        ContentChannels = contentChannels;
        Styles = styles;
        StyleDim = styleDim;
    }

    /// <summary>The released checkpoint (logs/lhq_k9/enc.pth.tar).</summary>
    public static FeatureStyleEncoderConfig Release { get; } = new(3, 64, [64, 128, 256, 512], [3, 4, 14, 3], 512, 512, 18, 512);

    public int InputChannels { get; }
    public int StemWidth { get; }
    public IReadOnlyList<int> StageWidths { get; }
    public IReadOnlyList<int> StageBlocks { get; }

    /// <summary>Channels of the content layer's first conv (512 in fs_encoder_v2).</summary>
    public int ContentWidth { get; }

    /// <summary>Channels of D (feat_ch, 512 for idx_k 9).</summary>
    public int ContentChannels { get; }

    public int Styles { get; }
    public int StyleDim { get; }

    /// <summary>Inputs of every style head: all stages' channels × 3×3 (960·9 for the release).</summary>
    public int PooledFeatures => StageWidths.Sum() * PoolSize * PoolSize;

    /// <summary>Every parameter the encoder reads, with its shape, named as fs_encoder_v2's state_dict (convs bias-free, 3×3 unless strided 1×1 downsamples).</summary>
    public ParameterList Parameters()
    {
        var list = new ParameterList()
            .Conv2d("conv.0", StemWidth, InputChannels, 3, bias: false).BatchNorm("conv.1", StemWidth).Add("conv.2.weight", StemWidth);
        int inplanes = StemWidth;
        for (int s = 0; s < Stages; s++)
        {
            int planes = StageWidths[s];
            for (int b = 0; b < StageBlocks[s]; b++)
            {
                string block = BlockName(s, b);
                list.BatchNorm($"{block}.bn1", inplanes).Conv2d($"{block}.conv1", planes, inplanes, 3, bias: false)
                    .BatchNorm($"{block}.bn2", planes).Add($"{block}.prelu.weight", planes)
                    .Conv2d($"{block}.conv2", planes, planes, 3, bias: false).BatchNorm($"{block}.bn3", planes);
                if (b == 0) list.Conv2d($"{block}.downsample.0", planes, inplanes, 1, bias: false).BatchNorm($"{block}.downsample.1", planes);
                inplanes = planes;
            }
        }
        for (int i = 0; i < Styles; i++) list.Linear($"styles.{i}", StyleDim, PooledFeatures);
        return list.BatchNorm("content_layer.0", StageWidths[0]).Conv2d("content_layer.1", ContentWidth, StageWidths[0], 3, bias: false)
            .BatchNorm("content_layer.2", ContentWidth).Add("content_layer.3.weight", ContentWidth)
            .Conv2d("content_layer.4", ContentChannels, ContentWidth, 3, bias: false).BatchNorm("content_layer.5", ContentChannels);
    }

    /// <summary>block_1 … block_4 are IResNet's layer1 … layer4; b is the block within the stage.</summary>
    public static string BlockName(int stage, int block) => $"block_{stage + 1}.{block}";

    /// <summary>
    /// The widths a state_dict implies (conv.0, block_s.0.conv1, the number of block_s.b and styles.i,
    /// content_layer.1/.4), from the stored shapes of <paramref name="parameters"/>. Shapes are then checked tensor
    /// by tensor against <see cref="Parameters"/> when the encoder loads.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor the widths come from is absent or not of the layer's rank; the message names the source and the tensor.</exception>
    public static FeatureStyleEncoderConfig FromWeights(NetworkParameters parameters)
    {
        long[] Require(string name, int rank) => parameters.Contains(name) ? parameters.ShapeOf(name, rank)
            : throw new InvalidDataException($"{parameters.Source}: missing tensor '{name}' (is this an fs_encoder_v2 state_dict?)");
        int Count(Func<int, string> name)
        {
            int n = 0;
            while (parameters.Contains(name(n))) n++;
            return n;
        }

        var stem = Require("conv.0.weight", 4);
        var widths = new int[Stages];
        var blocks = new int[Stages];
        for (int s = 0; s < Stages; s++)
        {
            widths[s] = (int)Require($"{BlockName(s, 0)}.conv1.weight", 4)[0];
            blocks[s] = Count(b => $"{BlockName(s, b)}.conv1.weight");
        }
        int styles = Count(i => $"styles.{i}.weight");
        if (styles == 0) Require("styles.0.weight", 2);
        var head = Require("styles.0.weight", 2);
        return new FeatureStyleEncoderConfig((int)stem[1], (int)stem[0], widths, blocks,
            (int)Require("content_layer.1.weight", 4)[0], (int)Require("content_layer.4.weight", 4)[0], styles, (int)head[0]);
    }
}
