using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>
/// An op that is nothing but an <see cref="Graph.Epilogue"/> of its first input: out = epilogue(x), x N×C×H×W, then
/// the epilogue's tensors (a noise plane 1×1×H×W or N×1×H×W, a bias of C values). The scheduler fuses it into the
/// kernel that produces x when that kernel applies epilogues (<see cref="IEpilogueProducer"/>); otherwise it runs
/// as one element-wise pass (<see cref="ElementWise.ApplyEpilogue"/>), which in turn absorbs the epilogues after it.
/// </summary>
public class EpilogueOp(Epilogue epilogue, string? name = null) : Op, IEpilogueProducer
{
    public Epilogue Epilogue { get; } = epilogue;

    public override string Name => name ?? Epilogue.ToString();

    public override Epilogue? AsEpilogue => Epilogue;

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count == 0) throw new ArgumentException($"{Name}: needs x");
        Epilogue.CheckInputs(Name, inputs, 1, inputs[0]);
        return inputs[0];
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        ElementWise.ApplyEpilogue(inputs[0], Epilogue.Bind(inputs, 1), output, Name);

    /// <summary>The element-wise pass applies any epilogue.</summary>
    public Op? WithEpilogue(Epilogue epilogue, IReadOnlyList<Shape4> inputs) => new EpilogueOp(epilogue);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => Epilogue.FlopsPerElement * output.Length;
}

/// <summary>out = f(x + bias[c]) (inputs: x, C biases in any shape): a bias alone (f the identity), or with an activation.</summary>
public class BiasOp(ActivationFunction function) : EpilogueOp(Epilogue.Bias(function))
{
    public BiasOp() : this(ActivationFunction.Identity)
    {
    }

    public ActivationFunction Function => Epilogue.Activation;
}

/// <summary>
/// StyledConv's <c>activate</c>, FusedLeakyReLU: leaky ReLU 0.2 of (x + bias[c]), × √2 (DESIGN.md "Generator").
/// Inputs: x, bias (C).
/// </summary>
public sealed class FusedLeakyReluOp() : BiasOp(ActivationFunction.FusedLeakyRelu);

/// <summary>
/// NoiseInjection: x + weight·noise (inputs: x, the stored noise plane 1×1×H×W), broadcast over channels.
/// </summary>
public sealed class NoiseOp(float weight) : EpilogueOp(Epilogue.Noise(weight), "noise")
{
    public float Weight => Epilogue.NoiseWeight;
}

/// <summary>f(x) for an <see cref="ActivationFunction"/>.</summary>
public sealed class ActivationOp(ActivationFunction function) : EpilogueOp(Epilogue.Activate(function))
{
    public ActivationFunction Function => Epilogue.Activation;
}

/// <summary>
/// out = x·scale + shift, two scalars (finite). Absorbed by any producer that applies epilogues (the convs, the
/// linear layers, upfirdn2d, another epilogue op), after its other terms; not by ops without an epilogue in their
/// store, such as <see cref="AddOp"/>.
/// </summary>
public sealed class ScaleShiftOp(float scale, float shift = 0f) : EpilogueOp(Epilogue.Affine(scale, shift))
{
    public float Scale => Epilogue.Scale;
    public float Shift => Epilogue.Shift;
}
