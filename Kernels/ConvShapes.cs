using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// The index geometry of a conv or transposed conv, as the kernels see it. The weight is addressed
/// through two strides so one kernel serves both the Cout×Cin×KH×KW layout and a transposed one
/// (conv_transpose2d's Cin×Cout×KH×KW, or the modulated conv's Cout×Cin weight used transposed).
/// A work item is a block of <see cref="ChannelBlock"/> output channels at <see cref="PixelsPerItem"/>
/// horizontally adjacent output pixels: each input value loaded feeds four multiply-adds and each weight
/// two, which is what the CPU accelerator rewards (fewer view accesses per multiply-add; Bench's conv layers
/// and README "Performance" have the figures).
/// </summary>
internal readonly struct ConvGeometry
{
    public const int ChannelBlock = 4;

    public readonly int N, Cin, H, W;
    public readonly int Cout, OH, OW, ChannelBlocks, PixelsPerItem, ItemsPerRow;
    public readonly int KH, KW, Stride;
    public readonly int PadTop, PadLeft;
    public readonly int Reflect;
    public readonly int WeightInStride, WeightOutStride;
    public readonly WorkSplit Split;

    public ConvGeometry(ComputeDevice device, Shape4 input, Shape4 output, int kh, int kw, int stride, int padTop, int padLeft,
        bool reflect, int weightInStride, int weightOutStride, int pixelsPerItem)
    {
        N = input.N; Cin = input.C; H = input.H; W = input.W;
        Cout = output.C; OH = output.H; OW = output.W;
        ChannelBlocks = (Cout + ChannelBlock - 1) / ChannelBlock;
        PixelsPerItem = pixelsPerItem;
        ItemsPerRow = (OW + pixelsPerItem - 1) / pixelsPerItem;
        KH = kh; KW = kw; Stride = stride;
        PadTop = padTop; PadLeft = padLeft;
        Reflect = reflect ? 1 : 0;
        WeightInStride = weightInStride; WeightOutStride = weightOutStride;
        Split = WorkSplit.For(device, (long)N * ChannelBlocks * OH * ItemsPerRow);
    }

    /// <summary>
    /// The weight offset of output channel o0 + k; channels past Cout (the last, partial block) read the
    /// last channel so that no load leaves the weight, and their results are not written.
    /// </summary>
    public int WeightOffset(int o0, int k) => (o0 + k < Cout ? o0 + k : Cout - 1) * WeightOutStride;
}

/// <summary>
/// The scalings fused around a conv's sum (DESIGN.md "Performance": modulated convs scale the input
/// by s and the output by demod instead of building per-sample weights; bias, noise, activation and scale fuse
/// into the epilogue):
/// out[n,o] = epilogue((weightScale · Σ_i style[n,i] · Σ_k W[o,i,k]·x[n,i]) · demod[n,o]), the epilogue's terms
/// (<see cref="EpilogueArguments"/>) travelling inside this struct. Absent style / demod read as 1.
/// </summary>
internal readonly struct ConvFusion(float weightScale, bool hasStyle, bool hasDemod, EpilogueArguments epilogue)
{
    public readonly float WeightScale = weightScale;
    public readonly int HasStyle = hasStyle ? 1 : 0, HasDemod = hasDemod ? 1 : 0;
    public readonly EpilogueTerms Epilogue = epilogue.Terms();

    /// <summary>The value written for output channel <paramref name="o"/> of sample <paramref name="n"/>.</summary>
    public float Finish(float sum, int n, int o, int cout, ArrayView<float> demod, float noise, long index)
    {
        float v = sum * WeightScale;
        if (HasDemod != 0) v *= demod[n * cout + o];
        return Epilogue.Apply(v, o, noise, index);
    }

    /// <summary>
    /// Writes the sums of a block of <see cref="ConvGeometry.ChannelBlock"/> output channels o0.. at one
    /// pixel (<paramref name="at"/> is channel o0's element, <paramref name="plane"/> the channel stride),
    /// skipping channels past <paramref name="cout"/>.
    /// </summary>
    public void StoreBlock(ArrayView<float> output, int at, int plane, int n, int o0, int cout, float s0, float s1, float s2,
        float s3, ArrayView<float> demod)
    {
        float noise = Epilogue.NoiseAt(n, at % plane, plane); // at % plane: the pixel y·OW + x
        output[at] = Finish(s0, n, o0, cout, demod, noise, at);
        if (o0 + 1 < cout) output[at + plane] = Finish(s1, n, o0 + 1, cout, demod, noise, at + plane);
        if (o0 + 2 < cout) output[at + 2 * plane] = Finish(s2, n, o0 + 2, cout, demod, noise, at + 2 * plane);
        if (o0 + 3 < cout) output[at + 3 * plane] = Finish(s3, n, o0 + 3, cout, demod, noise, at + 3 * plane);
    }
}

/// <summary>Host-side checks shared by the conv family: one-line messages naming the tensor and shape.</summary>
internal static class ConvChecks
{
    public static void SameDevice(string op, Tensor reference, Tensor? other, string name)
    {
        if (other is not null && other.Device != reference.Device)
            throw new ArgumentException($"{op}: {name} lives on another device");
    }

    public static void Fits(string op, Tensor t, string name)
    {
        if (t.Length > int.MaxValue)
            throw new ArgumentException($"{op}: {name} {t.Shape} has more than 2^31 elements");
    }

    public static void Length(string op, Tensor? t, long expected, string name, string meaning)
    {
        if (t is not null && t.Length != expected)
            throw new ArgumentException($"{op}: {name} {t.Shape} has {t.Length} elements, expected {expected} ({meaning})");
    }

    public static void OutputShape(string op, Tensor output, Shape4 expected)
    {
        if (output.Shape != expected)
            throw new ArgumentException($"{op}: output is {output.Shape}, expected {expected}");
    }

    public static void Disjoint(string op, Tensor output, Tensor input, string name)
    {
        // The conv kernels read neighbourhoods of the input while writing the output: in-place is wrong.
        IContiguousArrayView o = output.View, i = input.View;
        if (o.Buffer == i.Buffer)
        {
            long o0 = o.Index, o1 = o0 + output.Length;
            long i0 = i.Index, i1 = i0 + input.Length;
            if (o0 < i1 && i0 < o1)
                throw new ArgumentException($"{op}: output overlaps {name}; use a separate buffer");
        }
    }
}
