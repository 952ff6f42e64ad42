using ILGPU;
using ILGPU.Algorithms;

namespace CineKernel.Kernels;

/// <summary>
/// StyleGAN2's modulated conv (DESIGN.md "Generator", models/stylegan2/model.py ModulatedConv2d) without
/// the per-sample weight tensor the original builds. With s = the style (N×Cin, from the modulation
/// Linear), W the stored unscaled weight (Cout×Cin×K×K) and scale = 1/√(Cin·K²):
/// <code>
///   out[n,o] = demod[n,o] · scale · Σ_i s[n,i] · (W[o,i] ⋆ x[n,i])
///   demod[n,o] = rsqrt(Σ_{i,ky,kx} (scale · W[o,i,ky,kx] · s[n,i])² + 1e-8)   (1 without demodulation)
/// </code>
/// which equals conv(x, scale·W·s·demod) exactly in real arithmetic: s scales the input channels inside
/// the conv and demod scales the output, both fused into the conv kernel. demod depends only on the
/// style, so it is its own small op (<see cref="Demodulation"/>) that a graph computes once per latent.
/// </summary>
public static class ModulatedConv2d
{
    private const string Op = "modulated_conv2d";

    /// <summary>The ε under the demodulation rsqrt.</summary>
    public const float DemodulationEpsilon = 1e-8f;

    /// <summary>Equalised learning rate: 1/√fan_in with fan_in = Cin·K².</summary>
    public static float EqualisedScale(int cin, int kernelSize) => 1f / MathF.Sqrt(cin * kernelSize * kernelSize);

    /// <summary>demod[n,o] = rsqrt(weightScale² · Σ_i s[n,i]² · Σ_{ky,kx} W[o,i,ky,kx]² + 1e-8), N×Cout.</summary>
    public static void Demodulation(Tensor weight, Tensor style, float weightScale, Tensor demod)
    {
        ConvChecks.SameDevice(Op, weight, style, "style");
        ConvChecks.SameDevice(Op, weight, demod, "demod");
        if (style.Length % weight.C != 0)
            throw new ArgumentException($"{Op}: style {style.Shape} is not N×{weight.C} (one value per input channel of weight {weight.Shape})");
        long n = style.Length / weight.C;
        ConvChecks.Length(Op, demod, n * weight.N, "demod", $"N×Cout = {n}×{weight.N}");
        var geometry = new DemodGeometry(weight.C, weight.N, weight.H * weight.W, weightScale * weightScale,
            WorkSplit.For(weight.Device, demod.Length));
        weight.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, DemodGeometry>(DemodulationKernel)(
            geometry.Split.Threads, weight.View, style.View, demod.View, geometry);
    }

    /// <summary>
    /// The plain modulated conv: stride 1, zero padding K/2 (as the original), then the epilogue (with
    /// <paramref name="noise"/>, StyledConv's noise injection before the bias).
    /// <paramref name="demod"/> null = no demodulation (toRGB). <paramref name="style"/> is N×Cin and
    /// <paramref name="demod"/> N×Cout, in any Shape4 layout with that many elements.
    /// </summary>
    public static void Forward(Tensor input, Tensor weight, Tensor style, Tensor? demod, Tensor? bias, Tensor output,
        float weightScale, ActivationFunction? epilogue = null, Tensor? noise = null, float noiseWeight = 0f) =>
        Forward(input, weight, style, demod, output, weightScale, StyledConvEpilogue(bias, epilogue, noise, noiseWeight));

    /// <summary>
    /// The plain modulated conv (N×Cin×H×W → N×Cout×H×W, K odd) with any <paramref name="epilogue"/> in its store
    /// (<see cref="EpilogueArguments"/>: noise plane 1×1×H×W or N×1×H×W, bias Cout, activation, scale, shift).
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not fit.</exception>
    public static void Forward(Tensor input, Tensor weight, Tensor style, Tensor? demod, Tensor output, float weightScale,
        EpilogueArguments epilogue) => Forward(input, weight, style, demod, output, weightScale, epilogue, ConvMapping.Auto);

    /// <summary>As the public overload, on a thread mapping a test forces.</summary>
    internal static void Forward(Tensor input, Tensor weight, Tensor style, Tensor? demod, Tensor output, float weightScale,
        EpilogueArguments epilogue, ConvMapping mapping)
    {
        if (weight.H != weight.W)
            throw new ArgumentException($"{Op}: weight {weight.Shape} must have a square kernel");
        var padding = Padding2d.Uniform(weight.H / 2);
        Conv2d.Validate(Op, input, weight, epilogue, output, 1, padding);
        ValidateModulation(input, weight, style, demod);
        Conv2d.Launch(input, weight, style, demod, output, 1, padding, new ConvFusion(weightScale, true, demod is not null, epilogue), mapping);
    }

    private static EpilogueArguments StyledConvEpilogue(Tensor? bias, ActivationFunction? activation, Tensor? noise, float noiseWeight) =>
        new() { Bias = bias, Activation = activation ?? ActivationFunction.Identity, Noise = noise, NoiseWeight = noiseWeight };

    /// <summary>The intermediate of <see cref="ForwardUpsample(Tensor, Tensor, Tensor, Tensor?, Tensor, Tensor, Tensor, float, EpilogueArguments)"/>: the transposed conv's output, N×Cout×(2H+K−2)×(2W+K−2).</summary>
    public static Shape4 UpsampleScratchShape(Shape4 input, Shape4 weight) =>
        TransposedConv2d.OutputShape(input, weight.N, weight.H, weight.W, 2);

    /// <summary>
    /// The blur's padding after the upsampling transposed conv, as the original computes it:
    /// p = (blur taps − 2) − (K − 1); pad = (⌊(p + 1)/2⌋ + 1, ⌊p/2⌋ + 1) with Python's floor division.
    /// Kernel 4, K 3: (1, 1).
    /// </summary>
    public static UpfirdnParams UpsampleBlurParams(int blurTaps, int kernelSize)
    {
        int p = blurTaps - 2 - (kernelSize - 1);
        return UpfirdnParams.Symmetric(1, 1, FloorDiv(p + 1, 2) + 1, FloorDiv(p, 2) + 1);
    }

    private static int FloorDiv(int a, int b) => (int)Math.Floor(a / (double)b);

    /// <summary>
    /// The upsampling modulated conv: transposed conv with stride 2 of the modulated input with the weight
    /// used transposed (Cout×Cin as Cin×Cout, as the original's weight.transpose(1, 2)), scaled by demod,
    /// into <paramref name="scratch"/> (<see cref="UpsampleScratchShape"/>), then the blur
    /// (<paramref name="blurKernel"/>, the stored [1,3,3,1]ᵀ[1,3,3,1]/64 × 4) with bias and epilogue fused,
    /// into <paramref name="output"/> (N×Cout×2H×2W for K = 3 and a 4-tap blur). With <paramref name="noise"/>,
    /// StyledConv's noise injection (weight × plane) joins that epilogue before the bias.
    /// </summary>
    public static void ForwardUpsample(Tensor input, Tensor weight, Tensor style, Tensor? demod, Tensor blurKernel,
        Tensor scratch, Tensor? bias, Tensor output, float weightScale, ActivationFunction? epilogue = null,
        Tensor? noise = null, float noiseWeight = 0f) =>
        ForwardUpsample(input, weight, style, demod, blurKernel, scratch, output, weightScale,
            StyledConvEpilogue(bias, epilogue, noise, noiseWeight));

    /// <summary>
    /// The upsampling modulated conv as above with any <paramref name="epilogue"/> fused into the blur's store
    /// (<see cref="EpilogueArguments"/>; a noise plane is 1×1×OH×OW or N×1×OH×OW of the output).
    /// </summary>
    /// <exception cref="ArgumentException">Shapes that do not fit, or output overlapping the scratch.</exception>
    public static void ForwardUpsample(Tensor input, Tensor weight, Tensor style, Tensor? demod, Tensor blurKernel,
        Tensor scratch, Tensor output, float weightScale, EpilogueArguments epilogue)
    {
        if (weight.H != weight.W)
            throw new ArgumentException($"{Op}: weight {weight.Shape} must have a square kernel");
        if (weight.C != input.C)
            throw new ArgumentException($"{Op}: weight {weight.Shape} (Cout×Cin×K×K) expects {weight.C} input channels, input {input.Shape} has {input.C}");
        if (blurKernel.H != blurKernel.W)
            throw new ArgumentException($"{Op}: blur kernel {blurKernel.Shape} must be square");
        TransposedConv2d.Validate(Op, input, weight, EpilogueArguments.Identity, scratch, weight.N, 2);
        ValidateModulation(input, weight, style, demod);
        ConvChecks.Disjoint(Op, output, scratch, "scratch");
        TransposedConv2d.Launch(input, weight, style, demod, scratch, 2,
            weightInStride: weight.H * weight.W, weightOutStride: weight.C * weight.H * weight.W,
            new ConvFusion(weightScale, true, demod is not null, EpilogueArguments.Identity));
        Upfirdn2d.Forward(scratch, blurKernel, output, UpsampleBlurParams(blurKernel.H, weight.H), epilogue);
    }

    private static void ValidateModulation(Tensor input, Tensor weight, Tensor style, Tensor? demod)
    {
        ConvChecks.SameDevice(Op, input, style, "style");
        ConvChecks.SameDevice(Op, input, demod, "demod");
        ConvChecks.Length(Op, style, (long)input.N * input.C, "style", $"N×Cin = {input.N}×{input.C}");
        ConvChecks.Length(Op, demod, (long)input.N * weight.N, "demod", $"N×Cout = {input.N}×{weight.N}");
    }

    internal readonly struct DemodGeometry(int cin, int cout, int taps, float weightScaleSquared, WorkSplit split)
    {
        public readonly int Cin = cin, Cout = cout, Taps = taps;
        public readonly float WeightScaleSquared = weightScaleSquared;
        public readonly WorkSplit Split = split;
    }

    // A work item is one (n, o): Σ_i s[n,i]² Σ_k W[o,i,k]², a few thousand multiply-adds.
    private static void DemodulationKernel(Index1D index, ArrayView<float> weight, ArrayView<float> style,
        ArrayView<float> demod, DemodGeometry g)
    {
        for (int e = g.Split.Begin(index), end = g.Split.End(index); e < end; e++)
        {
            int n = e / g.Cout;
            int o = e % g.Cout;
            float acc = 0f;
            for (int i = 0; i < g.Cin; i++)
            {
                int w0 = (o * g.Cin + i) * g.Taps;
                float sq = 0f;
                for (int k = 0; k < g.Taps; k++)
                {
                    float w = weight[w0 + k];
                    sq += w * w;
                }
                float s = style[n * g.Cin + i];
                acc += sq * s * s;
            }
            demod[e] = XMath.Rsqrt(acc * g.WeightScaleSquared + DemodulationEpsilon);
        }
    }
}
