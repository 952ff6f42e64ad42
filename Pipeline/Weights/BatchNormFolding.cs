namespace CineKernel.Pipeline.Weights;

/// <summary>
/// Folds inference BatchNorms away at load time (DESIGN.md "Encoder": fold every inference BatchNorm
/// into the preceding conv or an affine). With s = γ/√(var + ε) and t = β − mean·s a BatchNorm is the
/// per-channel affine y = x·s + t, which
/// <list type="bullet">
/// <item>merges into the conv or linear layer before it: W'[o,…] = W[o,…]·s[o], b'[o] = b[o]·s[o] + t[o];</item>
/// <item>merges into the linear layer after it (the DatasetGAN classifier: Linear→ReLU→BN→Linear, where
/// the ReLU keeps the BN from folding backwards): W'[o,c] = W[o,c]·s[c], b'[o] = b[o] + Σ_c W[o,c]·t[c];</item>
/// <item>else stays a standalone per-channel affine (<see cref="Kernels.Normalization.ChannelAffine(Kernels.Tensor, Kernels.Tensor, Kernels.Tensor, Kernels.Tensor)"/>).</item>
/// </list>
/// All arithmetic is float64, rounded to float32 once. The weights are the effective ones (after any
/// equalised-learning-rate scale), as the layer will use them with scale 1.
/// </summary>
public static class BatchNormFolding
{
    /// <summary>The BatchNorm as out = x·scale + shift.</summary>
    public static (float[] Scale, float[] Shift) ToScaleShift(BatchNormParameters bn)
    {
        var (s, t) = Affine(bn);
        return (ToFloat(s), ToFloat(t));
    }

    /// <summary>
    /// BN(layer(x)) as one layer: <paramref name="weight"/> is Out×… (a conv's Out×In×kh×kw or a linear
    /// Out×In, flattened) with Out = the BatchNorm's channels; <paramref name="bias"/> Out values or
    /// null (a conv without bias gets one).
    /// </summary>
    public static (float[] Weight, float[] Bias) FoldIntoPreceding(float[] weight, float[]? bias, BatchNormParameters bn)
    {
        int outChannels = bn.Channels;
        if (outChannels == 0 || weight.Length % outChannels != 0)
            throw new ArgumentException(
                $"batch norm fold: a weight of {weight.Length} values does not split into {outChannels} output channels");
        RequireBias(bias, outChannels, "the layer's output channels");
        var (s, t) = Affine(bn);
        int block = weight.Length / outChannels;
        var folded = new float[weight.Length];
        var foldedBias = new float[outChannels];
        for (int o = 0; o < outChannels; o++)
        {
            for (int k = 0; k < block; k++)
                folded[o * block + k] = (float)(weight[o * block + k] * s[o]);
            foldedBias[o] = (float)((bias is null ? 0.0 : bias[o]) * s[o] + t[o]);
        }
        return (folded, foldedBias);
    }

    /// <summary>
    /// next(BN(h)) as one linear layer: <paramref name="weight"/> is Out×In with In = the BatchNorm's
    /// channels; <paramref name="bias"/> Out values or null.
    /// </summary>
    public static (float[] Weight, float[] Bias) FoldIntoFollowingLinear(float[] weight, float[]? bias, BatchNormParameters bn)
    {
        int inFeatures = bn.Channels;
        if (inFeatures == 0 || weight.Length % inFeatures != 0)
            throw new ArgumentException(
                $"batch norm fold: a linear weight of {weight.Length} values does not have {inFeatures} input columns");
        int outFeatures = weight.Length / inFeatures;
        RequireBias(bias, outFeatures, "the next layer's outputs");
        var (s, t) = Affine(bn);
        var folded = new float[weight.Length];
        var foldedBias = new float[outFeatures];
        for (int o = 0; o < outFeatures; o++)
        {
            double b = bias is null ? 0.0 : bias[o];
            for (int c = 0; c < inFeatures; c++)
            {
                double w = weight[o * inFeatures + c];
                folded[o * inFeatures + c] = (float)(w * s[c]);
                b += w * t[c];
            }
            foldedBias[o] = (float)b;
        }
        return (folded, foldedBias);
    }

    private static (double[] Scale, double[] Shift) Affine(BatchNormParameters bn)
    {
        var s = new double[bn.Channels];
        var t = new double[bn.Channels];
        for (int c = 0; c < s.Length; c++)
        {
            s[c] = bn.Gamma[c] / Math.Sqrt((double)bn.RunningVar[c] + bn.Epsilon);
            t[c] = bn.Beta[c] - bn.RunningMean[c] * s[c];
        }
        return (s, t);
    }

    private static void RequireBias(float[]? bias, int expected, string what)
    {
        if (bias is not null && bias.Length != expected)
            throw new ArgumentException($"batch norm fold: bias has {bias.Length} values but {what} number {expected}");
    }

    private static float[] ToFloat(double[] v) => Array.ConvertAll(v, x => (float)x);
}
