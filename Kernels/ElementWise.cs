using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// Element-wise ops: fill, add, scale, axpy and the masked composite of the cinemagraph
/// (DESIGN.md "Frames": the animated region over the input image).
/// </summary>
public static class ElementWise
{
    public static void Fill(Tensor x, float value) =>
        x.Device.Load<ArrayView<float>, float>(FillKernel)((int)x.Length, x.View, value);

    /// <summary>out = a + b (same shapes; out may alias a or b).</summary>
    public static void Add(Tensor a, Tensor b, Tensor output)
    {
        RequireSameLength(a, b, output);
        a.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(AxpbyKernel)(
            (int)output.Length, a.View, b.View, output.View, 1f);
    }

    /// <summary>out = a + β·b (same shapes; out may alias a or b).</summary>
    public static void AddScaled(Tensor a, Tensor b, float beta, Tensor output)
    {
        RequireSameLength(a, b, output);
        a.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(AxpbyKernel)(
            (int)output.Length, a.View, b.View, output.View, beta);
    }

    /// <summary>out = x·scale + shift (out may alias x).</summary>
    public static void ScaleShift(Tensor x, float scale, float shift, Tensor output)
    {
        RequireSameLength(x, x, output);
        x.Device.Load<ArrayView<float>, ArrayView<float>, float, float>(ScaleShiftKernel)(
            (int)output.Length, x.View, output.View, scale, shift);
    }

    /// <summary>
    /// out = m·fg + (1−m)·bg, with a one-channel mask m (N×1×H×W) broadcast over channels.
    /// </summary>
    public static void Composite(Tensor foreground, Tensor background, Tensor mask, Tensor output)
    {
        RequireSameLength(foreground, background, output);
        if (mask.C != 1 || mask.H != output.H || mask.W != output.W || mask.N != output.N)
            throw new ArgumentException($"mask {mask.Shape} does not match {output.Shape}");
        output.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Shape4>(CompositeKernel)(
            (int)output.Length, foreground.View, background.View, mask.View, output.View, output.Shape);
    }

    private static void RequireSameLength(Tensor a, Tensor b, Tensor c)
    {
        if (a.Length != b.Length || a.Length != c.Length)
            throw new ArgumentException($"element-wise shapes differ: {a.Shape}, {b.Shape}, {c.Shape}");
    }

    private static void FillKernel(Index1D i, ArrayView<float> x, float value) => x[i] = value;

    private static void AxpbyKernel(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> o, float beta) =>
        o[i] = a[i] + beta * b[i];

    private static void ScaleShiftKernel(Index1D i, ArrayView<float> x, ArrayView<float> o, float scale, float shift) =>
        o[i] = x[i] * scale + shift;

    private static void CompositeKernel(Index1D i, ArrayView<float> fg, ArrayView<float> bg, ArrayView<float> mask,
        ArrayView<float> o, Shape4 s)
    {
        int plane = s.H * s.W;
        int n = i / (s.C * plane);
        float m = mask[n * plane + i % plane];
        o[i] = m * fg[i] + (1f - m) * bg[i];
    }
}
