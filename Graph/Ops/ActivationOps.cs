using System.Globalization;
using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>f(x) for an <see cref="ActivationFunction"/>: an epilogue any conv or linear absorbs.</summary>
public sealed class ActivationOp(ActivationFunction function) : Op
{
    public ActivationFunction Function { get; } = function;

    public override string Name => Describe(Function);

    public override bool IsEpilogue => true;

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) => inputs[0];

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Activation.Apply(inputs[0], output, Function);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 2.0 * output.Length;

    internal static string Describe(ActivationFunction f) =>
        f == ActivationFunction.Identity ? "identity"
        : f == ActivationFunction.Relu ? "relu"
        : f == ActivationFunction.FusedLeakyRelu ? "lrelu√2"
        : string.Create(CultureInfo.InvariantCulture, $"act({f.NegativeSlope},{f.Gain})");
}

/// <summary>PReLU with one slope per channel. Inputs: x, slopes (C).</summary>
public sealed class PReluOp : Op
{
    public override string Name => "prelu";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) =>
        inputs.Count == 2 && inputs[1].Length == inputs[0].C ? inputs[0] : throw new ArgumentException($"prelu: needs x and {inputs[0].C} slopes");

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Activation.PRelu(inputs[0], inputs[1], output);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 2.0 * output.Length;
}
