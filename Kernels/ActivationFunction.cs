namespace CineKernel.Kernels;

/// <summary>
/// The pointwise nonlinearity every epilogue in the engine uses:
/// f(v) = (v ≥ 0 ? v : v·NegativeSlope)·Gain. Identity, ReLU, leaky ReLU and StyleGAN2's fused leaky
/// ReLU differ only in these two numbers, so one kernel serves them all.
/// </summary>
public readonly record struct ActivationFunction(float NegativeSlope, float Gain)
{
    public static ActivationFunction Identity => new(1f, 1f);

    public static ActivationFunction Relu => new(0f, 1f);

    /// <summary>
    /// StyleGAN2's fused_leaky_relu after its bias: leaky ReLU with slope 0.2, then × √2
    /// (DESIGN.md "Generator": activation).
    /// </summary>
    public static ActivationFunction FusedLeakyRelu => new(0.2f, MathF.Sqrt(2f));

    public static ActivationFunction LeakyRelu(float negativeSlope) => new(negativeSlope, 1f);

    /// <summary>The same function with its output multiplied by <paramref name="gain"/>.</summary>
    public ActivationFunction WithGain(float gain) => this with { Gain = gain };

    /// <summary>
    /// Rejects <c>default(ActivationFunction)</c> (gain 0), which would silently zero an op's output.
    /// </summary>
    public void Validate(string op)
    {
        if (!float.IsFinite(Gain) || Gain == 0f || !float.IsFinite(NegativeSlope))
            throw new ArgumentException($"{op}: activation (slope {NegativeSlope}, gain {Gain}) is not usable (use ActivationFunction.Identity rather than default)");
    }

    /// <summary>f(v) with this function's slope.</summary>
    public float Apply(float v) => (v >= 0f ? v : v * NegativeSlope) * Gain;

    /// <summary>f(v) with a slope given per call (PReLU's per-channel slope).</summary>
    public float Apply(float v, float negativeSlope) => (v >= 0f ? v : v * negativeSlope) * Gain;
}
