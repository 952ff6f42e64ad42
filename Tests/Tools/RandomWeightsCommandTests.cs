using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.Inversion;
using CineKernel.Pipeline.Synthesis;
using CineKernel.Pipeline.Weights;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary><c>cinekernel random-weights</c>: a folder <see cref="WeightsFolder"/> accepts, reproducible, refusing what it should.</summary>
public class RandomWeightsCommandTests : CliTestBase
{
    [Test]
    public void TinyFolderOpensAsAWeightsFolderAndIsReproducible()
    {
        var (exit, stdout, err) = Run("random-weights", PathOf("a"), "--tiny", "--seed", "7");
        Assert.That(exit, Is.EqualTo(0), err);
        Assert.That(stdout, Does.Contain("tiny generator 256²"));
        using (var folder = WeightsFolder.Open(PathOf("a"), FlowNet.Sky))
        {
            Assert.That(folder.GeneratorConfig, Is.EqualTo(RandomWeightsFolder.TinyGenerator).Using<GeneratorConfig>(SameConfig));
            Assert.That(folder.EncoderConfig.Styles, Is.EqualTo(RandomWeightsFolder.TinyGenerator.LatentCount));
            Assert.That(folder.LatentAverage, Has.Length.EqualTo(64));
        }
        Assert.That(Run("random-weights", PathOf("b"), "--tiny", "--seed", "7").Exit, Is.EqualTo(0));
        Assert.That(Run("random-weights", PathOf("c"), "--tiny", "--seed", "8").Exit, Is.EqualTo(0));
        foreach (var file in new[] { WeightsFolder.GeneratorFile, WeightsFolder.EncoderFile })
        {
            Assert.That(File.ReadAllBytes(Path.Combine(PathOf("b"), file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(PathOf("a"), file))), $"{file}: same seed");
            Assert.That(File.ReadAllBytes(Path.Combine(PathOf("c"), file)), Is.Not.EqualTo(File.ReadAllBytes(Path.Combine(PathOf("a"), file))), $"{file}: other seed");
        }
    }

    [Test]
    public void ConfigFEncoderFollowsTheGeneratorsLatents()
    {
        var g = GeneratorConfig.ConfigF(512);
        var e = RandomWeightsFolder.ReleaseEncoderFor(g);
        Assert.That((e.Styles, e.StyleDim, e.ContentChannels), Is.EqualTo((16, 512, 512)));
        Assert.That(RandomWeightsFolder.ReleaseEncoderFor(GeneratorConfig.ConfigF()), Is.EqualTo(FeatureStyleEncoderConfig.Release).Using<FeatureStyleEncoderConfig>(
            (a, b) => a.PooledFeatures == b.PooledFeatures && a.Styles == b.Styles && a.ContentChannels == b.ContentChannels && a.StageBlocks.SequenceEqual(b.StageBlocks)));
    }

    [Test]
    public void MetadataRoundTripsThroughTheConfig()
    {
        foreach (var config in new[] { GeneratorConfig.ConfigF(), RandomWeightsFolder.TinyGenerator })
            Assert.That(GeneratorConfig.FromMetadata(config.ToMetadata(), "test"), Is.EqualTo(config).Using<GeneratorConfig>(SameConfig));
    }

    [Test]
    public void ExistingFilesNeedOverwriteAndBadOptionsAreUsageErrors()
    {
        Assert.That(Run("random-weights", Dir, "--tiny").Exit, Is.EqualTo(0));
        var (exit, _, err) = Run("random-weights", Dir, "--tiny");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(err, Does.Contain("already exists; add --overwrite"));
        Assert.That(Run("random-weights", Dir, "--tiny", "--overwrite").Exit, Is.EqualTo(0));
        foreach (var args in new[] { new[] { "random-weights" }, ["random-weights", Dir, "--size", "300"], ["random-weights", Dir, "--tiny", "--size", "256"] })
        {
            (exit, _, err) = Run(args);
            Assert.That(exit, Is.EqualTo(2), string.Join(" ", args));
            Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1));
        }
    }

    private static bool SameConfig(GeneratorConfig a, GeneratorConfig b) =>
        (a.Size, a.StyleDim, a.MappingLayers, a.MappingLrMul) == (b.Size, b.StyleDim, b.MappingLayers, b.MappingLrMul) &&
        Enumerable.Range(2, a.LogSize - 1).All(l => a.ChannelsAt(1 << l) == b.ChannelsAt(1 << l));
}
