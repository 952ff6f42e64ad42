using CineKernel.Tests.Support;
using CineKernel.Tools;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary><c>cinekernel eval euler|splat|warp-level</c> on the golden fixture, through the command line.</summary>
public class EvalDfwTests : EvalTestBase
{
    protected override string Inputs => DfwGolden.Path;

    [Test]
    public void EulerWritesEveryRequestedStepCountExactly()
    {
        using var golden = DfwGolden.Open();
        using var result = RunOp("euler", "--indices", "17,0,5,1");
        Assert.That(result.Names, Is.EquivalentTo(new[] { "out.euler.0", "out.euler.1", "out.euler.5", "out.euler.17" }));
        foreach (int k in new[] { 0, 1, 5, 17 }) AssertSame(result, golden, $"out.euler.{k}", 0);
    }

    [Test]
    public void SplatMatchesTheFixture()
    {
        using var golden = DfwGolden.Open();
        using var result = RunOp("splat");
        AssertSame(result, golden, "out.splat", 1e-5);
    }

    [Test]
    public void WarpLevelMatchesTheFixture()
    {
        using var golden = DfwGolden.Open();
        using var result = RunOp("warp-level", "--n-frames", golden.Metadata["n_frames"], "--indices", "0,3,9");
        AssertSame(result, golden, "out.flow64", 0);
        AssertSame(result, golden, "out.padded_flow", 0);
        foreach (int t in new[] { 0, 3, 9 })
        {
            AssertSame(result, golden, $"out.blend.{t}", 1e-5);
            AssertSame(result, golden, $"out.inpaint.{t}", 1e-5);
            AssertSame(result, golden, $"out.warp_one_level.{t}", 1e-5);
        }
    }

    [TestCase("euler", TestName = "euler without --indices")]
    [TestCase("warp-level", "--indices", "0", TestName = "warp-level without --n-frames")]
    [TestCase("warp-level", "--n-frames", "10", TestName = "warp-level without --indices")]
    public void MissingOptionsAreUsageErrors(string op, params string[] options)
    {
        var (code, _, err) = Run(["eval", op, "--inputs", DfwGolden.Path, "--output", Path.Combine(Dir, "x.safetensors"), .. options]);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("needs --"));
    }

    [Test]
    public void FrameOutsideTheLoopIsAUsageError()
    {
        var (code, _, err) = Run("eval", "warp-level", "--inputs", DfwGolden.Path, "--output", Path.Combine(Dir, "x.safetensors"),
            "--n-frames", "10", "--indices", "10");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("frame index 10 is outside 0..9"));
    }

    [TestCase("euler", "in.motion", "--indices", "1")]
    [TestCase("splat", "in.splat.metric_b")]
    [TestCase("warp-level", "in.flow", "--n-frames", "4", "--indices", "1")]
    public void MissingTensorsNameTheFileAndTheTensor(string op, string missing, params string[] options)
    {
        // The fixture less one tensor.
        string inputs = Path.Combine(Dir, "partial.safetensors");
        using (var golden = DfwGolden.Open())
        {
            SafetensorsWriter.Write(inputs,
                golden.Names.Where(n => n != missing && n.StartsWith("in.")).Select(n => KeyValuePair.Create(n, golden.Read(n))),
                new Dictionary<string, string>());
        }
        var (code, _, err) = Run(["eval", op, "--inputs", inputs, "--output", Path.Combine(Dir, "x.safetensors"), .. options]);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("partial.safetensors").And.Contain($"missing input tensor '{missing}'"));
    }
}
