using CineKernel.Tests.WeightsLoader;
using CineKernel.Tools;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary>Runs the CLI in-process and captures what it prints.</summary>
public abstract class CliTestBase : FileTestBase
{
    protected static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Cli.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// A refusal as the command line promises it: a non-zero exit, one line <c>cinekernel: error: ...</c> holding each
    /// of <paramref name="expected"/>, no <paramref name="output"/> and no temporary output left behind.
    /// </summary>
    protected void AssertRefused((int Exit, string Out, string Err) r, string output, params string[] expected)
    {
        Assert.That(r.Exit, Is.Not.Zero, r.Err);
        Assert.That(r.Err.TrimEnd().Split('\n'), Has.Length.EqualTo(1), $"one line: {r.Err}");
        Assert.That(r.Err, Does.StartWith("cinekernel: error:"));
        foreach (var e in expected) Assert.That(r.Err, Does.Contain(e));
        Assert.That(File.Exists(output) || Directory.Exists(output), Is.False, "no output after a failure");
        Assert.That(Directory.GetFiles(Dir, "*.partial"), Is.Empty, "no temporary output left behind");
    }
}
