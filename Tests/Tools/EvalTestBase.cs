using CineKernel.Tests.Support;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

/// <summary>
/// Runs <c>cinekernel eval OP</c> on a golden fixture through the command line and compares what it
/// wrote with the fixture's tensors (the parity contract every outside check uses too).
/// </summary>
public abstract class EvalTestBase : CliTestBase
{
    /// <summary>The fixture the ops read their inputs (and weights) from.</summary>
    protected abstract string Inputs { get; }

    protected SafetensorsFile RunOp(string op, params string[] options)
    {
        string output = PathOf($"{op}.safetensors");
        var (code, _, err) = Run(["eval", op, "--inputs", Inputs, "--output", output, .. options]);
        Assert.That(code, Is.EqualTo(0), err);
        return SafetensorsFile.Open(output);
    }

    /// <summary>Relative error within <paramref name="tolerance"/>; a tolerance of 0 demands the same bits.</summary>
    protected static void AssertSame(SafetensorsFile actual, SafetensorsFile golden, string name, double tolerance)
    {
        var a = actual.Read(name);
        var g = golden.Read(name);
        Assert.That(a.Shape, Is.EqualTo(g.Shape), $"{name}: shape");
        Numerics.AssertClose(a.Data, g.Data, tolerance, name);
        if (tolerance == 0) Assert.That(a.Data, Is.EqualTo(g.Data), $"{name} must match bit for bit");
    }
}
