using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// What a kernel does to each value v it computed before it stores it, the kernel's epilogue (DESIGN.md
/// "Performance": bias, noise, activation and scale fuse into the producing kernel):
/// <code>
///   out[n,c,y,x] = f(v + residual[n,c,y,x] + noiseWeight · noise[n,y,x] + bias[c] · biasScale) · scale + shift
/// </code>
/// in that order (a residual or skip sum first, then StyledConv's noise injection, then FusedLeakyReLU's bias and
/// activation). Every term is
/// optional; <see cref="Identity"/> stores v unchanged. The convs (<see cref="Conv2d"/>,
/// <see cref="ModulatedConv2d"/>, <see cref="TransposedConv2d"/>), <see cref="Upfirdn2d"/>, <see cref="Linear"/>
/// and the standalone pass <see cref="ElementWise.ApplyEpilogue"/> apply it in their store.
/// </summary>
public sealed record EpilogueArguments
{
    /// <summary>Stores every value as computed.</summary>
    public static EpilogueArguments Identity { get; } = new();

    /// <summary>C values, one per output channel, in any shape of that length; null for none.</summary>
    public Tensor? Bias { get; init; }

    /// <summary>
    /// A tensor of the output's shape added to v first (a residual connection, StyleGAN2's toRGB skip sum), read
    /// at the element being stored, so it may be the output itself; null for none.
    /// </summary>
    public Tensor? Residual { get; init; }

    /// <summary>Multiplies <see cref="Bias"/> at use (EqualLinear's lr_mul); 1 otherwise.</summary>
    public float BiasScale { get; init; } = 1f;

    /// <summary>
    /// StyleGAN2's noise plane: 1×1×H×W (shared by the batch) or N×1×H×W, H×W the output's plane, broadcast
    /// over channels; null for none.
    /// </summary>
    public Tensor? Noise { get; init; }

    /// <summary>The noise plane's strength (NoiseInjection's learned scalar).</summary>
    public float NoiseWeight { get; init; }

    /// <summary>f: applied after the noise and the bias.</summary>
    public ActivationFunction Activation { get; init; } = ActivationFunction.Identity;

    /// <summary>Multiplies f's result (any finite value).</summary>
    public float Scale { get; init; } = 1f;

    /// <summary>Added last (any finite value).</summary>
    public float Shift { get; init; }

    /// <summary>
    /// Checks the terms against the <paramref name="output"/> a kernel of <paramref name="op"/> stores into.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor on another device or of the wrong size, an unusable activation,
    /// or a non-finite scale or shift.</exception>
    public void Validate(string op, Tensor output)
    {
        ConvChecks.SameDevice(op, output, Bias, "bias");
        ConvChecks.SameDevice(op, output, Noise, "noise");
        ConvChecks.SameDevice(op, output, Residual, "residual");
        if (Residual is { } r && r.Shape != output.Shape)
            throw new ArgumentException($"{op}: residual {r.Shape} must have the output's shape {output.Shape}");
        ConvChecks.Length(op, Bias, output.C, "bias", "one per output channel");
        if (Noise is { } n && (n.C != 1 || n.H != output.H || n.W != output.W || (n.N != 1 && n.N != output.N)))
            throw new ArgumentException($"{op}: noise {n.Shape} must be 1×1×{output.H}×{output.W} or {output.N}×1×{output.H}×{output.W}");
        ValidateConstants(op);
    }

    /// <summary>The checks that do not depend on the output's layout: finite constants, a usable activation.</summary>
    internal void ValidateConstants(string op)
    {
        if (!float.IsFinite(Scale) || !float.IsFinite(Shift) || !float.IsFinite(BiasScale) || !float.IsFinite(NoiseWeight))
            throw new ArgumentException($"{op}: epilogue scale {Scale}, shift {Shift}, bias scale {BiasScale} and noise weight {NoiseWeight} must be finite");
        Activation.Validate(op);
    }

    /// <summary>The device form the kernels take.</summary>
    internal EpilogueTerms Terms() => new(this);
}

/// <summary>
/// <see cref="EpilogueArguments"/> as a kernel reads it: views and flags, no optional arguments (an absent
/// tensor is an empty view its flag keeps the kernel from reading).
/// </summary>
internal readonly struct EpilogueTerms
{
    public readonly ArrayView<float> Bias, Noise, Residual;
    public readonly int HasBias, HasResidual;

    /// <summary>-1: no noise; 0: one plane shared by the batch; 1: a plane per image.</summary>
    public readonly int NoisePerImage;

    public readonly int HasScaleShift;
    public readonly float BiasScale, NoiseWeight, Scale, Shift;
    public readonly ActivationFunction Activation;

    public EpilogueTerms(EpilogueArguments e)
    {
        Bias = e.Bias?.View ?? ArrayView<float>.Empty;
        Noise = e.Noise?.View ?? ArrayView<float>.Empty;
        Residual = e.Residual?.View ?? ArrayView<float>.Empty;
        HasBias = e.Bias is null ? 0 : 1;
        HasResidual = e.Residual is null ? 0 : 1;
        NoisePerImage = e.Noise is null ? -1 : e.Noise.N == 1 ? 0 : 1;
        HasScaleShift = e.Scale == 1f && e.Shift == 0f ? 0 : 1;
        BiasScale = e.BiasScale;
        NoiseWeight = e.NoiseWeight;
        Scale = e.Scale;
        Shift = e.Shift;
        Activation = e.Activation;
    }

    /// <summary>
    /// The value stored for v at image <paramref name="n"/>, channel <paramref name="c"/>, element
    /// <paramref name="pixel"/> (y·W + x) of a channel plane of <paramref name="plane"/> elements, which is element
    /// <paramref name="index"/> of the output (where the residual is read).
    /// </summary>
    public float Apply(float v, int n, int c, int pixel, int plane, long index) => Apply(v, c, NoiseAt(n, pixel, plane), index);

    /// <summary>weight · noise at the pixel (0 without noise): read once for all channels of a pixel.</summary>
    public float NoiseAt(int n, int pixel, int plane) =>
        NoisePerImage >= 0 ? NoiseWeight * Noise[(long)n * NoisePerImage * plane + pixel] : 0f;

    /// <summary>
    /// The value stored for v at channel <paramref name="c"/> and output element <paramref name="index"/>, given
    /// <see cref="NoiseAt"/> of its pixel.
    /// </summary>
    public float Apply(float v, int c, float noise, long index)
    {
        if (HasResidual != 0) v += Residual[index];
        if (NoisePerImage >= 0) v += noise;
        if (HasBias != 0) v += Bias[c] * BiasScale;
        float r = Activation.Apply(v);
        return HasScaleShift != 0 ? r * Scale + Shift : r;
    }
}
