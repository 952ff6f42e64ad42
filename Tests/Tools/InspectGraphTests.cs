using CineKernel.Tests.Pipeline;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary><c>cinekernel inspect --graph PROGRAM FILE</c> prints the scheduler's plan of a generator program.</summary>
public class InspectGraphTests : CliTestBase
{
    [Test]
    public void PrintsTheFramesPlanWithHoistedAndPerFrameSteps()
    {
        var (exit, stdout, stderr) = Run("inspect", "--graph", "frames", GeneratorGolden.Path);
        Assert.That(exit, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("generator 256, style_dim 64, n_mlp 2"));
        Assert.That(stdout, Does.Contain("graph 'frames'").And.Contain("removed as dead work"));
        Assert.That(stdout, Does.Match(@"hoisted\s+dfw-fields@128"));
        Assert.That(stdout, Does.Match(@"per-frame\s+warp@256"));
        Assert.That(stdout, Does.Contain("5 per-frame steps"));
        Assert.That(stdout, Does.Match(@"per-frame\s+upsample×2 \+ add \+ bias\s+to_rgbs\.5"), "skip sum and bias after the warp fused into the upsampling");
        Assert.That(stdout, Does.Contain("modconv↑2 → noise → bias·lrelu√2"), "noise and activation fused into the upsampling conv");
    }

    [Test]
    public void RejectsAnUnknownProgram()
    {
        var (exit, _, stderr) = Run("inspect", "--graph", "encoder", GeneratorGolden.Path);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("unknown program 'encoder'").And.Contain("frames"));
    }
}
