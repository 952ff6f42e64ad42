using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>
/// conv2d (Kernels/Conv2d) as a graph op. Inputs: x, weight (Cout×Cin×KH×KW), optionally bias (Cout), then the
/// inputs of its <see cref="Epilogue"/>, which the conv applies in its store (the options' activation is its
/// first term), then, when <see cref="ReadsTransformedWeight"/>, the Winograd-transformed weight (Cout×Cin×4×4, from the
/// <see cref="WinogradWeightOp"/> step the scheduler adds for a 3×3 stride-1 conv). Absorbs any epilogue that brings
/// no second bias (before the scheduler adds the transform).
/// </summary>
public sealed class Conv2dOp(Conv2dOptions options, Epilogue? epilogue = null, bool readsTransformedWeight = false)
    : Op, IEpilogueProducer, IWeightTransformer
{
    public Conv2dOptions Options { get; } = options with { Epilogue = ActivationFunction.Identity };

    /// <summary>The epilogue the conv applies; from the options' activation unless given.</summary>
    /// <exception cref="ArgumentException">Both given, the options' activation not the identity.</exception>
    public Epilogue Epilogue { get; } = epilogue is null ? Epilogue.Activate(options.Epilogue)
        : options.Epilogue == ActivationFunction.Identity ? epilogue
        : throw new ArgumentException("conv2d op: give the activation in the options or in the epilogue, not both");

    /// <summary>
    /// Whether the last input is the Winograd-transformed weight: a CPU device then runs
    /// <see cref="WinogradConv2d"/> (<see cref="WinogradConv2d.Preferred(DeviceKind)"/>), other devices the direct conv.
    /// </summary>
    public bool ReadsTransformedWeight { get; } = readsTransformedWeight;

    public override string Name =>
        $"conv{Options.Padding.Top}:{Options.Stride}" + (Epilogue == Epilogue.None ? "" : $"·{Epilogue}");

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        var own = WithoutTransformedWeight(inputs);
        int count = own.Count - Epilogue.InputCount;
        if (count is < 2 or > 3) throw new ArgumentException($"{Name}: expects x, weight, an optional bias, then the epilogue's inputs ({Epilogue})");
        if (own[1].C != own[0].C)
            throw new ArgumentException($"{Name}: weight {own[1]} expects {own[1].C} input channels, x {own[0]} has {own[0].C}");
        var output = Conv2d.OutputShape(own[0], own[1], Options.Stride, Options.Padding);
        Epilogue.CheckInputs(Name, own, count, output);
        if (ReadsTransformedWeight && inputs[^1] != WinogradConv2d.TransformedWeightShape(own[1]))
            throw new ArgumentException($"{Name}: the transformed weight is {inputs[^1]}, expected {WinogradConv2d.TransformedWeightShape(own[1])}");
        return output;
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output)
    {
        var own = WithoutTransformedWeight(inputs);
        int count = own.Count - Epilogue.InputCount;
        var epilogue = Epilogue.Bind(own, count);
        if (count > 2) epilogue = epilogue with { Bias = own[2] };
        if (ReadsTransformedWeight && WinogradConv2d.Preferred(context.Device))
            WinogradConv2d.Forward(own[0], inputs[^1], output, Options, epilogue);
        else
            Conv2d.Forward(own[0], own[1], output, Options, epilogue);
    }

    /// <summary>The conv kernel applies any epilogue, but one bias only (and none once it reads a transformed weight,
    /// which the scheduler adds after fusing).</summary>
    public Op? WithEpilogue(Epilogue epilogue, IReadOnlyList<Shape4> inputs) =>
        ReadsTransformedWeight || (epilogue.HasBias && inputs.Count - Epilogue.InputCount > 2) ? null : new Conv2dOp(Options, epilogue);

    /// <summary>A 3×3 stride-1 conv reads Winograd's G g Gᵀ of its weight (input 1).</summary>
    public WeightTransform? WeightTransform(IReadOnlyList<Shape4> inputs, DeviceKind? target) =>
        ReadsTransformedWeight || inputs.Count < 2 || !WinogradConv2d.Supports(inputs[1], Options.Stride) ||
        (target is { } kind && !WinogradConv2d.Preferred(kind))
            ? null
            : new WeightTransform(1, new WinogradWeightOp(), new Conv2dOp(Options, Epilogue, readsTransformedWeight: true));

    /// <summary>The direct conv's count (2 per multiply-add), whichever kernel runs: Winograd's rate is an effective one.</summary>
    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) =>
        2.0 * output.Length * inputs[1].C * inputs[1].H * inputs[1].W;

    private IReadOnlyList<T> WithoutTransformedWeight<T>(IReadOnlyList<T> inputs) =>
        ReadsTransformedWeight ? inputs.Take(inputs.Count - 1).ToArray() : inputs;
}
