namespace CineKernel.Kernels;

/// <summary>
/// StyleGAN2's NoiseInjection (DESIGN.md "Generator": out + weight·noise with the stored buffers
/// <c>noises.noise_i</c>): out = x + weight·noise, one noise plane per image broadcast over channels.
/// The StyledConv that owns it follows it with FusedLeakyReLU (bias, leaky 0.2, × √2); both can run in
/// the same pass: out = f(x + weight·noise + bias[c]), the standalone epilogue pass (<see cref="ElementWise.ApplyEpilogue"/>).
/// </summary>
public static class Noise
{
    /// <summary>
    /// <paramref name="input"/> N×C×H×W; <paramref name="noise"/> 1×1×H×W (shared by the batch) or
    /// N×1×H×W; <paramref name="weight"/> the layer's scalar strength; optional per-channel
    /// <paramref name="bias"/> and <paramref name="epilogue"/> applied after the noise. May run in place.
    /// </summary>
    public static void Inject(Tensor input, Tensor noise, float weight, Tensor output, Tensor? bias = null,
        ActivationFunction? epilogue = null) =>
        ElementWise.ApplyEpilogue(input, new EpilogueArguments
        {
            Noise = noise, NoiseWeight = weight, Bias = bias, Activation = epilogue ?? ActivationFunction.Identity,
        }, output, "noise injection");
}
