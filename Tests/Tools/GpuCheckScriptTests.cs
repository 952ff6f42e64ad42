using System.Diagnostics;
using System.Text.Json;
using CineKernel.Tests.Support;
using CineKernel.Tests.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary>
/// Tools/gpu-check/gpu-check.sh, the script a GPU machine runs, in its quick mode on the CPU against this build's outputs (a
/// bundle folder whose bin/ links to Tools' and Bench's executables; publishing the self-contained bundle is too slow
/// for the suite): every step passes and the out folder holds exactly the files the script promises. And a missing
/// bundle fails every step but still writes them all.
/// </summary>
[NonParallelizable]
public class GpuCheckScriptTests : FileTestBase
{
    private static readonly string[] Promised = ["summary.md", "devices.txt", "selftest.txt", "demo.json", "weights.json", "bench.txt", "log.txt"];

    private static string Script => Path.Combine(RepositoryPaths.Root, "Tools", "gpu-check", "gpu-check.sh");

    [OneTimeSetUp]
    public void RequireBash()
    {
        if (OperatingSystem.IsWindows() || !File.Exists("/bin/bash")) Assert.Ignore("gpu-check.sh needs bash");
    }

    private (int Exit, string Output) RunScript(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment.Remove("OUT");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(6)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("gpu-check.sh did not finish in 6 minutes");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>A bundle folder whose bin/ links to this build's executables.</summary>
    private string BuildOutputBundle()
    {
        string bin = Path.Combine(Dir, "bundle", "bin");
        Directory.CreateDirectory(bin);
        foreach (var (project, exe) in new[] { ("Tools", "cinekernel"), ("Bench", "CineKernel.Bench") })
        {
            string target = Path.Combine(RepositoryPaths.BuildOutput(project), exe);
            Assert.That(File.Exists(target), Is.True, $"{target}: build the solution first (dotnet build -c Release)");
            File.CreateSymbolicLink(Path.Combine(bin, exe), target);
        }
        return Path.Combine(Dir, "bundle");
    }

    [Test]
    public void QuickCpuRunPassesEveryStepAndWritesEveryPromisedFile()
    {
        string outDir = Path.Combine(Dir, "out");
        var (exit, output) = RunScript("--device", "cpu", "--quick", "--out", outDir, "--bundle", BuildOutputBundle());
        TestContext.Out.WriteLine(output);
        Assert.That(exit, Is.EqualTo(0), output + File.ReadAllText(Path.Combine(outDir, "log.txt")));
        Assert.That(Directory.GetFiles(outDir).Select(Path.GetFileName), Is.EquivalentTo(Promised));
        foreach (var file in Promised) Assert.That(new FileInfo(Path.Combine(outDir, file)).Length, Is.GreaterThan(0), file);

        string summary = File.ReadAllText(Path.Combine(outDir, "summary.md"));
        foreach (var step in new[] { "bundle", "devices", "selftest", "demo", "weights", "bench" })
            Assert.That(summary, Does.Match($@"(?m)^\| {step} \| ok \| \d+\.\d \|$"), step);
        Assert.That(summary, Does.Contain("All steps passed."));
        Assert.That(File.ReadAllText(Path.Combine(outDir, "selftest.txt")), Does.Match(@"summary: \d+ passed, 0 failed"));
        Assert.That(File.ReadAllText(Path.Combine(outDir, "devices.txt")), Does.Match(@"(?m)^cpu\s"));
        AssertTimings(Path.Combine(outDir, "demo.json"), "once_per_cinemagraph", "frames");
        AssertTimings(Path.Combine(outDir, "weights.json"), "inversion", "mask", "motion", "once_per_cinemagraph", "frames");
        string bench = File.ReadAllText(Path.Combine(outDir, "bench.txt"));
        foreach (var table in new[] { "| Forward            | tiny", "| Ilgpu", "Conv2dBenchmarks", "ModulatedConv2dBenchmarks", "SplatBenchmarks" })
            Assert.That(bench, Does.Contain(table));
    }

    [Test]
    public void AMissingBundleFailsTheStepsButWritesEveryFile()
    {
        string outDir = Path.Combine(Dir, "out");
        var (exit, output) = RunScript("--device", "cpu", "--quick", "--out", outDir, "--bundle", Path.Combine(Dir, "none.tar.xz"));
        Assert.That(exit, Is.EqualTo(1), output);
        Assert.That(Directory.GetFiles(outDir).Select(Path.GetFileName), Is.EquivalentTo(Promised));
        string summary = File.ReadAllText(Path.Combine(outDir, "summary.md"));
        Assert.That(summary, Does.Contain("Failed: bundle devices selftest demo weights bench"));
        Assert.That(output, Does.Contain("gpu-check: 6 step(s) failed"));
    }

    [Test]
    public void AnAbsentDeviceFailsEveryStepThatUsesItAndTheSummarySaysWhy()
    {
        string bundle = BuildOutputBundle();
        string devices = RunProcess(Path.Combine(bundle, "bin", "cinekernel"), "devices");
        if (devices.Contains("cuda ", StringComparison.Ordinal)) Assert.Ignore("this machine has a CUDA device");

        string outDir = Path.Combine(Dir, "out");
        var (exit, output) = RunScript("--device", "cuda", "--quick", "--out", outDir, "--bundle", bundle);
        Assert.That(exit, Is.EqualTo(1), output);
        string summary = File.ReadAllText(Path.Combine(outDir, "summary.md"));
        Assert.That(summary, Does.Match(@"(?m)^\| devices \| ok \|"));
        // BenchmarkDotNet exits 0 when every benchmark fails; the script reads its NA rows.
        Assert.That(summary, Does.Match(@"(?m)^\| bench \| failed \(\d+ benchmark rows are NA\) \|"));
        Assert.That(summary, Does.Contain("Failed: selftest demo weights bench"));
        foreach (var step in new[] { "selftest", "demo", "weights" })
            Assert.That(summary, Does.Match($@"## why {step} failed[^#]*no cuda device was found"), step);
    }

    [Test]
    public void HelpPrintsTheHeaderCommentOnly()
    {
        var (exit, output) = RunScript("--help");
        Assert.That(exit, Is.EqualTo(0));
        Assert.That(output, Does.StartWith("One-call check of a machine"));
        Assert.That(output, Does.Not.Contain("set -").And.Not.Contain("#!"));
    }

    private static string RunProcess(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return stdout.Result + stderr.Result;
    }

    [Test]
    public void BadOptionsAreUsageErrors()
    {
        Assert.That(RunScript("--device", "tpu", "--out", Dir).Exit, Is.EqualTo(2));
        Assert.That(RunScript("--quick").Exit, Is.EqualTo(2), "no --out and no OUT");
        Assert.That(RunScript("--frobnicate").Exit, Is.EqualTo(2));
    }

    private static void AssertTimings(string path, params string[] stages)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var seconds = json.RootElement.GetProperty("seconds");
        foreach (var stage in stages) Assert.That(seconds.GetProperty(stage).GetDouble(), Is.GreaterThanOrEqualTo(0), $"{path}: {stage}");
    }
}
