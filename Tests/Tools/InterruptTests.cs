using System.Diagnostics;
using CineKernel.Tests.Support;
using CineKernel.Tests.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary>
/// SIGTERM or Ctrl-C (SIGINT) while <c>animate</c> writes: the process exits 128 + the signal's number, leaves no
/// output and no hidden <c>.partial</c> file or folder, and says so in one line. Runs the built executable, since a
/// signal goes to a process.
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
        string exe = Path.Combine(RepositoryPaths.BuildOutput("Tools"), "cinekernel");
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "animate", Path.Combine(RepositoryPaths.Root, "samples", "0002268"), "-o", Path.Combine(Dir, output),
                     "--size", "256", "--frames", "10000", "--device", "cpu", "--quiet" })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            while (!Directory.EnumerateFileSystemEntries(Dir, ".*.partial").Any())
            {
                Assert.That(process.HasExited, Is.False, "animate ended before writing");
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
        Assert.That(process.ExitCode, Is.EqualTo(exitCode), stderr.Result);
        Assert.That(Directory.EnumerateFileSystemEntries(Dir), Is.Empty, "an output or a .partial file was left");
        Assert.That(stderr.Result, Does.Contain($"cinekernel: stopped by SIG{signal}"));
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, program)));
}
