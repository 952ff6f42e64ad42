using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>
/// A linear layer (Kernels/Linear) as a graph op. Inputs: x, weight (Out×In), optionally bias (Out).
/// Rows layout: x is N×…×In with the features last (shape N×1×Rows×In, output N×1×Rows×Out).
/// Per-pixel layout: x is NCHW with features along C (a 1×1 conv). The inputs of its <see cref="Epilogue"/> follow
/// (the options' activation is its first term); the kernel applies it in its store. Absorbs any epilogue without
/// noise and without a second bias.
/// </summary>
public sealed class LinearOp(LinearOptions options, bool perPixel = false, Epilogue? epilogue = null) : Op, IEpilogueProducer
{
    public LinearOptions Options { get; } = options with { Activation = ActivationFunction.Identity };

    /// <summary>The epilogue the layer applies; from the options' activation unless given.</summary>
    /// <exception cref="ArgumentException">Both given, the options' activation not the identity.</exception>
    public Epilogue Epilogue { get; } = epilogue is null ? Epilogue.Activate(options.Activation)
        : options.Activation == ActivationFunction.Identity ? epilogue
        : throw new ArgumentException("linear op: give the activation in the options or in the epilogue, not both");

    public bool PerPixel { get; } = perPixel;

    public override string Name => (PerPixel ? "linear/px" : "linear") +
        (Epilogue == Epilogue.None ? "" : $"·{Epilogue}");

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        int own = inputs.Count - Epilogue.InputCount;
        if (own is < 2 or > 3) throw new ArgumentException($"{Name}: expects x, weight, an optional bias, then the epilogue's inputs ({Epilogue})");
        var (x, w) = (inputs[0], inputs[1]);
        int outFeatures = w.H, inFeatures = w.W;
        if (w.Length != (long)outFeatures * inFeatures) throw new ArgumentException($"{Name}: weight {w} must be Out×In");
        var output = PerPixel
            ? (x.C == inFeatures || Options.WeightColumnOffset is not null ? x with { C = outFeatures } : throw new ArgumentException($"{Name}: x {x} has {x.C} features, weight {w} expects {inFeatures}"))
            : (x.W == inFeatures || Options.WeightColumnOffset is not null ? x with { W = outFeatures } : throw new ArgumentException($"{Name}: x {x} has {x.W} features, weight {w} expects {inFeatures}"));
        Epilogue.CheckInputs(Name, inputs, own, PerPixel ? output : new Shape4(1, outFeatures, 1, 1));
        return output;
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output)
    {
        int own = inputs.Count - Epilogue.InputCount;
        var epilogue = Epilogue.Bind(inputs, own);
        if (own > 2) epilogue = epilogue with { Bias = inputs[2], BiasScale = Options.BiasScale };
        var options = Options with { BiasScale = 1f };
        if (PerPixel) Linear.ForwardPerPixel(inputs[0], inputs[1], output, options, epilogue);
        else Linear.Forward(inputs[0], inputs[1], output, options, epilogue);
    }

    /// <summary>The linear kernels apply any epilogue but noise, with one bias.</summary>
    public Op? WithEpilogue(Epilogue epilogue, IReadOnlyList<Shape4> inputs) =>
        epilogue.HasNoise || (epilogue.HasBias && inputs.Count - Epilogue.InputCount > 2)
            ? null
            : new LinearOp(Options, PerPixel, epilogue);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) =>
        2.0 * output.Length * (PerPixel ? inputs[0].C : inputs[0].W);
}
