using ILGPU;

namespace CineKernel.Kernels;

/// <summary>
/// A feature map as the hole filter reads it: value (n, c, y, x) of an N×C×H×W map. Implemented by a
/// dense tensor and by the joint-splat accumulator (which normalises on read), so the same box filter
/// serves the standalone op and the fused splat resolve.
/// </summary>
internal interface IFeatureSource
{
    float Read(int n, int c, int y, int x);
}

/// <summary>A dense N×C×H×W tensor.</summary>
internal readonly struct DenseFeature(ArrayView<float> data, int channels, int height, int width) : IFeatureSource
{
    private readonly ArrayView<float> data = data;
    private readonly int channels = channels, height = height, width = width;

    public float Read(int n, int c, int y, int x) => data[(((long)n * channels + c) * height + y) * width + x];
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
        int threads = GridStride.Threads(feature.Device, output.Length);
        feature.Device.Load<DenseFeature, ArrayView<float>, ArrayView<float>, Shape4, int>(ApplyKernel)(
            threads, source, onesMap.View, output.View, output.Shape, threads);
    }

    /// <summary>The 7×7 box filter of one element, reading zeros outside the H×W plane (conv2d padding 3).</summary>
    internal static float BoxMean<TSource>(TSource source, int n, int c, int y, int x, int height, int width)
        where TSource : struct, IFeatureSource
    {
        float sum = 0f;
        for (int dy = -Radius; dy <= Radius; dy++)
        {
            int yy = y + dy;
            if (yy < 0 || yy >= height) continue;
            for (int dx = -Radius; dx <= Radius; dx++)
            {
                int xx = x + dx;
                if (xx < 0 || xx >= width) continue;
                sum += source.Read(n, c, yy, xx) * Weight;
            }
        }
        return sum;
    }

    private static void ApplyKernel(Index1D thread, DenseFeature source, ArrayView<float> onesMap, ArrayView<float> output, Shape4 s, int stride)
    {
        for (int i = thread; i < s.Length; i += stride)
        {
            int x = i % s.W;
            int y = i / s.W % s.H;
            int c = i / (s.W * s.H) % s.C;
            int n = i / (s.W * s.H * s.C);
            bool hole = onesMap[((long)n * s.H + y) * s.W + x] == 0f;
            output[i] = hole ? BoxMean(source, n, c, y, x, s.H, s.W) : source.Read(n, c, y, x);
        }
    }
}
