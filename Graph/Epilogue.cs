using System.Globalization;
using CineKernel.Kernels;

namespace CineKernel.Graph;

/// <summary>
/// An element-wise tail a producing kernel can apply as it stores each value v (DESIGN.md "Graph": the scheduler
/// fuses element-wise epilogues into the producing kernel; "Performance": bias, noise, activation and scale fuse
/// into the conv's epilogue). Always in this order, StyledConv's:
/// <code>
///   out[n,c,y,x] = f(v + residual[n,c,y,x] + noiseWeight · noise[n,y,x] + bias[c]) · scale + shift
/// </code>
/// The tensors are graph inputs of the op that applies it, after its own inputs: <see cref="ResidualInput"/>,
/// <see cref="NoiseInput"/> and <see cref="BiasInput"/> count from there (-1 for an absent term). A residual has the
/// output's shape (a residual connection, StyleGAN2's toRGB skip sum: <see cref="Ops.AddOp"/> is this epilogue of its
/// first input); a noise plane is 1×1×H×W or N×1×H×W of the output; a bias holds C values in any shape. Immutable;
/// <see cref="Then"/> composes two.
/// </summary>
public sealed record Epilogue
{
    /// <summary>Stores v unchanged.</summary>
    public static Epilogue None { get; } = new();

    /// <summary>Which epilogue input is the residual (the output's shape), or -1 for none.</summary>
    public int ResidualInput { get; init; } = -1;

    /// <summary>Which epilogue input is the noise plane, or -1 for no noise.</summary>
    public int NoiseInput { get; init; } = -1;

    /// <summary>The noise plane's strength (any finite value; unused without noise).</summary>
    public float NoiseWeight { get; init; }

    /// <summary>Which epilogue input is the per-channel bias, or -1 for no bias.</summary>
    public int BiasInput { get; init; } = -1;

    /// <summary>f, applied after the noise and the bias.</summary>
    public ActivationFunction Activation { get; init; } = ActivationFunction.Identity;

    /// <summary>Multiplies f's result.</summary>
    public float Scale { get; init; } = 1f;

    /// <summary>Added last.</summary>
    public float Shift { get; init; }

    /// <summary>x + r: a residual or skip sum (one input, r, of x's shape).</summary>
    public static Epilogue Residual() => new() { ResidualInput = 0 };

    /// <summary>x + weight·noise: StyleGAN2's NoiseInjection (one input, the plane).</summary>
    public static Epilogue Noise(float weight) => new() { NoiseInput = 0, NoiseWeight = weight };

    /// <summary>f(x + bias[c]) (one input, the bias); f the identity unless given.</summary>
    public static Epilogue Bias(ActivationFunction? activation = null) =>
        new() { BiasInput = 0, Activation = activation ?? ActivationFunction.Identity };

    /// <summary>f(x) (no input).</summary>
    public static Epilogue Activate(ActivationFunction activation) => new() { Activation = activation };

    /// <summary>x·scale + shift (no input).</summary>
    public static Epilogue Affine(float scale, float shift) => new() { Scale = scale, Shift = shift };

    public bool HasNoise => NoiseInput >= 0;

    public bool HasBias => BiasInput >= 0;

    public bool HasResidual => ResidualInput >= 0;

    /// <summary>Tensors the epilogue reads besides v: 0 to 3.</summary>
    public int InputCount => (HasResidual ? 1 : 0) + (HasNoise ? 1 : 0) + (HasBias ? 1 : 0);

    /// <summary>True when a term acts after the sum (activation, scale or shift): residual, noise and bias can no longer follow.</summary>
    public bool HasOutputTerms => Activation != ActivationFunction.Identity || Scale != 1f || Shift != 0f;

    /// <summary>
    /// This epilogue followed by <paramref name="next"/> as one epilogue, or null when that is not of the form
    /// above: a second residual, noise or bias, a residual, noise, bias or activation after an activation, scale or
    /// shift. The sum's terms are added in the form's order, so a residual after a noise or a bias is added before
    /// them: the same sum, reassociated (float rounding may differ in the last place). The combined epilogue reads
    /// this one's inputs, then <paramref name="next"/>'s.
    /// </summary>
    public Epilogue? Then(Epilogue next)
    {
        if (next.HasResidual && (HasResidual || HasOutputTerms)) return null;
        if (next.HasNoise && (HasNoise || HasOutputTerms)) return null;
        if (next.HasBias && (HasBias || HasOutputTerms)) return null;
        if (next.Activation != ActivationFunction.Identity && HasOutputTerms) return null;
        return this with
        {
            ResidualInput = next.HasResidual ? InputCount + next.ResidualInput : ResidualInput,
            NoiseInput = next.HasNoise ? InputCount + next.NoiseInput : NoiseInput,
            NoiseWeight = next.HasNoise ? next.NoiseWeight : NoiseWeight,
            BiasInput = next.HasBias ? InputCount + next.BiasInput : BiasInput,
            Activation = next.Activation == ActivationFunction.Identity ? Activation : next.Activation,
            Scale = Scale * next.Scale,
            Shift = Shift * next.Scale + next.Shift,
        };
    }

    /// <summary>
    /// Checks the epilogue's input shapes: <paramref name="inputs"/>[<paramref name="first"/>..] for an output of
    /// <paramref name="output"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A count or shape that does not fit, named after <paramref name="op"/>.</exception>
    public void CheckInputs(string op, IReadOnlyList<Shape4> inputs, int first, Shape4 output)
    {
        if (inputs.Count != first + InputCount)
            throw new ArgumentException($"{op}: expects {first} inputs and the epilogue's {InputCount} ({this}), got {inputs.Count}");
        if (HasResidual && inputs[first + ResidualInput] != output)
            throw new ArgumentException($"{op}: residual {inputs[first + ResidualInput]} must have the output's shape {output}");
        if (HasBias && inputs[first + BiasInput].Length != output.C)
            throw new ArgumentException($"{op}: bias {inputs[first + BiasInput]} must hold one value per channel of {output}");
        if (HasNoise && inputs[first + NoiseInput] is var n && (n.C != 1 || n.H != output.H || n.W != output.W || (n.N != 1 && n.N != output.N)))
            throw new ArgumentException($"{op}: noise {n} must be 1×1×{output.H}×{output.W} or {output.N}×1×{output.H}×{output.W}");
    }

    /// <summary>The kernels' form, with the tensors taken from <paramref name="inputs"/>[<paramref name="first"/>..].</summary>
    public EpilogueArguments Bind(IReadOnlyList<Tensor> inputs, int first) => new()
    {
        Residual = HasResidual ? inputs[first + ResidualInput] : null,
        Noise = HasNoise ? inputs[first + NoiseInput] : null,
        NoiseWeight = NoiseWeight,
        Bias = HasBias ? inputs[first + BiasInput] : null,
        Activation = Activation,
        Scale = Scale,
        Shift = Shift,
    };

    /// <summary>Arithmetic per output element: 1 for a residual, 2 for noise, 1 for a bias, 2 for an activation, 2 for scale and shift.</summary>
    public double FlopsPerElement =>
        (HasResidual ? 1 : 0) + (HasNoise ? 2 : 0) + (HasBias ? 1 : 0) + (Activation != ActivationFunction.Identity ? 2 : 0) + (Scale != 1f || Shift != 0f ? 2 : 0);

    /// <summary>The terms in order, joined by '·': e.g. <c>residual·bias</c>, <c>noise×0.1·bias·lrelu√2</c>, <c>scale(2,1)</c>; <c>none</c> for <see cref="None"/>.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (HasResidual) parts.Add("residual");
        if (HasNoise) parts.Add(string.Create(CultureInfo.InvariantCulture, $"noise×{NoiseWeight:G4}"));
        if (HasBias) parts.Add("bias");
        if (Activation != ActivationFunction.Identity) parts.Add(Describe(Activation));
        if (Scale != 1f || Shift != 0f) parts.Add(string.Create(CultureInfo.InvariantCulture, $"scale({Scale},{Shift})"));
        return parts.Count == 0 ? "none" : string.Join("·", parts);
    }

    /// <summary>A short name of an activation: identity, relu, lrelu√2 (StyleGAN2's fused leaky ReLU) or act(slope,gain).</summary>
    public static string Describe(ActivationFunction f) =>
        f == ActivationFunction.Identity ? "identity"
        : f == ActivationFunction.Relu ? "relu"
        : f == ActivationFunction.FusedLeakyRelu ? "lrelu√2"
        : string.Create(CultureInfo.InvariantCulture, $"act({f.NegativeSlope},{f.Gain})");
}
