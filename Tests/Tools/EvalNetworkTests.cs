using CineKernel.Tests.Support;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary><c>cinekernel eval motion|mask-mlp</c> against the original's outputs, through the command line.</summary>
public class EvalNetworkTests : CliTestBase
{
    private static string Data(params string[] parts) =>
        Path.Combine([TestContext.CurrentContext.TestDirectory, "Data", .. parts]);

    private static SafetensorsFile RunOp(string op, string inputs, string output)
    {
        var (exit, _, stderr) = Run("eval", op, "--inputs", inputs, "--output", output, "--device", "cpu");
        Assert.That(exit, Is.EqualTo(0), stderr);
        return SafetensorsFile.Open(output);
    }

    [Test]
    public void MotionReproducesTheOriginalMotionField()
    {
        string golden = Data("motion", "motion_tiny.safetensors");
        string output = Path.Combine(Path.GetTempPath(), $"ck-motion-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var actual = RunOp("motion", golden, output);
            using var expected = SafetensorsFile.Open(golden);
            var a = actual.Read("out.motion");
            var e = expected.Read("out.motion");
            Assert.That(a.Shape, Is.EqualTo(e.Shape));
            Numerics.AssertClose(a.Data, e.Data, 1e-5, "eval motion: out.motion");
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Test]
    public void MaskMlpReproducesTheOriginalLogits()
    {
        // The fixture holds classifier 0's parameters (and the logits of three models): one output.
        string golden = Data("mask_mlp_subset.safetensors");
        string output = Path.Combine(Path.GetTempPath(), $"ck-maskmlp-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var actual = RunOp("mask-mlp", golden, output);
            using var expected = SafetensorsFile.Open(golden);
            Assert.That(actual.Names, Is.EquivalentTo(new[] { "out.logits.0" }));
            Numerics.AssertClose(actual.Read("out.logits.0").Data, expected.Read("out.logits.0").Data, 1e-5, "eval mask-mlp: out.logits.0");
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Test]
    public void MotionWithoutAnImageIsAClearErrorAndWritesNothing()
    {
        string output = Path.Combine(Path.GetTempPath(), $"ck-motion-{Guid.NewGuid():N}.safetensors");
        // mask_mlp_subset has no in.image.
        var (exit, _, stderr) = Run("eval", "motion", "--inputs", Data("mask_mlp_subset.safetensors"), "--output", output,
            "--weights", Data("motion", "motion_tiny.safetensors"));
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("missing input tensor 'in.image'"));
        Assert.That(File.Exists(output), Is.False);
    }
}
