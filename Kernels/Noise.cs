using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// StyleGAN2's NoiseInjection (DESIGN.md "Generator": out + weight·noise with the stored buffers
/// <c>noises.noise_i</c>): out = x + weight·noise, one noise plane per image broadcast over channels.
/// The StyledConv that owns it follows it with FusedLeakyReLU (bias, leaky 0.2, × √2); both can run in
/// the same pass: out = f(x + weight·noise + bias[c]).
/// </summary>
public static class Noise
{
    /// <summary>
    /// <paramref name="input"/> N×C×H×W; <paramref name="noise"/> 1×1×H×W (shared by the batch) or
    /// N×1×H×W; <paramref name="weight"/> the layer's scalar strength; optional per-channel
    /// <paramref name="bias"/> and <paramref name="epilogue"/> applied after the noise. May run in place.
    /// </summary>
    public static void Inject(Tensor input, Tensor noise, float weight, Tensor output, Tensor? bias = null,
        ActivationFunction? epilogue = null)
    {
        var ep = epilogue ?? ActivationFunction.Identity;
        ep.Validate("noise injection");
        if (input.Shape != output.Shape)
            throw new ArgumentException($"noise injection: output {output.Shape} differs from input {input.Shape}");
        if (noise.C != 1 || noise.H != input.H || noise.W != input.W || (noise.N != 1 && noise.N != input.N))
            throw new ArgumentException(
                $"noise injection: noise {noise.Shape} does not fit input {input.Shape} (expected 1×1×{input.H}×{input.W} or {input.N}×1×{input.H}×{input.W})");
        if (bias is not null && bias.Length != input.C)
            throw new ArgumentException($"noise injection: bias {bias.Shape} must hold one value per channel ({input.C})");
        int threads = GridStride.Threads(input.Device, output.Length);
        var p = new NoiseParams(input.C, input.H * input.W, noise.N == 1 ? 0 : 1, weight, output.Length, threads,
            bias is null ? 0 : 1, ep);
        input.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, NoiseParams>(InjectKernel)(
            threads, input.View, noise.View, bias?.View ?? ArrayView<float>.Empty, output.View, p);
    }

    internal readonly record struct NoiseParams(int Channels, int Plane, int PerImage, float Weight, long Count, int Threads,
        int HasBias, ActivationFunction Epilogue);

    /// <summary>Thread i handles elements i, i + Threads, … (see <see cref="GridStride.Threads"/>).</summary>
    private static void InjectKernel(Index1D i, ArrayView<float> x, ArrayView<float> noise, ArrayView<float> bias,
        ArrayView<float> output, NoiseParams p)
    {
        for (long e = i; e < p.Count; e += p.Threads)
        {
            long image = e / ((long)p.Channels * p.Plane);
            float v = x[e] + p.Weight * noise[image * p.PerImage * p.Plane + e % p.Plane];
            if (p.HasBias != 0) v += bias[e / p.Plane % p.Channels];
            output[e] = p.Epilogue.Apply(v);
        }
    }
}
