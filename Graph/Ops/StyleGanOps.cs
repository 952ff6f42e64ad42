using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>
/// Row <see cref="Index"/> of a w+ latent (N×1×L×D → N×1×1×D): the original's <c>latent[:, i]</c>, the style
/// one layer of the synthesis network reads (DESIGN.md "Generator": latent index i feeds convs[i−1]).
/// </summary>
public sealed class LatentRowOp(int index) : Op
{
    public int Index { get; } = index;

    public override string Name => $"w[{Index}]";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count != 1 || inputs[0].C != 1 || Index < 0 || Index >= inputs[0].H)
            throw new ArgumentException($"{Name}: needs one w+ latent N×1×L×D with L > {Index}, got {string.Join(", ", inputs)}");
        return inputs[0] with { H = 1 };
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Padding.Crop(inputs[0], output, Index, 0);
}

/// <summary>
/// demod[n,o] of a modulated conv (Kernels/ModulatedConv2d.Demodulation). Inputs: weight (Cout×Cin×K×K),
/// style (N×1×1×Cin); output N×1×1×Cout. Depends only on the style, so with a fixed latent it is hoisted.
/// </summary>
public sealed class DemodulationOp(float weightScale) : Op
{
    public override string Name => "demod";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count != 2 || inputs[1].W != inputs[0].C)
            throw new ArgumentException($"demod: needs weight Cout×Cin×K×K and style N×1×1×Cin, got {string.Join(", ", inputs)}");
        return new Shape4(inputs[1].N, 1, 1, inputs[0].N);
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        ModulatedConv2d.Demodulation(inputs[0], inputs[1], weightScale, output);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 2.0 * inputs[0].Length + 4.0 * output.Length * inputs[0].C;
}

/// <summary>
/// StyleGAN2's ModulatedConv2d as a graph op (DESIGN.md "Generator"; Kernels/ModulatedConv2d). Inputs:
/// x, weight (Cout×Cin×K×K, stored unscaled), style (N×1×1×Cin, the modulation), then demod (N×1×1×Cout)
/// unless <see cref="ModulatedConvKind.ToRgb"/>, then the blur kernel for <see cref="ModulatedConvKind.Upsample"/>,
/// then the inputs of its <see cref="Epilogue"/> (toRGB's bias; StyledConv's noise plane and FusedLeakyReLU's bias
/// once the scheduler has fused them), which the conv applies in its store (the direct conv's, or the upsampling
/// conv's blur), then, when <see cref="ReadsTransformedWeight"/> (a plain 3×3 conv, from the
/// <see cref="WinogradWeightOp"/> step the scheduler adds), the Winograd-transformed weight Cout×Cin×4×4, which
/// does not depend on the style (the style scales input channels and demod the outputs). The upsampling conv owns its
/// transposed-conv scratch.
/// </summary>
public sealed class ModulatedConvOp(ModulatedConvKind kind, float weightScale, Epilogue epilogue, bool readsTransformedWeight = false)
    : Op, IEpilogueProducer, IWeightTransformer
{
    private Tensor? scratch;

    /// <summary>A modulated conv with no epilogue, or with <paramref name="hasBias"/> a bias input (toRGB's).</summary>
    public ModulatedConvOp(ModulatedConvKind kind, float weightScale, bool hasBias = false)
        : this(kind, weightScale, hasBias ? Epilogue.Bias() : Epilogue.None)
    {
    }

    public ModulatedConvKind Kind { get; } = kind;
    public float WeightScale { get; } = weightScale;
    public Epilogue Epilogue { get; } = epilogue;

    /// <summary>
    /// Whether the last input is the Winograd-transformed weight (plain 3×3 only): a CPU device then runs
    /// <see cref="WinogradConv2d.ForwardModulated"/> (<see cref="WinogradConv2d.Preferred(DeviceKind)"/>), other devices the direct conv.
    /// </summary>
    /// <exception cref="ArgumentException">Asked of a kind other than <see cref="ModulatedConvKind.Plain"/>.</exception>
    public bool ReadsTransformedWeight { get; } = !readsTransformedWeight || kind == ModulatedConvKind.Plain ? readsTransformedWeight
        : throw new ArgumentException("modulated conv op: only the plain 3×3 conv reads a transformed weight");

    public override string Name => Kind switch
    {
        ModulatedConvKind.Plain => "modconv3x3",
        ModulatedConvKind.Upsample => "modconv↑2",
        _ => Epilogue.HasBias ? "torgb1x1+b" : "torgb1x1",
    }; // what is fused into the epilogue the plan lists by its source ops (PlanPrinter)

    private int FixedInputs => Kind switch { ModulatedConvKind.Plain => 4, ModulatedConvKind.Upsample => 5, _ => 3 };

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        if (ReadsTransformedWeight)
        {
            var own = inputs.Take(inputs.Count - 1).ToArray();
            var output = OwnOutputShape(own);
            if (inputs[^1] != WinogradConv2d.TransformedWeightShape(own[1]))
                throw new ArgumentException($"{Name}: the transformed weight is {inputs[^1]}, expected {WinogradConv2d.TransformedWeightShape(own[1])}");
            return output;
        }
        return OwnOutputShape(inputs);
    }

    private Shape4 OwnOutputShape(IReadOnlyList<Shape4> inputs)
    {
        int expected = FixedInputs + Epilogue.InputCount;
        if (inputs.Count != expected)
            throw new ArgumentException($"{Name}: expects {expected} inputs (x, weight, style{(Kind == ModulatedConvKind.ToRgb ? "" : ", demod")}" +
                                        $"{(Kind == ModulatedConvKind.Upsample ? ", blur" : "")}, then the epilogue's: {Epilogue}), got {inputs.Count}");
        var (x, w) = (inputs[0], inputs[1]);
        if (w.C != x.C) throw new ArgumentException($"{Name}: weight {w} expects {w.C} input channels, x {x} has {x.C}");
        var output = Kind == ModulatedConvKind.Upsample ? x with { C = w.N, H = 2 * x.H, W = 2 * x.W } : x with { C = w.N };
        Epilogue.CheckInputs(Name, inputs, FixedInputs, output);
        return output;
    }

    public override void Prepare(ComputeDevice device, IReadOnlyList<Shape4> inputs)
    {
        if (Kind != ModulatedConvKind.Upsample) return;
        scratch?.Dispose();
        scratch = device.Allocate(ModulatedConv2d.UpsampleScratchShape(inputs[0], inputs[1]));
    }

    public override void Release()
    {
        scratch?.Dispose();
        scratch = null;
    }

    public override long OwnedBytes => scratch?.Length * sizeof(float) ?? 0;

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output)
    {
        var (x, w, style) = (inputs[0], inputs[1], inputs[2]);
        var epilogue = Epilogue.Bind(inputs, FixedInputs);
        switch (Kind)
        {
            case ModulatedConvKind.Plain when ReadsTransformedWeight && WinogradConv2d.Preferred(context.Device):
                WinogradConv2d.ForwardModulated(x, inputs[^1], style, inputs[3], output, WeightScale, epilogue);
                break;
            case ModulatedConvKind.Plain:
                ModulatedConv2d.Forward(x, w, style, inputs[3], output, WeightScale, epilogue);
                break;
            case ModulatedConvKind.Upsample:
                var s = scratch ?? throw new InvalidOperationException($"{Name}: Prepare was not called");
                ModulatedConv2d.ForwardUpsample(x, w, style, inputs[3], inputs[4], s, output, WeightScale, epilogue);
                break;
            default:
                ModulatedConv2d.Forward(x, w, style, null, output, WeightScale, epilogue);
                break;
        }
    }

    /// <summary>The conv kernels and the blur apply any epilogue (not added once the op reads a transformed weight,
    /// which the scheduler adds after fusing).</summary>
    public Op? WithEpilogue(Epilogue epilogue, IReadOnlyList<Shape4> inputs) =>
        ReadsTransformedWeight ? null : new ModulatedConvOp(Kind, WeightScale, epilogue);

    /// <summary>The plain 3×3 conv reads Winograd's G g Gᵀ of its weight (input 1).</summary>
    public WeightTransform? WeightTransform(IReadOnlyList<Shape4> inputs, DeviceKind? target) =>
        Kind != ModulatedConvKind.Plain || ReadsTransformedWeight || inputs.Count < 2 || !WinogradConv2d.Supports(inputs[1], 1) ||
        (target is { } kind && !WinogradConv2d.Preferred(kind))
            ? null
            : new WeightTransform(1, new WinogradWeightOp(), new ModulatedConvOp(Kind, WeightScale, Epilogue, readsTransformedWeight: true));

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output)
    {
        var w = inputs[1];
        double conv = Kind == ModulatedConvKind.Upsample
            ? 2.0 * inputs[0].Length * w.N * w.H * w.W // transposed conv: every input tap meets every weight tap
              + 2.0 * output.Length * 16 / 4           // blur, 4 of 16 taps non-zero per output on average
            : 2.0 * output.Length * w.C * w.H * w.W;
        return conv;
    }
}

/// <summary>
/// upfirdn2d as a graph op (inputs: x, kernel KH×KW, then the inputs of its <see cref="Epilogue"/>, which the
/// FIR applies in its store): toRGB's skip upsampling (up 2, pad (2,1), the stored kernel
/// [1,3,3,1]ᵀ[1,3,3,1]/64 × 4).
/// </summary>
public sealed class UpfirdnOp(UpfirdnParams parameters, Epilogue? epilogue = null) : Op, IEpilogueProducer
{
    public UpfirdnParams Parameters { get; } = parameters;

    public Epilogue Epilogue { get; } = epilogue ?? Epilogue.None;

    public override string Name => Parameters.Up == 2 && Parameters.Down == 1 ? "upsample×2" : $"upfirdn(up {Parameters.Up}, down {Parameters.Down})";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count < 2) throw new ArgumentException($"{Name}: needs x and a kernel");
        var output = Upfirdn2d.OutputShape(inputs[0], inputs[1].H, inputs[1].W, Parameters);
        Epilogue.CheckInputs(Name, inputs, 2, output);
        return output;
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Upfirdn2d.Forward(inputs[0], inputs[1], output, Parameters, Epilogue.Bind(inputs, 2));

    /// <summary>The FIR kernel applies any epilogue.</summary>
    public Op? WithEpilogue(Epilogue epilogue, IReadOnlyList<Shape4> inputs) => new UpfirdnOp(Parameters, epilogue);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) =>
        2.0 * output.Length * inputs[1].H * inputs[1].W / (Parameters.Up * Parameters.Up) + Epilogue.FlopsPerElement * output.Length;
}
