using System.Globalization;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.Inversion;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Synthesis;
using CineKernel.Pipeline.Weights;
using CineKernel.Tests.Support;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline.Cinemagraph;

/// <summary>
/// A weights folder in the release's layout (weights.md) for a tiny configuration, so the full method runs in
/// seconds: the 256² test generator of Tests/Data/generator (style_dim 64, 14 latents, 64 channels at the
/// 64-level, warps at 128 and 256) with a seeded random latent_avg; a narrow encoder whose 14 heads of 64 match
/// it and whose D has its 64 channels; 10 classifiers reading its 160 feature channels (64 + 2·32 + 2·16) with
/// hidden widths 8 and 4; sky and fluid motion networks with ngf 4, 2 downsamplings, 1 residual block. All
/// random, seeded; written at run time (nothing large is committed).
/// </summary>
internal static class TinyWeightsFolder
{
    public const int GeneratorSize = 256, StyleDim = 64, Latents = 14, FeatureChannels = 160;

    public static readonly FeatureStyleEncoderConfig Encoder = RandomWeightsFolder.TinyEncoder;

    public static readonly MotionGeneratorConfig Motion = new(3, 2, 4, 2, 1);

    public static string GeneratorFixture =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "generator", "generator_tiny.safetensors");

    /// <summary>
    /// Writes the folder under <paramref name="dir"/> and returns it: the generator and the encoder always (all the
    /// public release has), the classifiers and both motion networks when <paramref name="networks"/> names them.
    /// </summary>
    public static string Create(string dir, PredictedInputs networks = PredictedInputs.Mask | PredictedInputs.Motion)
    {
        Directory.CreateDirectory(dir);
        WriteGenerator(Path.Combine(dir, WeightsFolder.GeneratorFile));
        SafetensorsWriter.Write(Path.Combine(dir, WeightsFolder.EncoderFile), RandomWeights.Encoder(Encoder, seed: 300),
            new Dictionary<string, string> { ["source"] = "random tiny fs_encoder_v2" });
        for (int m = 0; m < (networks.HasFlag(PredictedInputs.Mask) ? WeightsFolder.ClassifierCount : 0); m++)
            SafetensorsWriter.Write(Path.Combine(dir, WeightsFolder.ClassifierFile(m)), RandomWeights.Classifier(new MaskClassifierConfig(FeatureChannels, 8, 4, MaskVote.ClassCount), seed: 400 + 20 * m),
                new Dictionary<string, string> { ["kind"] = "pixel-classifier", ["numpy_class"] = "3", ["dim"] = FeatureChannels.ToString(CultureInfo.InvariantCulture) });
        foreach (var (net, seed) in new[] { (FlowNet.Sky, 600), (FlowNet.Fluid, 700) })
        {
            if (!networks.HasFlag(PredictedInputs.Motion)) break;
            string path = Path.Combine(dir, WeightsFolder.FlowNetFile(net));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            SafetensorsWriter.Write(path, RandomWeights.Motion(Motion, seed), MotionMetadata(Motion));
        }
        return dir;
    }

    /// <summary>The generator's tensors (only those the engine reads) from the test fixture, plus latent_avg, with its metadata.</summary>
    private static void WriteGenerator(string path)
    {
        using var fixture = SafetensorsFile.Open(GeneratorFixture);
        var config = GeneratorConfig.FromFile(fixture);
        var tensors = config.Parameters().ToDictionary(p => p.Name, p => fixture.Read(p.Name));
        using var staged = RandomWeightsFolder.StageGenerator(path, config, tensors, Numerics.Random(StyleDim, 250, 0.5f));
        staged.Commit();
    }

    public static Dictionary<string, string> MotionMetadata(MotionGeneratorConfig c) => new()
    {
        ["kind"] = "pix2pixhd-global-generator",
        ["input_nc"] = c.InputChannels.ToString(CultureInfo.InvariantCulture),
        ["output_nc"] = c.OutputChannels.ToString(CultureInfo.InvariantCulture),
        ["ngf"] = c.Ngf.ToString(CultureInfo.InvariantCulture),
        ["n_downsampling"] = c.Downsamplings.ToString(CultureInfo.InvariantCulture),
        ["n_blocks"] = c.ResidualBlocks.ToString(CultureInfo.InvariantCulture),
        ["norm"] = "instance",
    };

    /// <summary>Copies a folder (the bad-folder tests damage a copy).</summary>
    public static string Copy(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return to;
    }

    /// <summary>Rewrites one tensor of a safetensors file with another shape (same metadata).</summary>
    public static void ReplaceTensor(string path, string name, TensorData replacement)
    {
        Dictionary<string, TensorData> tensors;
        Dictionary<string, string> metadata;
        using (var file = SafetensorsFile.Open(path))
        {
            tensors = file.Names.ToDictionary(n => n, file.Read);
            metadata = file.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        }
        tensors[name] = replacement;
        SafetensorsWriter.Write(path, tensors, metadata);
    }
}
