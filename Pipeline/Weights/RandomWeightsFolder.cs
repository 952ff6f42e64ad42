using CineKernel.Pipeline.Inversion;
using CineKernel.Pipeline.Synthesis;
using CineKernel.WeightsLoader;

namespace CineKernel.Pipeline.Weights;

/// <summary>
/// Writes a weights folder in the layout <see cref="WeightsFolder"/> reads, holding what the public release has
/// (the generator with its mean latent, and the encoder) but with random parameters (<see cref="RandomWeights"/>):
/// to run and time the full method where the release's checkpoints are not at hand. Its cinemagraphs are noise;
/// only the work is real. With a given mask and motion it is all <c>animate --weights</c> needs.
/// </summary>
public static class RandomWeightsFolder
{
    /// <summary>
    /// A 256² generator of a few channels (style_dim 64, 2 mapping layers, 64 channels up to the 64-level, 32 at
    /// 128, 16 at 256; 14 latents): the full method runs in seconds on a CPU. Its 64-level matches the encoder
    /// <see cref="TinyEncoder"/>.
    /// </summary>
    public static GeneratorConfig TinyGenerator { get; } = new(256, 64, 2, 0.01f, new Dictionary<int, int>
    {
        [4] = 64, [8] = 64, [16] = 64, [32] = 64, [64] = 64, [128] = 32, [256] = 16,
    });

    /// <summary>A narrow encoder (stem 5, stages 4/6/8/7 of one block, content 9 → 64) for <see cref="TinyGenerator"/>.</summary>
    public static FeatureStyleEncoderConfig TinyEncoder { get; } = new(3, 5, [4, 6, 8, 7], [1, 1, 1, 1], 9, 64,
        TinyGenerator.LatentCount, TinyGenerator.StyleDim);

    /// <summary>
    /// The release's encoder widths (<see cref="FeatureStyleEncoderConfig.Release"/>) with one head per latent of
    /// <paramref name="generator"/> and D of its 64-level channels: the release itself for config-f at 1024.
    /// </summary>
    public static FeatureStyleEncoderConfig ReleaseEncoderFor(GeneratorConfig generator)
    {
        var r = FeatureStyleEncoderConfig.Release;
        return new FeatureStyleEncoderConfig(r.InputChannels, r.StemWidth, r.StageWidths, r.StageBlocks, r.ContentWidth,
            generator.ChannelsAt(WeightsFolder.FeatureResolution), generator.LatentCount, generator.StyleDim);
    }

    /// <summary>
    /// Writes <see cref="WeightsFolder.GeneratorFile"/> (random generator and mean latent, configuration in the
    /// metadata) and <see cref="WeightsFolder.EncoderFile"/> into <paramref name="directory"/>, creating it. Both
    /// files are written under temporary names and renamed only when both are complete.
    /// </summary>
    /// <returns>The number of parameters written (both networks and the mean latent).</returns>
    /// <exception cref="ArgumentException">The encoder does not fit the generator (heads, style width, D's channels).</exception>
    /// <exception cref="IOException">A file cannot be written.</exception>
    public static long Write(string directory, GeneratorConfig generator, FeatureStyleEncoderConfig encoder, int seed)
    {
        if (encoder.Styles != generator.LatentCount || encoder.StyleDim != generator.StyleDim ||
            encoder.ContentChannels != generator.ChannelsAt(WeightsFolder.FeatureResolution))
            throw new ArgumentException($"random weights: the encoder ({encoder.Styles} heads of {encoder.StyleDim}, D of {encoder.ContentChannels} channels) " +
                                        $"does not fit the generator ({generator.LatentCount} latents of {generator.StyleDim}, " +
                                        $"{generator.ChannelsAt(WeightsFolder.FeatureResolution)} channels at {WeightsFolder.FeatureResolution})");
        Directory.CreateDirectory(directory);
        var generatorTensors = RandomWeights.Generator(generator, seed);
        var latentAverage = RandomWeights.Uniform(generator.StyleDim, seed + 1, 0.5f);
        var encoderTensors = RandomWeights.Encoder(encoder, seed + 2);
        using var generatorFile = StageGenerator(Path.Combine(directory, WeightsFolder.GeneratorFile), generator, generatorTensors, latentAverage);
        using var encoderFile = SafetensorsWriter.Stage(Path.Combine(directory, WeightsFolder.EncoderFile), encoderTensors,
            new Dictionary<string, string> { ["kind"] = "fs-encoder", ["source"] = $"random fs_encoder_v2, seed {seed + 2}" });
        generatorFile.Commit();
        encoderFile.Commit();
        return generatorTensors.Values.Concat(encoderTensors.Values).Sum(t => (long)t.Data.Length) + latentAverage.Length;
    }

    /// <summary>
    /// Stages a generator file: <paramref name="tensors"/> (at least <see cref="GeneratorConfig.Parameters"/>) plus
    /// <c>latent_avg</c>, with <see cref="GeneratorConfig.ToMetadata"/>; commit it to rename it into place.
    /// </summary>
    public static StagedFile StageGenerator(string path, GeneratorConfig config, IReadOnlyDictionary<string, TensorData> tensors, float[] latentAverage)
    {
        var all = config.Parameters().Select(p => KeyValuePair.Create(p.Name, tensors[p.Name]))
            .Append(KeyValuePair.Create("latent_avg", new TensorData([latentAverage.Length], latentAverage)));
        return SafetensorsWriter.Stage(path, all, config.ToMetadata());
    }
}
