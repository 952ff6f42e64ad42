using CineKernel.Kernels;

namespace CineKernel.Pipeline.Motion;

/// <summary>
/// The original's <c>z_score_filtering</c> (utils/flow_utils.py): drops outlier motion vectors.
/// Per pixel the magnitude is the L2 norm over the channels; the mean and the population standard
/// deviation are taken over every non-zero magnitude of the whole tensor (zeros are NaN to
/// np.nanmean/np.nanstd); a pixel whose |magnitude − mean|/std exceeds 3 gets motion 0.
/// With no non-zero magnitude, or all of them equal (std 0, z NaN for them), the flow is unchanged,
/// as the NaN comparisons leave it in the original.
/// </summary>
public static class MotionZScoreFilter
{
    public const double Threshold = 3;

    /// <summary>Returns the filtered copy of <paramref name="flow"/> (N×C×H×W, <paramref name="shape"/>).</summary>
    public static float[] Apply(ReadOnlySpan<float> flow, Shape4 shape)
    {
        if (flow.Length != shape.Length) throw new ArgumentException($"z-score filter: {flow.Length} values do not fill shape {shape}");
        int plane = shape.H * shape.W;
        var magnitude = new float[(long)shape.N * plane];
        for (int n = 0; n < shape.N; n++)
            for (int p = 0; p < plane; p++)
            {
                float sum = 0;
                for (int c = 0; c < shape.C; c++)
                {
                    float v = flow[(n * shape.C + c) * plane + p];
                    sum += v * v;
                }
                magnitude[(long)n * plane + p] = MathF.Sqrt(sum);
            }

        double mean = 0, count = 0;
        foreach (float m in magnitude)
            if (m != 0) { mean += m; count++; }
        var result = flow.ToArray();
        if (count == 0) return result;
        mean /= count;
        double variance = 0;
        foreach (float m in magnitude)
            if (m != 0) variance += (m - mean) * (m - mean);
        double std = Math.Sqrt(variance / count);
        if (std == 0) return result;

        for (int n = 0; n < shape.N; n++)
            for (int p = 0; p < plane; p++)
            {
                if (Math.Abs((magnitude[(long)n * plane + p] - mean) / std) <= Threshold) continue;
                for (int c = 0; c < shape.C; c++) result[(n * shape.C + c) * plane + p] = 0;
            }
        return result;
    }
}
