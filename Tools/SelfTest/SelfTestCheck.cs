using CineKernel.Kernels;

namespace CineKernel.Tools.SelfTest;

/// <summary>
/// One check of <c>cinekernel selftest</c>: runs a kernel family or a network on small inputs on a device and
/// returns the values to compare with its expectation, the tensor named <see cref="Name"/> in the expectations
/// file (<see cref="SelfTestData"/>). Inputs and parameters are made by the check itself from fixed seeds
/// (<see cref="Pipeline.Weights.RandomWeights"/>) or, for parity with the original implementation, read from
/// the same file (<c>NAME/in.*</c>, subsets of the golden fixtures). The tests regenerate every expectation from
/// the float64 references and the fixtures (Tests/Tools/SelfTestDataTests.cs), so the shipped file cannot drift.
/// </summary>
public abstract class SelfTestCheck(string name, string family, double tolerance, bool quick)
{
    /// <summary>Unique, <c>family-ish/case</c>, e.g. <c>conv2d/k3-pad1-bias-lrelu</c>; also the expectation's tensor name.</summary>
    public string Name { get; } = name;

    /// <summary>The kernel family or network, e.g. <c>convolution</c>, <c>network</c>.</summary>
    public string Family { get; } = family;

    /// <summary>
    /// The largest error allowed, for both the max and the rms relative error (<see cref="SelfTestComparison"/>);
    /// the tolerance the tests use for the same comparison. 0 demands the same bits.
    /// </summary>
    public double Tolerance { get; } = tolerance;

    /// <summary>Part of <c>selftest --quick</c> (a subset that takes seconds on the CPU).</summary>
    public bool Quick { get; } = quick;

    /// <summary>Runs the check on <paramref name="device"/> and returns the values its expectation holds (in that order).</summary>
    /// <exception cref="InvalidDataException">An input the check reads from <paramref name="data"/> is missing.</exception>
    public abstract float[] Run(ComputeDevice device, SelfTestData data);

    public override string ToString() => Name;
}
