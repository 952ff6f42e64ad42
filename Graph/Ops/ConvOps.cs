using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>
/// conv2d (Kernels/Conv2d) as a graph op. Inputs: x, weight (Cout×Cin×KH×KW), optionally bias (Cout), then the
/// inputs of its <see cref="Epilogue"/>, which the conv applies in its store (the options' activation is its
/// first term). Absorbs any epilogue that brings no second bias.
/// </summary>
public sealed class Conv2dOp(Conv2dOptions options, Epilogue? epilogue = null) : Op, IEpilogueProducer
{
    public Conv2dOptions Options { get; } = options with { Epilogue = ActivationFunction.Identity };

    /// <summary>The epilogue the conv applies; from the options' activation unless given.</summary>
    /// <exception cref="ArgumentException">Both given, the options' activation not the identity.</exception>
    public Epilogue Epilogue { get; } = epilogue is null ? Epilogue.Activate(options.Epilogue)
        : options.Epilogue == ActivationFunction.Identity ? epilogue
        : throw new ArgumentException("conv2d op: give the activation in the options or in the epilogue, not both");

    public override string Name =>
        $"conv{Options.Padding.Top}:{Options.Stride}" + (Epilogue == Epilogue.None ? "" : $"·{Epilogue}");

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        int own = inputs.Count - Epilogue.InputCount;
        if (own is < 2 or > 3) throw new ArgumentException($"{Name}: expects x, weight, an optional bias, then the epilogue's inputs ({Epilogue})");
        if (inputs[1].C != inputs[0].C)
            throw new ArgumentException($"{Name}: weight {inputs[1]} expects {inputs[1].C} input channels, x {inputs[0]} has {inputs[0].C}");
        var output = Conv2d.OutputShape(inputs[0], inputs[1], Options.Stride, Options.Padding);
        Epilogue.CheckInputs(Name, inputs, own, output);
        return output;
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output)
    {
        int own = inputs.Count - Epilogue.InputCount;
        var epilogue = Epilogue.Bind(inputs, own);
        if (own > 2) epilogue = epilogue with { Bias = inputs[2] };
        Conv2d.Forward(inputs[0], inputs[1], output, Options, epilogue);
    }

    /// <summary>The conv kernel applies any epilogue, but one bias only.</summary>
    public Op? WithEpilogue(Epilogue epilogue, IReadOnlyList<Shape4> inputs) =>
        epilogue.HasBias && inputs.Count - Epilogue.InputCount > 2 ? null : new Conv2dOp(Options, epilogue);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) =>
        2.0 * output.Length * inputs[1].C * inputs[1].H * inputs[1].W;
}
