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

/// <summary>Which of StyleGAN2's three modulated convs a <see cref="ModulatedConvOp"/> is.</summary>
public enum ModulatedConvKind
{
    /// <summary>3×3, stride 1, demodulated (the second conv of a block, and conv1).</summary>
    Plain,

    /// <summary>Transposed conv stride 2 + blur, demodulated (the first conv of a block).</summary>
    Upsample,

    /// <summary>1×1 without demodulation (toRGB).</summary>
    ToRgb,
}

/// <summary>
/// StyleGAN2's ModulatedConv2d as a graph op (DESIGN.md "Generator"; Kernels/ModulatedConv2d). Inputs:
/// x, weight (Cout×Cin×K×K, stored unscaled), style (N×1×1×Cin, the modulation), then demod (N×1×1×Cout)
/// unless <see cref="ModulatedConvKind.ToRgb"/>, then the blur kernel for <see cref="ModulatedConvKind.Upsample"/>,
/// then an optional bias (Cout) fused with <see cref="Epilogue"/>. Absorbs a following
/// <see cref="FusedLeakyReluOp"/> (while no bias is in) and, before it, a following <see cref="NoiseOp"/> (into the
/// direct conv's epilogue, or the upsampling conv's blur). The upsampling conv owns its transposed-conv
/// scratch.
/// </summary>
public sealed class ModulatedConvOp(ModulatedConvKind kind, float weightScale, ActivationFunction? epilogue = null,
    bool hasBias = false, float? noiseWeight = null) : Op
{
    private Tensor? scratch;

    public ModulatedConvKind Kind { get; } = kind;
    public float WeightScale { get; } = weightScale;
    public ActivationFunction Epilogue { get; } = epilogue ?? ActivationFunction.Identity;
    public bool HasBias { get; } = hasBias;

    /// <summary>The noise strength when a <see cref="NoiseOp"/> is fused in (its plane is the input after the bias).</summary>
    public float? NoiseWeight { get; } = noiseWeight;

    public override string Name => Kind switch
    {
        ModulatedConvKind.Plain => "modconv3x3",
        ModulatedConvKind.Upsample => "modconv↑2",
        _ => HasBias ? "torgb1x1+b" : "torgb1x1",
    }; // what is fused into the epilogue the plan lists by its source ops (PlanPrinter)

    private int FixedInputs => Kind switch { ModulatedConvKind.Plain => 4, ModulatedConvKind.Upsample => 5, _ => 3 };

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        int expected = FixedInputs + (NoiseWeight is null ? 0 : 1) + (HasBias ? 1 : 0);
        if (inputs.Count != expected)
            throw new ArgumentException($"{Name}: expects {expected} inputs (x, weight, style{(Kind == ModulatedConvKind.ToRgb ? "" : ", demod")}" +
                                        $"{(Kind == ModulatedConvKind.Upsample ? ", blur" : "")}{(NoiseWeight is null ? "" : ", noise")}{(HasBias ? ", bias" : "")}), got {inputs.Count}");
        var (x, w) = (inputs[0], inputs[1]);
        if (w.C != x.C) throw new ArgumentException($"{Name}: weight {w} expects {w.C} input channels, x {x} has {x.C}");
        if (Kind == ModulatedConvKind.Upsample)
            return x with { C = w.N, H = 2 * x.H, W = 2 * x.W };
        return x with { C = w.N };
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
        int next = FixedInputs;
        var noise = NoiseWeight is null ? null : inputs[next++];
        var bias = HasBias ? inputs[next] : null;
        switch (Kind)
        {
            case ModulatedConvKind.Plain:
                ModulatedConv2d.Forward(x, w, style, inputs[3], bias, output, WeightScale, Epilogue, noise, NoiseWeight ?? 0f);
                break;
            case ModulatedConvKind.Upsample:
                var s = scratch ?? throw new InvalidOperationException($"{Name}: Prepare was not called");
                ModulatedConv2d.ForwardUpsample(x, w, style, inputs[3], inputs[4], s, bias, output, WeightScale, Epilogue,
                    noise, NoiseWeight ?? 0f);
                break;
            default:
                ModulatedConv2d.Forward(x, w, style, null, bias, output, WeightScale, Epilogue);
                break;
        }
    }

    public override Op? TryFuse(Op epilogue) => epilogue switch
    {
        // conv → noise → bias+act: the noise term must come first, so it fuses only while no bias is in.
        NoiseOp n when Kind != ModulatedConvKind.ToRgb && NoiseWeight is null && !HasBias =>
            new ModulatedConvOp(Kind, WeightScale, Epilogue, false, n.Weight),
        FusedLeakyReluOp b when !HasBias && Epilogue == ActivationFunction.Identity =>
            new ModulatedConvOp(Kind, WeightScale, b.Function, true, NoiseWeight),
        _ => null,
    };

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
/// NoiseInjection: x + weight·noise (inputs: x, the stored noise plane 1×1×H×W). An epilogue: the producing
/// modulated conv absorbs it; otherwise it absorbs the following <see cref="FusedLeakyReluOp"/> itself.
/// </summary>
public sealed class NoiseOp(float weight, bool hasBias = false, ActivationFunction? epilogue = null) : Op
{
    public float Weight { get; } = weight;

    public override string Name => "noise"; // a fused bias + activation shows as its own source op in the plan

    private ActivationFunction Epilogue { get; } = epilogue ?? ActivationFunction.Identity;

    public override bool IsEpilogue => !hasBias;

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count != (hasBias ? 3 : 2) || inputs[1].C != 1 || inputs[1].H != inputs[0].H || inputs[1].W != inputs[0].W)
            throw new ArgumentException($"{Name}: needs x and a noise plane 1×1×H×W of its size{(hasBias ? " and a bias" : "")}, got {string.Join(", ", inputs)}");
        return inputs[0];
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Noise.Inject(inputs[0], inputs[1], Weight, output, hasBias ? inputs[2] : null, Epilogue);

    public override Op? TryFuse(Op epilogue) =>
        epilogue is FusedLeakyReluOp b && !hasBias ? new NoiseOp(Weight, true, b.Function) : null;

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => (hasBias ? 5.0 : 2.0) * output.Length;
}

/// <summary>
/// StyledConv's <c>activate</c>, FusedLeakyReLU: leaky ReLU 0.2 of (x + bias[c]), × √2 (DESIGN.md "Generator").
/// Inputs: x, bias (C). An epilogue the producing conv or noise injection absorbs.
/// </summary>
public sealed class FusedLeakyReluOp() : BiasOp(ActivationFunction.FusedLeakyRelu, "bias·lrelu√2")
{
    public override bool IsEpilogue => true;
}

/// <summary>
/// upfirdn2d as a graph op (inputs: x, kernel KH×KW): toRGB's skip upsampling (up 2, pad (2,1), the stored
/// kernel [1,3,3,1]ᵀ[1,3,3,1]/64 × 4).
/// </summary>
public sealed class UpfirdnOp(UpfirdnParams parameters) : Op
{
    public UpfirdnParams Parameters { get; } = parameters;

    public override string Name => Parameters.Up == 2 && Parameters.Down == 1 ? "upsample×2" : $"upfirdn(up {Parameters.Up}, down {Parameters.Down})";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) =>
        inputs.Count == 2 ? Upfirdn2d.OutputShape(inputs[0], inputs[1].H, inputs[1].W, Parameters)
            : throw new ArgumentException($"{Name}: needs x and a kernel");

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        Upfirdn2d.Forward(inputs[0], inputs[1], output, Parameters);

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) =>
        2.0 * output.Length * inputs[1].H * inputs[1].W / (Parameters.Up * Parameters.Up);
}
