using CineKernel.Tools.SelfTest;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary><c>cinekernel selftest</c>: passes on the CPU device, and fails, naming the check, when an expectation is wrong or missing.</summary>
public class SelftestCommandTests : CliTestBase
{
    [Test]
    public void EveryCheckPassesOnTheCpu()
    {
        var (exit, stdout, stderr) = Run("selftest", "--device", "cpu");
        Assert.That(exit, Is.EqualTo(0), stdout + stderr);
        Assert.That(stderr, Is.Empty);
        foreach (var check in SelfTestSuite.All)
            Assert.That(stdout, Does.Match($@"(?m)^{check.Name}\s+{check.Family}\s+\S+\s+\S+\s+\S+\s+pass\s+\d+\.\d$"), check.Name);
        Assert.That(stdout, Does.Contain($"summary: {SelfTestSuite.All.Count} passed, 0 failed, {SelfTestSuite.All.Count} checks in"));
        Assert.That(stdout, Does.Contain("max rel err = max|actual - expected| / max|expected|"));
    }

    [Test]
    public void QuickRunsTheQuickSubset()
    {
        var (exit, stdout, _) = Run("selftest", "--device", "cpu", "--quick");
        Assert.That(exit, Is.EqualTo(0), stdout);
        var quick = SelfTestSuite.All.Where(c => c.Quick).ToList();
        Assert.That(stdout, Does.Contain($"summary: {quick.Count} passed, 0 failed"));
        Assert.That(stdout, Does.Not.Contain(SelfTestSuite.All.First(c => !c.Quick).Name));
    }

    [TestCase("linear/rows-37x45-to-19", 1e-4f, TestName = "a value off by 1e-4 of the tensor's scale fails a 1e-5 check")]
    [TestCase("euler/quarter-grid-25-steps", 0.25f, TestName = "a quarter-pixel change fails a bit-exact check")]
    public void AWrongExpectationFailsNamingTheCheck(string check, float change)
    {
        string path = WriteExpectations(tensors =>
        {
            var t = tensors[check];
            var data = (float[])t.Data.Clone();
            data[data.Length / 2] += change * Math.Max(1f, data.Max(Math.Abs));
            tensors[check] = new TensorData(t.Shape, data);
        });
        var (exit, stdout, stderr) = Run("selftest", "--device", "cpu", "--quick", "--expected", path);
        Assert.That(exit, Is.EqualTo(1), stdout);
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(stderr.Trim(), Is.EqualTo($"cinekernel: selftest failed: 1 of {SelfTestSuite.All.Count(c => c.Quick)} checks: {check}"));
        Assert.That(stdout, Does.Match($@"(?m)^{check}\s.*\sFAIL\s"));
    }

    [Test]
    public void AMissingExpectationFailsThatCheckAndTheOthersStillRun()
    {
        const string check = "splat/golden-joint-splat-metric-maps";
        string path = WriteExpectations(tensors => tensors.Remove($"{check}/in.splat.flow_a"));
        var (exit, stdout, stderr) = Run("selftest", "--device", "cpu", "--quick", "--expected", path);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stdout, Does.Match($@"(?m)^{check}\s.*FAIL.*no tensor '{check}/in.splat.flow_a'"));
        Assert.That(stdout, Does.Contain($"{SelfTestSuite.All.Count(c => c.Quick) - 1} passed, 1 failed"));
        Assert.That(stderr, Does.EndWith($"checks: {check}{Environment.NewLine}"));
    }

    [Test]
    public void BadOptionsAreOneLineErrors()
    {
        var (exit, _, stderr) = Run("selftest", "--device", "tpu");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.StartWith("cinekernel: error: unknown device 'tpu'"));
        (exit, _, stderr) = Run("selftest", "--expected", PathOf("none.safetensors"));
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr.Trim(), Does.StartWith("cinekernel: error: expectations file not found"));
        (exit, _, _) = Run("selftest", "extra");
        Assert.That(exit, Is.EqualTo(2));
    }

    /// <summary>A copy of the embedded expectations, changed by <paramref name="change"/>.</summary>
    private string WriteExpectations(Action<Dictionary<string, TensorData>> change)
    {
        Dictionary<string, TensorData> tensors;
        using (var data = SelfTestData.OpenEmbedded()) tensors = data.Names.ToDictionary(n => n, data.Expected);
        change(tensors);
        string path = PathOf("expected.safetensors");
        SafetensorsWriter.Write(path, tensors);
        return path;
    }
}
