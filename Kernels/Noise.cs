using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// StyleGAN2's NoiseInjection (DESIGN.md "Generator": out + weight·noise with the stored buffers
/// <c>noises.noise_i</c>): out = x + weight·noise, one noise plane per image broadcast over channels.
/// </summary>
public static class Noise
{
    /// <summary>
    /// <paramref name="input"/> N×C×H×W; <paramref name="noise"/> 1×1×H×W (shared by the batch) or
    /// N×1×H×W; <paramref name="weight"/> the layer's scalar strength. May run in place.
    /// </summary>
    public static void Inject(Tensor input, Tensor noise, float weight, Tensor output)
    {
        if (input.Shape != output.Shape)
            throw new ArgumentException($"noise injection: output {output.Shape} differs from input {input.Shape}");
        if (noise.C != 1 || noise.H != input.H || noise.W != input.W || (noise.N != 1 && noise.N != input.N))
            throw new ArgumentException(
                $"noise injection: noise {noise.Shape} does not fit input {input.Shape} (expected 1×1×{input.H}×{input.W} or {input.N}×1×{input.H}×{input.W})");
        int threads = GridStride.Threads(input.Device, output.Length);
        var p = new NoiseParams(input.C, input.H * input.W, noise.N == 1 ? 0 : 1, weight, output.Length, threads);
        input.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, NoiseParams>(InjectKernel)(
            threads, input.View, noise.View, output.View, p);
    }

    internal readonly record struct NoiseParams(int Channels, int Plane, int PerImage, float Weight, long Count, int Threads);

    /// <summary>Thread i handles elements i, i + Threads, … (see <see cref="GridStride.Threads"/>).</summary>
    private static void InjectKernel(Index1D i, ArrayView<float> x, ArrayView<float> noise, ArrayView<float> output, NoiseParams p)
    {
        for (long e = i; e < p.Count; e += p.Threads)
        {
            long image = e / ((long)p.Channels * p.Plane);
            output[e] = x[e] + p.Weight * noise[image * p.PerImage * p.Plane + e % p.Plane];
        }
    }
}
