using CineKernel.Tests.Pipeline;
using CineKernel.Tests.Support;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary><c>cinekernel eval mapping|generator-forward|feature-forward|frames</c> on generator_tiny, through the command line.</summary>
public class EvalGeneratorTests
{
    private string dir = "";

    [SetUp]
    public void CreateDirectory()
    {
        dir = Path.Combine(Path.GetTempPath(), $"cinekernel-evalgen-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
    }

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(dir, recursive: true);

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CineKernel.Tools.Cli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private SafetensorsFile RunOp(string op, params string[] options)
    {
        string output = Path.Combine(dir, $"{op}.safetensors");
        var (code, _, err) = Cli(["eval", op, "--inputs", GeneratorGolden.Path, "--output", output, .. options]);
        Assert.That(code, Is.EqualTo(0), err);
        return SafetensorsFile.Open(output);
    }

    private static void AssertSame(SafetensorsFile actual, SafetensorsFile golden, string name, double tolerance)
    {
        var a = actual.Read(name);
        var g = golden.Read(name);
        Assert.That(a.Shape, Is.EqualTo(g.Shape), $"{name}: shape");
        Numerics.AssertClose(a.Data, g.Data, tolerance, name);
    }

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
        var (code, _, err) = Cli("eval", "frames", "--inputs", GeneratorGolden.Path, "--output", Path.Combine(dir, "x.safetensors"),
            "--n-frames", "24", "--indices", "24");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("outside 0..23"));
    }
}
