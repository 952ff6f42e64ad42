using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Networks;
using CineKernel.WeightsLoader;

namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>
/// Which motion network predicts the motion, and so which class of the mask animates: the original's
/// <c>--flownet_mode</c> (option.py, default "sky"; <c>predict_mask</c> keeps class 1 for sky, 2 for fluid).
/// </summary>
public enum FlowNet
{
    Sky,
    Fluid,
}

/// <summary>
/// The folder <c>animate --weights</c> reads (weights.md "The folder --weights reads"): the generator with its
/// mean latent, the feature-style encoder, the 10 mask classifiers and one motion network. <see cref="Open"/>
/// checks every file and every tensor's shape against the configuration the files' metadata and stored shapes
/// declare, and that the networks fit together (the encoder's heads match the generator's latent rows, D its
/// 64-level channels, the classifiers' inputs its feature channels), before any work; a problem is one line
/// naming the file and the tensor. Sizes are not fixed to the release's 1024: a smaller generator (≥ 256)
/// with matching networks runs the same path (tests use one).
/// </summary>
public sealed class WeightsFolder : IDisposable
{
    public const string GeneratorFile = "sg2-lhq-1024.safetensors";

    /// <summary>Optional: the trainer's mean latent (sg2-lhq-1024-mean.pt converted); without it the generator's own latent_avg.</summary>
    public const string MeanLatentFile = "sg2-lhq-1024-mean.safetensors";

    public const string EncoderFile = "enc.safetensors";

    /// <summary>The ensemble size of the original's load_datasetgan (n_model 10).</summary>
    public const int ClassifierCount = 10;

    /// <summary>The resolution D replaces (recon_feature_idx 9 injects before the 64→128 conv).</summary>
    public const int FeatureResolution = 64;

    public static string ClassifierFile(int model) => $"best_model_number_{model}.safetensors";

    public static string FlowNetFile(FlowNet net) => Path.Combine($"flow-{net.ToString().ToLowerInvariant()}", "latest_net_G.safetensors");

    private readonly List<SafetensorsFile> open;

    private WeightsFolder(string directory, FlowNet flowNet, List<SafetensorsFile> open)
    {
        Directory = directory;
        FlowNet = flowNet;
        this.open = open;
    }

    public string Directory { get; }
    public FlowNet FlowNet { get; }

    /// <summary>Which mask class animates (sky: 1, fluid: 2), as <c>predict_mask</c> picks it by flownet_mode.</summary>
    public AnimatedClasses AnimatedClasses => FlowNet == FlowNet.Sky ? AnimatedClasses.Sky : AnimatedClasses.Fluid;

    public Generator Generator { get; private set; } = null!;
    public GeneratorConfig GeneratorConfig => Generator.Config;

    /// <summary>Added to every encoder head (StyleDim or LatentCount×StyleDim values).</summary>
    public float[] LatentAverage { get; private set; } = [];

    public IReadOnlyDictionary<string, TensorData> Encoder { get; private set; } = null!;
    public FeatureStyleEncoderConfig EncoderConfig { get; private set; } = null!;

    /// <summary>Bilinear halvings of the photo before the encoder: log2(size/256), 2 at 1024 as the original.</summary>
    public int EncoderDownscales => FeatureStyleEncoderConfig.DownscalesFor(GeneratorConfig.Size);

    public IReadOnlyList<MaskClassifier> Classifiers { get; private set; } = [];

    /// <summary>What the classifiers read, in order: D, then every conv output after it in feature_forward.</summary>
    public IReadOnlyList<MaskFeatureSource> MaskSources { get; private set; } = [];

    public MotionGeneratorConfig MotionConfig { get; private set; } = null!;
    public NetworkParameters Motion { get; private set; } = null!;

    /// <summary>Opens and checks the whole folder; throws <see cref="InvalidDataException"/> naming the file and tensor.</summary>
    public static WeightsFolder Open(string directory, FlowNet flowNet)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"weights folder not found: {directory}");
        var required = new[] { GeneratorFile, EncoderFile }
            .Concat(Enumerable.Range(0, ClassifierCount).Select(ClassifierFile))
            .Append(FlowNetFile(flowNet));
        foreach (var name in required)
            if (!File.Exists(Path.Combine(directory, name)))
                throw new FileNotFoundException($"weights folder {directory}: missing {name} (the layout is in weights.md)");

        var folder = new WeightsFolder(directory, flowNet, []);
        try
        {
            folder.Load();
            return folder;
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    private SafetensorsFile OpenFile(string name)
    {
        var file = SafetensorsFile.Open(Path.Combine(Directory, name));
        open.Add(file);
        return file;
    }

    private void Load()
    {
        var generatorFile = OpenFile(GeneratorFile);
        var g = GeneratorConfig.FromFile(generatorFile);
        if (g.Size < FeatureStyleEncoderConfig.EncoderResolution)
            throw new InvalidDataException($"{generatorFile.Path}: generator size {g.Size} is below {FeatureStyleEncoderConfig.EncoderResolution}; D replaces the 64-level and warps start at 128");
        foreach (var (name, shape) in g.Parameters()) CheckShape(generatorFile, name, shape);
        Generator = Generator.FromFile(generatorFile);
        LatentAverage = ReadLatentAverage(generatorFile, g);

        var encoderFile = OpenFile(EncoderFile);
        EncoderConfig = WithFile(encoderFile, () => FeatureStyleEncoderConfig.FromWeights(n => encoderFile.Contains(n) ? encoderFile.Entry(n).Shape : null));
        foreach (var (name, shape) in EncoderConfig.Parameters()) CheckShape(encoderFile, name, shape);
        if (EncoderConfig.Styles != g.LatentCount || EncoderConfig.StyleDim != g.StyleDim)
            throw new InvalidDataException($"{encoderFile.Path}: tensor 'styles.0.weight': the encoder gives {EncoderConfig.Styles} latents of {EncoderConfig.StyleDim}, " +
                                           $"the generator of size {g.Size} reads {g.LatentCount} of {g.StyleDim}");
        if (EncoderConfig.ContentChannels != g.ChannelsAt(FeatureResolution))
            throw new InvalidDataException($"{encoderFile.Path}: tensor 'content_layer.4.weight': D has {EncoderConfig.ContentChannels} channels, " +
                                           $"the generator's {FeatureResolution}-level has {g.ChannelsAt(FeatureResolution)}");
        Encoder = FeatureStyleEncoder.ReadWeights(encoderFile);

        var sources = new List<MaskFeatureSource> { new(g.ChannelsAt(FeatureResolution), FeatureResolution) };
        for (int r = 2 * FeatureResolution; r <= g.Size; r *= 2) sources.AddRange([new(g.ChannelsAt(r), r), new(g.ChannelsAt(r), r)]);
        MaskSources = sources;
        int dim = sources.Sum(s => s.Channels);
        Classifiers = Enumerable.Range(0, ClassifierCount).Select(m => LoadClassifier(OpenFile(ClassifierFile(m)), m, dim)).ToList();

        var motionFile = OpenFile(FlowNetFile(FlowNet));
        MotionConfig = MotionGeneratorConfig.FromMetadata(motionFile.Metadata, motionFile.Path);
        if (MotionConfig.InputChannels != 3 || MotionConfig.OutputChannels != 2)
            throw new InvalidDataException($"{motionFile.Path}: the motion network maps {MotionConfig.InputChannels} → {MotionConfig.OutputChannels} channels, expected RGB → 2 (input_nc 3, output_nc 2)");
        foreach (var (name, shape) in MotionConfig.ParameterShapes()) CheckShape(motionFile, name, shape);
        Motion = NetworkParameters.From(motionFile);
    }

    /// <summary>The mean file's latent_avg when the folder has one (the trainer's w_mean_path), else the generator file's.</summary>
    private float[] ReadLatentAverage(SafetensorsFile generatorFile, GeneratorConfig g)
    {
        var source = File.Exists(Path.Combine(Directory, MeanLatentFile)) ? OpenFile(MeanLatentFile) : generatorFile;
        if (!source.Contains("latent_avg")) throw new InvalidDataException($"{source.Path}: missing tensor 'latent_avg' (the encoder adds the mean latent)");
        var values = source.Read("latent_avg").Data;
        if (values.Length != g.StyleDim && values.Length != g.LatentCount * g.StyleDim)
            throw new InvalidDataException($"{source.Path}: tensor 'latent_avg' has shape [{string.Join(", ", source.Entry("latent_avg").Shape)}], expected {g.StyleDim} values (or {g.LatentCount}×{g.StyleDim})");
        return values;
    }

    /// <summary>
    /// One DatasetGAN classifier file (state_dict names <c>layers.k.*</c>): hidden widths from its stored shapes,
    /// input width <paramref name="dim"/> (the generator's feature channels), 3 classes; loaded as model m of the ensemble.
    /// </summary>
    private static MaskClassifier LoadClassifier(SafetensorsFile file, int model, int dim)
    {
        long Rows(string name)
        {
            if (!file.Contains(name)) throw new InvalidDataException($"{file.Path}: missing tensor '{name}'");
            var s = file.Entry(name).Shape;
            return s.Length == 2 ? s[0] : throw new InvalidDataException($"{file.Path}: tensor '{name}' has shape [{string.Join(", ", s)}], expected Out×In");
        }
        long h1 = Rows("layers.0.weight"), h2 = Rows("layers.3.weight");
        var expected = new List<(string, long[])> { ("layers.0.weight", [h1, dim]), ("layers.0.bias", [h1]) };
        expected.AddRange(FeatureStyleEncoderConfig.BatchNormNames("layers.2").Select(n => (n, new[] { h1 })));
        expected.AddRange([("layers.3.weight", [h2, h1]), ("layers.3.bias", [h2])]);
        expected.AddRange(FeatureStyleEncoderConfig.BatchNormNames("layers.5").Select(n => (n, new[] { h2 })));
        expected.AddRange([("layers.6.weight", [MaskVote.ClassCount, h2]), ("layers.6.bias", [MaskVote.ClassCount])]);
        foreach (var (name, shape) in expected) CheckShape(file, name, shape);
        // MaskClassifier reads the ensemble's names (classifier.m.layers.k): the file's tensors under that prefix.
        var tensors = expected.ToDictionary(e => $"{MaskClassifier.Prefix(model)}.{e.Item1["layers.".Length..]}", e => file.Read(e.Item1));
        return MaskClassifier.Load(NetworkParameters.From(tensors, file.Path), model, dim);
    }

    private static void CheckShape(SafetensorsFile file, string name, long[] expected)
    {
        if (!file.Contains(name)) throw new InvalidDataException($"{file.Path}: missing tensor '{name}'");
        var actual = file.Entry(name).Shape;
        if (!actual.SequenceEqual(expected))
            throw new InvalidDataException($"{file.Path}: tensor '{name}' has shape [{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}]");
    }

    private static T WithFile<T>(SafetensorsFile file, Func<T> f)
    {
        try { return f(); }
        catch (InvalidDataException e) when (!e.Message.StartsWith(file.Path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{file.Path}: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        foreach (var f in open) f.Dispose();
        open.Clear();
    }
}
