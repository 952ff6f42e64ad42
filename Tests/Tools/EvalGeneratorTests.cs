using CineKernel.Tests.Pipeline;
using CineKernel.Tests.Support;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary><c>cinekernel eval mapping|generator-forward|feature-forward|frames</c> on generator_tiny, through the command line.</summary>
public class EvalGeneratorTests : EvalTestBase
{
    protected override string Inputs => GeneratorGolden.Path;

    [Test]
    public void MappingForwardAndFeatureForwardMatchTheFixture()
    {
        using var golden = GeneratorGolden.Open();
        using (var mapping = RunOp("mapping")) AssertSame(mapping, golden, "out.w", 1e-5);
        using (var forward = RunOp("generator-forward")) AssertSame(forward, golden, "out.forward", 1e-5);
        using var features = RunOp("feature-forward", "--weights", GeneratorGolden.Path);
        AssertSame(features, golden, "out.feature_forward", 1e-5);
        AssertSame(features, golden, "out.feature_forward.features.1", 1e-5);
        AssertSame(features, golden, "out.feature_forward.features.2", 1e-5);
        Assert.That(features.Names, Has.Count.EqualTo(6), "the image, D and convs[8..11]");
    }

    [Test]
    public void FramesMatchTheFixture()
    {
        using var golden = GeneratorGolden.Open();
        using var frames = RunOp("frames", "--n-frames", "24", "--indices", "12");
        Assert.That(frames.Names, Is.EqualTo(new[] { "out.frame.12" }));
        AssertSame(frames, golden, "out.frame.12", 1e-4);
    }

    [Test]
    public void FramesNeedTheFrameCountAndValidIndices()
    {
        var (code, _, err) = Run("eval", "frames", "--inputs", GeneratorGolden.Path, "--output", Path.Combine(Dir, "x.safetensors"),
            "--n-frames", "24", "--indices", "24");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("outside 0..23"));
    }
}
