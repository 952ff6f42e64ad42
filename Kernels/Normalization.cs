using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace CineKernel.Kernels;

/// <summary>
/// Normalisations: StyleGAN2's PixelNorm, InstanceNorm2d without affine (the motion generator), and
/// the per-channel affine a folded inference BatchNorm becomes when no conv or linear precedes it.
/// PixelNorm and InstanceNorm are one kernel: each normalises contiguous segments (a row of features,
/// an H×W plane) as (x − μ)·rsqrt(σ² + ε), PixelNorm with μ = 0 and σ² = mean(x²).
/// </summary>
public static class Normalization
{
    /// <summary>PixelNorm's ε (DESIGN.md "Generator": PixelNorm and demodulation use 1e-8).</summary>
    public const float PixelNormEpsilon = 1e-8f;

    /// <summary>nn.InstanceNorm2d's default ε.</summary>
    public const float InstanceNormEpsilon = 1e-5f;

    /// <summary>
    /// StyleGAN2 PixelNorm: each row of <paramref name="features"/> contiguous values is multiplied by
    /// rsqrt(mean of its squares + 1e-8). A latent batch B×512 is any tensor of B·512 values with
    /// features = 512. May run in place.
    /// </summary>
    public static void PixelNorm(Tensor input, Tensor output, int features) =>
        PixelNorm(input, output, features, SegmentMapping.Auto);

    internal static void PixelNorm(Tensor input, Tensor output, int features, SegmentMapping mapping)
    {
        if (features <= 0 || input.Length % features != 0)
            throw new ArgumentException($"pixel norm: input {input.Shape} is not made of rows of {features} features");
        RequireSameShape(input, output, "pixel norm");
        NormalizeSegments(input, output, features, center: false, PixelNormEpsilon, mapping);
    }

    /// <summary>
    /// nn.InstanceNorm2d(affine=False) in inference: each (n, c) plane is normalised by its own mean
    /// and biased variance, (x − μ)/√(σ² + ε). May run in place.
    /// </summary>
    public static void InstanceNorm(Tensor input, Tensor output, float epsilon = InstanceNormEpsilon) =>
        InstanceNorm(input, output, epsilon, SegmentMapping.Auto);

    internal static void InstanceNorm(Tensor input, Tensor output, float epsilon, SegmentMapping mapping)
    {
        RequireSameShape(input, output, "instance norm");
        NormalizeSegments(input, output, input.H * input.W, center: true, epsilon, mapping);
    }

    /// <summary>
    /// Who normalises a segment: Auto takes one thread per segment on the CPU accelerator (barriers
    /// cost it about a millisecond each) and one group per segment on a GPU.
    /// </summary>
    internal enum SegmentMapping
    {
        Auto,
        ThreadPerSegment,
        GroupPerSegment,
    }

    /// <summary>
    /// out = x·scale[c] + shift[c] on an NCHW tensor: an inference BatchNorm with nothing to fold into
    /// (its scale and shift from Pipeline/Weights/BatchNormFolding.ToScaleShift). May run in place.
    /// </summary>
    public static void ChannelAffine(Tensor input, Tensor scale, Tensor shift, Tensor output) =>
        Activation.ChannelAffine(input, scale, shift, 1f, null, ActivationFunction.Identity, output);

    private static void RequireSameShape(Tensor input, Tensor output, string what)
    {
        if (input.Shape != output.Shape)
            throw new ArgumentException($"{what}: output {output.Shape} differs from input {input.Shape}");
    }

    internal readonly record struct SegmentParams(int Length, int Center, float Epsilon, int Segments, int Threads);

    private static void NormalizeSegments(Tensor input, Tensor output, int segmentLength, bool center, float epsilon, SegmentMapping mapping)
    {
        var device = input.Device;
        int segments = checked((int)(input.Length / segmentLength));
        var p = new SegmentParams(segmentLength, center ? 1 : 0, epsilon, segments, 0);
        if (mapping == SegmentMapping.ThreadPerSegment || (mapping == SegmentMapping.Auto && device.Kind == DeviceKind.Cpu))
        {
            int threads = GridStride.Threads(device, segments);
            device.Load<ArrayView<float>, ArrayView<float>, SegmentParams>(SegmentPerThreadKernel)(
                threads, input.View, output.View, p with { Threads = threads });
            return;
        }
        int group = GroupedKernels.ReductionGroupSize(device);
        GroupedKernels.Load<ArrayView<float>, ArrayView<float>, SegmentParams>(device, SegmentPerGroupKernel)(
            new KernelConfig(segments, group), input.View, output.View, p);
    }

    /// <summary>Kahan-compensated float sum.</summary>
    private struct KahanSum
    {
        private float sum, compensation;

        public readonly float Total => sum;

        public void Add(float value)
        {
            float term = value - compensation;
            float next = sum + term;
            compensation = next - sum - term;
            sum = next;
        }
    }

    /// <summary>The reductions of one segment: mean, squares, deviations (each has its own group scratch).</summary>
    private const int SegmentReductions = 3;

    /// <summary>Sums one value per participant of a segment's reduction number <c>reduction</c> (0, 1, 2).</summary>
    private interface ISegmentSum
    {
        float Sum(float value, int reduction);
    }

    /// <summary>The whole group reduces (shared memory, barriers); each reduction in its own slice of the scratch.</summary>
    private readonly struct GroupSegmentSum(ArrayView<float> scratch) : ISegmentSum
    {
        public float Sum(float value, int reduction) => GroupedKernels.GroupSum(value, GroupedKernels.ReductionScratch(scratch, reduction));
    }

    /// <summary>A single thread does the whole segment: its own sum is the total.</summary>
    private readonly struct ThreadSegmentSum : ISegmentSum
    {
        public float Sum(float value, int reduction) => value;
    }

    private static void SegmentPerGroupKernel(ArrayView<float> x, ArrayView<float> output, SegmentParams p)
    {
        var scratch = SharedMemory.Allocate<float>(SegmentReductions * GroupedKernels.MaxGroupSize);
        NormalizeSegment(x, output, p, Grid.IdxX * p.Length, Group.IdxX, Group.DimX, new GroupSegmentSum(scratch));
    }

    private static void SegmentPerThreadKernel(Index1D i, ArrayView<float> x, ArrayView<float> output, SegmentParams p)
    {
        for (int segment = i; segment < p.Segments; segment += p.Threads)
            NormalizeSegment(x, output, p, segment * p.Length, 0, 1, default(ThreadSegmentSum));
    }

    /// <summary>
    /// Normalises the segment at <paramref name="start"/>, this thread taking elements tid, tid + stride, …
    /// and <paramref name="sums"/> combining the threads' partial sums. Three passes. A 512×512 plane with a
    /// large mean loses digits in a plain float sum, so the mean μ is summed with Kahan compensation per
    /// thread (all three sums are compensated: on the CPU one thread sums a whole plane). Even an exact μ rounded to float32 is off by up to half an ulp of the mean, which for a
    /// plane of mean 40 and spread 0.3 is a relative error of ~5e-6 in every output; so the second pass
    /// also sums the deviations d = x − μ: δ = Σd/n is what μ lacks, applied as (x − μ) − δ, and the
    /// variance is the corrected two-pass σ² = (Σd² − (Σd)²/n)/n.
    /// </summary>
    private static void NormalizeSegment<TSum>(ArrayView<float> x, ArrayView<float> output, SegmentParams p,
        int start, int tid, int stride, TSum sums) where TSum : struct, ISegmentSum
    {
        float mean = 0f;
        if (p.Center != 0)
        {
            var sum = default(KahanSum);
            for (int k = tid; k < p.Length; k += stride) sum.Add(x[start + k]);
            mean = sums.Sum(sum.Total, 0) / p.Length;
        }

        var squares = default(KahanSum);
        var deviations = default(KahanSum);
        for (int k = tid; k < p.Length; k += stride)
        {
            float d = x[start + k] - mean;
            squares.Add(d * d);
            deviations.Add(d);
        }
        float sumSquares = sums.Sum(squares.Total, 1);
        float variance = sumSquares / p.Length;
        float meanCorrection = 0f;
        if (p.Center != 0)
        {
            float sumDeviations = sums.Sum(deviations.Total, 2);
            meanCorrection = sumDeviations / p.Length;
            variance = XMath.Max(0f, (sumSquares - sumDeviations * meanCorrection) / p.Length);
        }

        float inverse = XMath.Rsqrt(variance + p.Epsilon);
        for (int k = tid; k < p.Length; k += stride)
            output[start + k] = (x[start + k] - mean - meanCorrection) * inverse;
    }
}
