using CineKernel.Pipeline.Inversion;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Synthesis;
using CineKernel.WeightsLoader;

namespace CineKernel.Pipeline.Weights;

/// <summary>
/// The folder <c>animate --weights</c> reads (weights.md "The folder --weights reads"). The generator (with an
/// optional mean latent) and the feature-style encoder are required: they are all the public StyleCineGAN
/// release provides. The 10 mask classifiers and the motion network are opened only when the mask or the
/// motion is to be predicted (<see cref="PredictedInputs"/>): at <see cref="Open"/>, or later by
/// <see cref="Require"/>. Every file opened is checked, tensor by tensor, against the configuration the files'
/// metadata and stored shapes declare, and the networks must fit together (the encoder's heads match the
/// generator's latent rows, D its 64-level channels, the classifiers' inputs its feature channels), before any
/// work; a problem is one line naming the file and the tensor, and a needed network that is absent is one line
/// naming its missing files and what to give instead. Sizes are not fixed to the release's 1024: a smaller
/// generator (≥ 256) with matching networks runs the same path (tests use one).
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

    /// <summary>The encoder's parameters, checked against <see cref="EncoderConfig"/>.</summary>
    public NetworkParameters Encoder { get; private set; } = null!;
    public FeatureStyleEncoderConfig EncoderConfig { get; private set; } = null!;

    /// <summary>Bilinear halvings of the photo before the encoder: log2(size/256), 2 at 1024 as the original.</summary>
    public int EncoderDownscales => FeatureStyleEncoderConfig.DownscalesFor(GeneratorConfig.Size);

    /// <summary>The networks opened so far beyond the generator and the encoder.</summary>
    public PredictedInputs Loaded { get; private set; }

    /// <summary>The mask classifiers; <see cref="InvalidOperationException"/> unless <see cref="PredictedInputs.Mask"/> is loaded.</summary>
    public IReadOnlyList<MaskClassifier> Classifiers => Loaded.HasFlag(PredictedInputs.Mask) ? classifiers : throw NotLoaded(PredictedInputs.Mask);

    /// <summary>What the classifiers read, in order: D, then every conv output after it in feature_forward.</summary>
    public IReadOnlyList<MaskFeatureSource> MaskSources { get; private set; } = [];

    /// <summary>The motion network's configuration; <see cref="InvalidOperationException"/> unless <see cref="PredictedInputs.Motion"/> is loaded.</summary>
    public MotionGeneratorConfig MotionConfig => Loaded.HasFlag(PredictedInputs.Motion) ? motionConfig : throw NotLoaded(PredictedInputs.Motion);

    /// <summary>The motion network's parameters, checked against <see cref="MotionConfig"/>; <see cref="InvalidOperationException"/> unless <see cref="PredictedInputs.Motion"/> is loaded.</summary>
    public NetworkParameters Motion => Loaded.HasFlag(PredictedInputs.Motion) ? motion : throw NotLoaded(PredictedInputs.Motion);

    private IReadOnlyList<MaskClassifier> classifiers = [];
    private MotionGeneratorConfig motionConfig = null!;
    private NetworkParameters motion = null!;

    /// <summary>
    /// Opens and checks the generator and the encoder, and the networks <paramref name="predict"/> names.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A required file is missing; the message names it and, for an optional network, what to give instead.</exception>
    /// <exception cref="InvalidDataException">A file or tensor does not match; the message names the file and the tensor.</exception>
    public static WeightsFolder Open(string directory, FlowNet flowNet, PredictedInputs predict = PredictedInputs.None)
    {
        if (File.Exists(directory))
            throw new DirectoryNotFoundException($"weights folder {directory} is a file; give the folder that holds {GeneratorFile} and {EncoderFile} (the layout is in weights.md)");
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"weights folder not found: {directory}");
        var folder = new WeightsFolder(directory, flowNet, []);
        try
        {
            folder.CheckPresent(predict, core: true);
            folder.LoadCore();
            folder.Require(predict);
            return folder;
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens and checks the networks <paramref name="predict"/> names that are not loaded yet (a no-op for those
    /// that are). <see cref="Cinemagraph.StyleCineGanRenderer"/> calls it before any work for whatever it must predict.
    /// </summary>
    /// <exception cref="FileNotFoundException">A needed file is missing: the message names every missing file and the alternatives.</exception>
    /// <exception cref="InvalidDataException">A file or tensor does not match.</exception>
    public void Require(PredictedInputs predict)
    {
        var wanted = predict & ~Loaded;
        if (wanted == PredictedInputs.None) return;
        CheckPresent(wanted);
        if (wanted.HasFlag(PredictedInputs.Mask))
        {
            int dim = MaskSources.Sum(s => s.Channels);
            classifiers = Enumerable.Range(0, ClassifierCount).Select(m => LoadClassifier(OpenFile(ClassifierFile(m)), dim)).ToList();
            Loaded |= PredictedInputs.Mask;
        }
        if (wanted.HasFlag(PredictedInputs.Motion))
        {
            LoadMotion();
            Loaded |= PredictedInputs.Motion;
        }
    }

    /// <summary>The files a prediction needs, relative to the folder.</summary>
    public IEnumerable<string> FilesFor(PredictedInputs predict)
    {
        if (predict.HasFlag(PredictedInputs.Mask))
            foreach (var f in Enumerable.Range(0, ClassifierCount).Select(ClassifierFile)) yield return f;
        if (predict.HasFlag(PredictedInputs.Motion)) yield return FlowNetFile(FlowNet);
    }

    /// <summary>
    /// Throws one line naming every missing file the render needs (the generator and the encoder when
    /// <paramref name="core"/>, and the networks of <paramref name="predict"/>), what to give instead of each
    /// optional network, and, when the folder holds unconverted PyTorch checkpoints, that they need converting.
    /// </summary>
    private void CheckPresent(PredictedInputs predict, bool core = false)
    {
        bool Absent(string f) => !File.Exists(Path.Combine(Directory, f));
        var parts = new List<string>();
        var coreMissing = core ? new[] { GeneratorFile, EncoderFile }.Where(Absent).ToList() : [];
        if (coreMissing.Count > 0)
            parts.Add($"missing {string.Join(" and ", coreMissing)}, which every full-method render needs");
        var classifiers = predict.HasFlag(PredictedInputs.Mask) ? FilesFor(PredictedInputs.Mask).Where(Absent).ToList() : [];
        if (classifiers.Count > 0)
        {
            string files = classifiers.Count == ClassifierCount
                ? $"{ClassifierFile(0)} … {ClassifierFile(ClassifierCount - 1)}"
                : string.Join(", ", classifiers);
            parts.Add($"predicting the mask needs the {ClassifierCount} DatasetGAN classifiers, missing {files}; " +
                      "give the mask instead (--mask PNG, or NAME_mask.png in a sample folder), or train the classifiers and convert them");
        }
        var flow = predict.HasFlag(PredictedInputs.Motion) ? FilesFor(PredictedInputs.Motion).Where(Absent).ToList() : [];
        if (flow.Count > 0)
            parts.Add($"predicting the motion needs the {FlowNet.ToString().ToLowerInvariant()} motion network, missing {string.Join(", ", flow)}; " +
                      "give the motion instead (--motion FILE, --arrow x0,y0,x1,y1, or NAME_motion.npy in a sample folder), or train a pix2pixHD global generator and convert it");
        if (parts.Count == 0) return;
        var checkpoints = UnconvertedCheckpoints();
        if (checkpoints.Count > 0)
            parts.Add($"the folder holds PyTorch checkpoints ({string.Join(", ", checkpoints)}): convert them first with 'cinekernel convert'");
        throw new FileNotFoundException($"weights folder {Directory}: {string.Join("; ", parts)} (weights.md)");
    }

    /// <summary>Up to three .pt / .pth / .pth.tar files in the folder or two levels below, relative to it.</summary>
    private List<string> UnconvertedCheckpoints()
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 2, IgnoreInaccessible = true };
        return System.IO.Directory.EnumerateFiles(Directory, "*", options)
            .Where(f => f.EndsWith(".pt", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".pth", StringComparison.OrdinalIgnoreCase)
                        || f.EndsWith(".pth.tar", StringComparison.OrdinalIgnoreCase))
            .Select(f => Path.GetRelativePath(Directory, f)).Order(StringComparer.Ordinal).Take(3).ToList();
    }

    private InvalidOperationException NotLoaded(PredictedInputs part) =>
        new($"weights folder {Directory}: the {(part == PredictedInputs.Mask ? "mask classifiers are" : "motion network is")} not loaded; call Require({nameof(PredictedInputs)}.{part}) first");

    private SafetensorsFile OpenFile(string name)
    {
        string path = Path.Combine(Directory, name);
        RefuseCheckpoint(path);
        var file = SafetensorsFile.Open(path);
        open.Add(file);
        return file;
    }

    /// <summary>A PyTorch checkpoint renamed or copied as .safetensors: say so instead of a header-length error.</summary>
    private static void RefuseCheckpoint(string path)
    {
        Span<byte> head = stackalloc byte[9];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read == head.Length && head[8] == (byte)'{') return; // a safetensors header: 8-byte length, then JSON
        bool zip = read >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4;
        bool pickle = read >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5; // pickle protocol 2..5 (torch's legacy format)
        if (zip || pickle)
            throw new InvalidDataException($"{path}: this is a PyTorch checkpoint, not safetensors; convert it with 'cinekernel convert' (weights.md)");
    }

    private void LoadCore()
    {
        var generatorFile = OpenFile(GeneratorFile);
        if (!generatorFile.Metadata.ContainsKey("size"))
            throw new InvalidDataException($"{generatorFile.Path}: no generator configuration in the metadata ('size', 'channels', ...): " +
                                           "it was not written by 'cinekernel convert'; convert the checkpoint again (weights.md)");
        var g = GeneratorConfig.FromFile(generatorFile);
        if (g.Size < FeatureStyleEncoderConfig.EncoderResolution)
            throw new InvalidDataException($"{generatorFile.Path}: generator size {g.Size} is below {FeatureStyleEncoderConfig.EncoderResolution}; D replaces the 64-level and warps start at 128");
        Generator = new Generator(g, NetworkParameters.From(generatorFile).Checked(g.Parameters()));
        LatentAverage = ReadLatentAverage(generatorFile, g);

        var encoderFile = OpenFile(EncoderFile);
        Encoder = FeatureStyleEncoder.ReadParameters(encoderFile);
        EncoderConfig = FeatureStyleEncoderConfig.FromWeights(Encoder);
        if (EncoderConfig.Styles != g.LatentCount || EncoderConfig.StyleDim != g.StyleDim)
            throw new InvalidDataException($"{encoderFile.Path}: tensor 'styles.0.weight': the encoder gives {EncoderConfig.Styles} latents of {EncoderConfig.StyleDim}, " +
                                           $"the generator of size {g.Size} reads {g.LatentCount} of {g.StyleDim}");
        if (EncoderConfig.ContentChannels != g.ChannelsAt(FeatureResolution))
            throw new InvalidDataException($"{encoderFile.Path}: tensor 'content_layer.4.weight': D has {EncoderConfig.ContentChannels} channels, " +
                                           $"the generator's {FeatureResolution}-level has {g.ChannelsAt(FeatureResolution)}");

        var sources = new List<MaskFeatureSource> { new(g.ChannelsAt(FeatureResolution), FeatureResolution) };
        for (int r = 2 * FeatureResolution; r <= g.Size; r *= 2) sources.AddRange([new(g.ChannelsAt(r), r), new(g.ChannelsAt(r), r)]);
        MaskSources = sources;
    }

    private void LoadMotion()
    {
        var motionFile = OpenFile(FlowNetFile(FlowNet));
        var config = MotionGeneratorConfig.FromMetadata(motionFile.Metadata, motionFile.Path);
        if (config.InputChannels != 3 || config.OutputChannels != 2)
            throw new InvalidDataException($"{motionFile.Path}: the motion network maps {config.InputChannels} → {config.OutputChannels} channels, expected RGB → 2 (input_nc 3, output_nc 2)");
        motion = NetworkParameters.From(motionFile).Checked(config.Parameters());
        motionConfig = config;
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
    /// input width <paramref name="dim"/> (the generator's feature channels), the vote's 3 classes.
    /// </summary>
    private static MaskClassifier LoadClassifier(SafetensorsFile file, int dim)
    {
        var parameters = NetworkParameters.From(file);
        var config = MaskClassifierConfig.FromWeights(parameters, MaskClassifierConfig.Prefix, dim) with { Classes = MaskVote.ClassCount };
        return MaskClassifier.Load(parameters, config);
    }

    public void Dispose()
    {
        foreach (var f in open) f.Dispose();
        open.Clear();
    }
}
