using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// Element-wise ops: fill, add, scale, axpy, a standalone epilogue and the masked composite of the cinemagraph
/// (DESIGN.md "Frames": the animated region over the input image).
/// </summary>
public static class ElementWise
{
    public static void Fill(Tensor x, float value)
    {
        int threads = GridStride.Threads(x.Device, x.Length);
        x.Device.Load<ArrayView<float>, float, int>(FillKernel)(threads, x.View, value, threads);
    }

    /// <summary>out = a + b (same shapes; out may alias a or b).</summary>
    public static void Add(Tensor a, Tensor b, Tensor output)
    {
        RequireSameLength(a, b, output);
        Axpby(a, b, 1f, output);
    }

    /// <summary>out = a + β·b (same shapes; out may alias a or b).</summary>
    public static void AddScaled(Tensor a, Tensor b, float beta, Tensor output)
    {
        RequireSameLength(a, b, output);
        Axpby(a, b, beta, output);
    }

    private static void Axpby(Tensor a, Tensor b, float beta, Tensor output)
    {
        int threads = GridStride.Threads(a.Device, output.Length);
        a.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, float, int>(AxpbyKernel)(
            threads, a.View, b.View, output.View, beta, threads);
    }

    /// <summary>out = x·scale + shift (out may alias x).</summary>
    public static void ScaleShift(Tensor x, float scale, float shift, Tensor output)
    {
        RequireSameLength(x, x, output);
        int threads = GridStride.Threads(x.Device, output.Length);
        x.Device.Load<ArrayView<float>, ArrayView<float>, float, float, int>(ScaleShiftKernel)(
            threads, x.View, output.View, scale, shift, threads);
    }

    /// <summary>
    /// out = epilogue(x) (<see cref="EpilogueArguments"/>: f(x + residual + weight·noise + bias[c]·biasScale)·scale + shift) on an
    /// N×C×H×W tensor, for an epilogue no producing kernel absorbed. May run in place (output = input).
    /// </summary>
    /// <exception cref="ArgumentException">Output shape differing from the input's, or epilogue tensors that do not fit.</exception>
    public static void ApplyEpilogue(Tensor input, EpilogueArguments epilogue, Tensor output, string op = "epilogue")
    {
        if (input.Shape != output.Shape)
            throw new ArgumentException($"{op}: output {output.Shape} differs from input {input.Shape}");
        ConvChecks.SameDevice(op, input, output, "output");
        epilogue.Validate(op, output);
        int threads = GridStride.Threads(input.Device, output.Length);
        var p = new EpilogueParams(output.C, output.H * output.W, output.Length, threads);
        input.Device.Load<ArrayView<float>, ArrayView<float>, EpilogueTerms, EpilogueParams>(EpilogueKernel)(
            threads, input.View, output.View, epilogue.Terms(), p);
    }

    internal readonly record struct EpilogueParams(int Channels, int Plane, long Count, int Threads);

    /// <summary>
    /// out = m·fg + (1−m)·bg, with a one-channel mask m (N×1×H×W) broadcast over channels.
    /// </summary>
    public static void Composite(Tensor foreground, Tensor background, Tensor mask, Tensor output)
    {
        RequireSameLength(foreground, background, output);
        if (mask.C != 1 || mask.H != output.H || mask.W != output.W || mask.N != output.N)
            throw new ArgumentException($"mask {mask.Shape} does not match {output.Shape}");
        int threads = GridStride.Threads(output.Device, output.Length);
        output.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Shape4, int>(CompositeKernel)(
            threads, foreground.View, background.View, mask.View, output.View, output.Shape, threads);
    }

    private static void RequireSameLength(Tensor a, Tensor b, Tensor c)
    {
        if (a.Length != b.Length || a.Length != c.Length)
            throw new ArgumentException($"element-wise shapes differ: {a.Shape}, {b.Shape}, {c.Shape}");
    }

    // Grid-stride loops (GridStride): thread i handles i, i + stride, … with stride = threads launched.

    private static void FillKernel(Index1D i, ArrayView<float> x, float value, int stride)
    {
        for (long e = i; e < x.Length; e += stride) x[e] = value;
    }

    private static void AxpbyKernel(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> o, float beta, int stride)
    {
        for (long e = i; e < o.Length; e += stride) o[e] = a[e] + beta * b[e];
    }

    private static void ScaleShiftKernel(Index1D i, ArrayView<float> x, ArrayView<float> o, float scale, float shift, int stride)
    {
        for (long e = i; e < o.Length; e += stride) o[e] = x[e] * scale + shift;
    }

    private static void EpilogueKernel(Index1D i, ArrayView<float> x, ArrayView<float> o, EpilogueTerms epilogue, EpilogueParams p)
    {
        for (long e = i; e < p.Count; e += p.Threads)
        {
            long plane = e / p.Plane;
            o[e] = epilogue.Apply(x[e], (int)(plane / p.Channels), (int)(plane % p.Channels), (int)(e % p.Plane), p.Plane, e);
        }
    }

    private static void CompositeKernel(Index1D i, ArrayView<float> fg, ArrayView<float> bg, ArrayView<float> mask,
        ArrayView<float> o, Shape4 s, int stride)
    {
        long plane = (long)s.H * s.W;
        for (long e = i; e < o.Length; e += stride)
        {
            long n = e / (s.C * plane);
            float m = mask[n * plane + e % plane];
            o[e] = m * fg[e] + (1f - m) * bg[e];
        }
    }
}
