using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// A feature map as the hole filter reads it: channels 4g..4g+3 of pixel (n, y, x) of an N×C×H×W map, as one
/// <see cref="Float4"/> (components past C−1 are not values; callers ignore them). Implemented by a dense tensor and
/// by the joint-splat accumulator (which normalises on read, a pixel's group in one access), so the same box filter
/// serves the standalone op and the fused splat resolve.
/// </summary>
internal interface IFeatureSource
{
    Float4 Read(int n, int g, int y, int x);
}

/// <summary>A dense N×C×H×W tensor.</summary>
internal readonly struct DenseFeature(ArrayView<float> data, int channels, int height, int width) : IFeatureSource
{
    private readonly ArrayView<float> data = data;
    private readonly int channels = channels, height = height, width = width;

    public Float4 Read(int n, int g, int y, int x)
    {
        long plane = (long)height * width, at = (long)n * channels * plane + (long)y * width + x;
        int c = 4 * g;
        return new Float4(Value(at, plane, c), Value(at, plane, c + 1), Value(at, plane, c + 2), Value(at, plane, c + 3));
    }

    private float Value(long at, long plane, int c) => c < channels ? data[at + c * plane] : 0f;
}

/// <summary>
/// Hole filling of the deep feature warp, the original's <c>feature_inpaint_conv</c> (DESIGN.md "Hole
/// filling"): where the splatted map of ones is 0 (no source landed), the feature is replaced by its 7×7
/// box filter (zero padding, weights 1/49); elsewhere it is kept.
/// </summary>
public static class HoleFill
{
    /// <summary>Half the box filter's side: a 7×7 window, as <c>feature_inpaint_conv</c>.</summary>
    public const int Radius = 3;

    /// <summary>The box filter's weight: <c>torch.ones(7, 7) / 49</c> in float32.</summary>
    private const float Weight = 1f / 49f;

    /// <summary>
    /// output = where(onesMap == 0, box7×7(feature), feature). <paramref name="onesMap"/> is N×1×H×W
    /// (the splatted map of ones); output may not alias feature (the filter reads neighbours).
    /// </summary>
    public static void Apply(Tensor feature, Tensor onesMap, Tensor output)
    {
        if (output.Shape != feature.Shape)
            throw new ArgumentException($"hole fill: output {output.Shape} differs from feature {feature.Shape}");
        if (onesMap.Shape != feature.Shape with { C = 1 })
            throw new ArgumentException($"hole fill: ones map {onesMap.Shape} must be {feature.Shape with { C = 1 }}");
        var source = new DenseFeature(feature.View, feature.C, feature.H, feature.W);
        // A work item is one pixel, all its channels: the ones map is read once for them.
        var split = WorkSplit.For(feature.Device, (long)output.N * output.H * output.W);
        feature.Device.Load<DenseFeature, ArrayView<float>, ArrayView<float>, Shape4, WorkSplit>(ApplyKernel)(
            split.Threads, source, onesMap.View, output.View, output.Shape, split);
    }

    /// <summary>
    /// The 7×7 box filter of channels 4g..4g+3 at one pixel, reading zeros outside the H×W plane (conv2d padding 3);
    /// each channel's sum is added in the same order as a scalar filter's.
    /// </summary>
    internal static Float4 BoxMean<TSource>(TSource source, int n, int g, int y, int x, int height, int width)
        where TSource : struct, IFeatureSource
    {
        var sum = new Float4();
        for (int dy = -Radius; dy <= Radius; dy++)
        {
            int yy = y + dy;
            if (yy < 0 || yy >= height) continue;
            for (int dx = -Radius; dx <= Radius; dx++)
            {
                int xx = x + dx;
                if (xx < 0 || xx >= width) continue;
                Float4.AddScaled(ref sum, source.Read(n, g, yy, xx), Weight);
            }
        }
        return sum;
    }

    private static void ApplyKernel(Index1D thread, DenseFeature source, ArrayView<float> onesMap, ArrayView<float> output, Shape4 s,
        WorkSplit split)
    {
        int plane = s.H * s.W;
        for (int i = split.Begin(thread), end = split.End(thread); i < end; i++)
        {
            int n = i / plane, pixel = i - n * plane, y = pixel / s.W, x = pixel - y * s.W;
            bool hole = onesMap[i] == 0f;
            long at = (long)n * s.C * plane + pixel;
            for (int g = 0; g < s.C; g += 4)
            {
                var v = hole ? BoxMean(source, n, g / 4, y, x, s.H, s.W) : source.Read(n, g / 4, y, x);
                for (int k = 0; k < 4 && g + k < s.C; k++) output[at + (long)(g + k) * plane] = v.Get(k);
            }
        }
    }
}
