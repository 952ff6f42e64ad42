using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// nn.AdaptiveAvgPool2d (the encoder pools each stage to 3×3, DESIGN.md "Encoder"): output cell i of
/// OH covers input rows [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉), likewise for columns, so windows may overlap and
/// differ in size when H is not a multiple of OH.
/// </summary>
public static class Pooling
{
    /// <summary><paramref name="input"/> N×C×H×W to <paramref name="output"/> N×C×OH×OW (any sizes).</summary>
    public static void AdaptiveAveragePool(Tensor input, Tensor output)
    {
        if (output.N != input.N || output.C != input.C)
            throw new ArgumentException($"adaptive average pool: output {output.Shape} does not match input {input.Shape} in N and C");
        int threads = GridStride.Threads(input.Device, output.Length);
        input.Device.Load<ArrayView<float>, ArrayView<float>, Shape4, Shape4, int>(AdaptiveAverageKernel)(
            threads, input.View, output.View, input.Shape, output.Shape, threads);
    }

    /// <summary>Thread t handles output cells t, t + threads, … (see <see cref="GridStride.Threads"/>).</summary>
    private static void AdaptiveAverageKernel(Index1D t, ArrayView<float> x, ArrayView<float> output, Shape4 s, Shape4 o, int threads)
    {
        for (int i = t; i < output.IntLength; i += threads)
            AverageCell(i, x, output, s, o);
    }

    private static void AverageCell(int i, ArrayView<float> x, ArrayView<float> output, Shape4 s, Shape4 o)
    {
        int ox = i % o.W;
        int oy = i / o.W % o.H;
        int plane = i / (o.W * o.H);
        // torch's start_index / end_index: floor(a·in/out) and ceil((a+1)·in/out).
        int y0 = oy * s.H / o.H, y1 = ((oy + 1) * s.H + o.H - 1) / o.H;
        int x0 = ox * s.W / o.W, x1 = ((ox + 1) * s.W + o.W - 1) / o.W;
        int baseIndex = plane * s.H * s.W;
        float sum = 0f;
        for (int y = y0; y < y1; y++)
        for (int xx = x0; xx < x1; xx++)
            sum += x[baseIndex + y * s.W + xx];
        output[i] = sum / ((y1 - y0) * (x1 - x0));
    }
}
