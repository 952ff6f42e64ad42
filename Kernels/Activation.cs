using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// Channel-wise activations on NCHW tensors: ReLU, PReLU (nn.PReLU(num_parameters=C)), StyleGAN2's
/// FusedLeakyReLU (per-channel bias, leaky 0.2, × √2), and any <see cref="ActivationFunction"/>.
/// One kernel does v = x·scale[c] + shift[c]·shiftScale, then f(v) with a constant or per-channel
/// slope; each op is that kernel with some terms switched off (a folded BatchNorm's affine is too:
/// <see cref="Normalization.ChannelAffine"/>). Every op may run in place (output = input).
/// </summary>
public static class Activation
{
    /// <summary>out = max(x, 0).</summary>
    public static void Relu(Tensor input, Tensor output) =>
        Apply(input, output, ActivationFunction.Relu);

    /// <summary>out = f(x) for any pointwise <paramref name="function"/>.</summary>
    public static void Apply(Tensor input, Tensor output, ActivationFunction function) =>
        ChannelAffine(input, null, null, 1f, null, function, output);

    /// <summary>out = f(x + bias[c]), <paramref name="bias"/> holding C values (any shape of that length).</summary>
    public static void Bias(Tensor input, Tensor bias, ActivationFunction function, Tensor output) =>
        ChannelAffine(input, null, bias, 1f, null, function, output);

    /// <summary>
    /// nn.PReLU with one learned slope per channel: out = x ≥ 0 ? x : slope[c]·x.
    /// <paramref name="slopes"/> holds C values (any shape of that length).
    /// </summary>
    public static void PRelu(Tensor input, Tensor slopes, Tensor output) =>
        ChannelAffine(input, null, null, 1f, slopes, ActivationFunction.Identity, output);

    /// <summary>
    /// StyleGAN2's FusedLeakyReLU: out = leaky_relu(x + bias[c]·biasScale, 0.2)·√2, bias per channel
    /// (biasScale is EqualLinear's lr_mul; 1 for the FusedLeakyReLU module).
    /// </summary>
    public static void FusedLeakyRelu(Tensor input, Tensor bias, Tensor output, float biasScale = 1f) =>
        ChannelAffine(input, null, bias, biasScale, null, ActivationFunction.FusedLeakyRelu, output);

    /// <summary>
    /// The general form: out = f(x·scale[c] + shift[c]·shiftScale) with slope slopes[c] if given,
    /// else the function's own slope. Absent scale/shift mean 1/0.
    /// </summary>
    internal static void ChannelAffine(Tensor input, Tensor? scale, Tensor? shift, float shiftScale, Tensor? slopes,
        ActivationFunction function, Tensor output)
    {
        if (input.Shape != output.Shape)
            throw new ArgumentException($"activation: output {output.Shape} differs from input {input.Shape}");
        RequireChannelVector(scale, "scale", input);
        RequireChannelVector(shift, "shift/bias", input);
        RequireChannelVector(slopes, "PReLU slopes", input);

        int flags = (scale is null ? 0 : HasScale) | (shift is null ? 0 : HasShift) | (slopes is null ? 0 : HasSlopes);
        int threads = GridStride.Threads(input.Device, output.Length);
        var p = new ChannelParams(input.C, input.H * input.W, shiftScale, function, flags, output.Length, threads);
        // Absent vectors are passed as the input view (never read: the flags say so), so the kernel
        // needs no optional arguments.
        input.Device.Load<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ChannelParams>(
            ChannelKernel)(threads, input.View, output.View,
            (scale ?? input).View, (shift ?? input).View, (slopes ?? input).View, p);
    }

    private static void RequireChannelVector(Tensor? vector, string what, Tensor input)
    {
        if (vector is not null && vector.Length != input.C)
            throw new ArgumentException(
                $"activation: {what} has {vector.Length} values ({vector.Shape}) but the input {input.Shape} has {input.C} channels");
    }

    private const int HasScale = 1, HasShift = 2, HasSlopes = 4;

    internal readonly record struct ChannelParams(int Channels, int Plane, float ShiftScale, ActivationFunction Function, int Flags,
        long Count, int Threads);

    /// <summary>Thread i handles elements i, i + Threads, … (see <see cref="GridStride.Threads"/>).</summary>
    private static void ChannelKernel(Index1D i, ArrayView<float> x, ArrayView<float> output,
        ArrayView<float> scale, ArrayView<float> shift, ArrayView<float> slopes, ChannelParams p)
    {
        for (long e = i; e < p.Count; e += p.Threads)
        {
            int c = (int)(e / p.Plane % p.Channels);
            float v = x[e];
            if ((p.Flags & HasScale) != 0) v *= scale[c];
            if ((p.Flags & HasShift) != 0) v += shift[c] * p.ShiftScale;
            output[e] = (p.Flags & HasSlopes) != 0 ? p.Function.Apply(v, slopes[c]) : p.Function.Apply(v);
        }
    }
}
