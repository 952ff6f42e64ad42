using System.Diagnostics;
using System.Text.Json;
using CineKernel.Tests.Support;
using CineKernel.Tests.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary>
/// SIGTERM or Ctrl-C (SIGINT) while <c>animate</c> or <c>batch</c> writes: the process exits 128 + the signal's number,
/// leaves no unfinished output and no hidden <c>.partial</c> file or folder, and says so in one line (a batch also
/// in its JSON summary). Runs the built executable, since a signal goes to a process.
/// </summary>
[NonParallelizable]
public class InterruptTests : FileTestBase
{
    [OneTimeSetUp]
    public void RequireUnix()
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("POSIX signals");
    }

    [TestCase("out.gif", "TERM", 143)]
    [TestCase("out.mp4", "INT", 130)]
    [TestCase("frames/", "TERM", 143)]
    public void ASignalRemovesTheUnfinishedOutput(string output, string signal, int exitCode)
    {
        if (output.EndsWith(".mp4", StringComparison.Ordinal) && !OnPath("ffmpeg")) Assert.Ignore("ffmpeg is not installed (Debian package 'ffmpeg')");
        using var process = Start(out var stdout, out var stderr, "animate", Path.Combine(RepositoryPaths.Root, "samples", "0002268"), "-o", Path.Combine(Dir, output),
            "--size", "256", "--frames", "10000", "--device", "cpu", "--quiet");
        SignalWhileWriting(process, Dir, signal, () => true);
        Assert.That(process.ExitCode, Is.EqualTo(exitCode), stderr.Result);
        Assert.That(Directory.EnumerateFileSystemEntries(Dir), Is.Empty, "an output or a .partial file was left");
        Assert.That(stderr.Result, Does.Contain($"cinekernel: stopped by SIG{signal}"));
    }

    /// <summary>A batch stopped in its second row keeps the first row's output and still says its summary, marked interrupted.</summary>
    [Test]
    public void ASignalDuringABatchEndsItWithTheSummarySoFar()
    {
        string sample = Path.Combine(RepositoryPaths.Root, "samples", "0002268");
        string manifest = Path.Combine(Dir, "photos.csv");
        File.WriteAllLines(manifest, ["photo,output,frames,size", $"{sample},one.gif,2,64", $"{sample},two.gif,10000,256"]);
        string outDir = Path.Combine(Dir, "out");
        using var process = Start(out var stdout, out var stderr, "batch", manifest, "-o", outDir, "--device", "cpu");
        SignalWhileWriting(process, outDir, "TERM", () => File.Exists(Path.Combine(outDir, "one.gif")));
        Assert.That(process.ExitCode, Is.EqualTo(143), stderr.Result);
        Assert.That(Directory.EnumerateFileSystemEntries(outDir).Select(Path.GetFileName), Is.EqualTo(new[] { "one.gif" }), "the finished row stays, the unfinished one goes");
        var summary = JsonDocument.Parse(stdout.Result.TrimEnd().Split('\n')[^1]).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(summary.GetProperty("event").GetString(), Is.EqualTo("summary"), stdout.Result);
            Assert.That(summary.GetProperty("interrupted").GetString(), Is.EqualTo("SIGTERM"));
            Assert.That(summary.GetProperty("rows").GetInt32(), Is.EqualTo(2));
            Assert.That(summary.GetProperty("rendered").GetInt32(), Is.EqualTo(1));
            Assert.That(summary.GetProperty("failed").GetInt32(), Is.Zero);
        });
        Assert.That(stderr.Result, Does.Contain("cinekernel: stopped by SIGTERM").And.Contain("batch shard 0/1 stopped by SIGTERM: 1 rendered, 0 already done, 0 failed of 2 rows"));
    }

    /// <summary>The built executable with <paramref name="args"/>, its stdout and stderr read as it runs.</summary>
    private static Process Start(out Task<string> stdout, out Task<string> stderr, params string[] args)
    {
        string exe = Path.Combine(RepositoryPaths.BuildOutput("Tools"), "cinekernel");
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        stderr = process.StandardError.ReadToEndAsync();
        stdout = process.StandardOutput.ReadToEndAsync();
        return process;
    }

    /// <summary>Once <paramref name="ready"/> holds and a hidden .partial output is in <paramref name="dir"/>, sends the signal into the render and waits for the exit.</summary>
    private static void SignalWhileWriting(Process process, string dir, string signal, Func<bool> ready)
    {
        try
        {
            var clock = Stopwatch.StartNew();
            while (!(ready() && Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir, ".*.partial").Any()))
            {
                Assert.That(process.HasExited, Is.False, "the command ended before writing");
                Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "no .partial output appeared");
                Thread.Sleep(50);
            }
            Thread.Sleep(1500); // into the render, with frames written
            using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString()])) kill.WaitForExit();
            Assert.That(process.WaitForExit(TimeSpan.FromSeconds(30)), Is.True, "still running 30 s after the signal");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, program)));
}
