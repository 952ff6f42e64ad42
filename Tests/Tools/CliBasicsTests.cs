using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary>The verbs every other command relies on: usage, devices, and the eval contract's errors.</summary>
public class CliBasicsTests : CliTestBase
{
    [Test]
    public void NoArgumentsPrintsUsageAndFails()
    {
        var (exit, stdout, _) = Run();
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stdout, Does.Contain("usage: cinekernel"));
    }

    [Test]
    public void UnknownCommandIsAUsageError()
    {
        var (exit, _, stderr) = Run("paint");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr.Trim(), Is.EqualTo("cinekernel: error: unknown command 'paint' (run 'cinekernel --help')"));
    }

    [Test]
    public void DevicesListsTheCpuAndWhatAutoPicks()
    {
        var (exit, stdout, _) = Run("devices");
        Assert.That(exit, Is.EqualTo(0));
        // The CPU line describes the device the engine opens (a multiprocessor per core, 2-thread groups, the
        // process's memory), not ILGPU's default CPU device (16-thread groups, 8 EiB).
        Assert.That(stdout, Does.Match($@"(?m)^cpu\s.*\([0-9]{{1,5}}\.[0-9] GiB, {Environment.ProcessorCount} cores, 2 threads/group\)$"));
        Assert.That(stdout, Does.Match(@"(?m)^auto → (cuda|opencl|cpu)$"));
    }

    [Test]
    public void EvalListsItsOps()
    {
        var (exit, stdout, _) = Run("eval", "--list");
        Assert.That(exit, Is.EqualTo(0));
        foreach (var op in new[] { "euler", "splat", "warp-level" })
            Assert.That(stdout, Does.Match($@"(?m)^{op}\s"));
    }

    [Test]
    public void EvalRejectsAnUnknownOp()
    {
        var (exit, _, stderr) = Run("eval", "teleport", "--inputs", "a.safetensors", "--output", "b.safetensors");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.StartWith("cinekernel: error: unknown eval op 'teleport' (known: "));
    }

    [Test]
    public void EvalRejectsAMissingInputFileAndWritesNothing()
    {
        string output = Path.Combine(Path.GetTempPath(), $"ck-{Guid.NewGuid():N}.safetensors");
        var (exit, _, stderr) = Run("eval", "euler", "--inputs", "/nonexistent/in.safetensors", "--output", output, "--indices", "1");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr.Trim(), Is.EqualTo("cinekernel: error: no such file: /nonexistent/in.safetensors"));
        Assert.That(File.Exists(output), Is.False);
    }

    [Test]
    public void AnAbsentDeviceIsAnErrorNotAFallback()
    {
        var (exit, _, stderr) = Run("eval", "euler", "--inputs", "x", "--output", "y", "--device", "quantum");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr.Trim(), Is.EqualTo("cinekernel: error: unknown device 'quantum' (expected one of: auto, cuda, opencl, cpu)"));
    }

    [Test]
    public void AMissingCudaDeviceIsAnErrorNotAFallback()
    {
        if (CineKernel.Kernels.ComputeDevice.List().Any(d => d.Kind == CineKernel.Kernels.DeviceKind.Cuda)) Assert.Ignore("this machine has a CUDA device");
        string input = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "dfw_ops.safetensors");
        string output = Path.Combine(Path.GetTempPath(), $"ck-{Guid.NewGuid():N}.safetensors");
        var (exit, _, stderr) = Run("eval", "euler", "--inputs", input, "--output", output, "--indices", "1", "--device", "cuda");
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr.Trim(), Is.EqualTo("cinekernel: error: no cuda device was found (run 'cinekernel devices' to list what is available)"));
        Assert.That(File.Exists(output), Is.False);
    }
}
