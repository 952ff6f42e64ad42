namespace CineKernel.Tests.Support;

/// <summary>
/// Plain float64 references for the small op families (linear, activations, noise, normalisations,
/// pooling, batch norm), written from the PyTorch definitions, loop by loop, with no shared code
/// with the kernels.
/// </summary>
public static class SmallOpsReference
{
    /// <summary>leaky_relu(v, slope)·gain.</summary>
    public static double Activate(double v, double negativeSlope, double gain) => (v >= 0 ? v : v * negativeSlope) * gain;

    /// <summary>
    /// y[r, o] = act(Σ_k x[r, k]·W[o, offset + k]·weightScale + b[o]·biasScale), x rows×in row-major,
    /// W out×weightColumns row-major.
    /// </summary>
    public static double[] Linear(float[] x, int rows, int inFeatures, float[] weight, int outFeatures, int weightColumns,
        float[]? bias, double weightScale = 1, double biasScale = 1, double negativeSlope = 1, double gain = 1, int columnOffset = 0)
    {
        var y = new double[rows * outFeatures];
        for (int r = 0; r < rows; r++)
        for (int o = 0; o < outFeatures; o++)
        {
            double dot = 0;
            for (int k = 0; k < inFeatures; k++)
                dot += (double)x[r * inFeatures + k] * weight[o * weightColumns + columnOffset + k];
            double v = dot * weightScale + (bias is null ? 0 : bias[o] * biasScale);
            y[r * outFeatures + o] = Activate(v, negativeSlope, gain);
        }
        return y;
    }

    /// <summary>Channels-first N×C×H×W to rows (N·H·W)×C, in float (a pure permutation).</summary>
    public static float[] PixelsToRows(float[] nchw, int n, int c, int h, int w)
    {
        var rows = new float[nchw.Length];
        int plane = h * w;
        for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
        for (int p = 0; p < plane; p++)
            rows[(b * plane + p) * c + ch] = nchw[(b * c + ch) * plane + p];
        return rows;
    }

    /// <summary>Rows (N·H·W)×C back to N×C×H×W.</summary>
    public static double[] RowsToPixels(double[] rows, int n, int c, int h, int w)
    {
        var nchw = new double[rows.Length];
        int plane = h * w;
        for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
        for (int p = 0; p < plane; p++)
            nchw[(b * c + ch) * plane + p] = rows[(b * plane + p) * c + ch];
        return nchw;
    }

    /// <summary>
    /// Per-channel v = x·scale[c] + shift[c]·shiftScale, then leaky(v, slope[c] or negativeSlope)·gain, NCHW.
    /// </summary>
    public static double[] ChannelActivation(float[] x, int n, int c, int h, int w, float[]? scale, float[]? shift,
        double shiftScale, float[]? slopes, double negativeSlope, double gain)
    {
        var y = new double[x.Length];
        int plane = h * w;
        for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
        for (int p = 0; p < plane; p++)
        {
            int i = (b * c + ch) * plane + p;
            double v = x[i] * (scale is null ? 1.0 : scale[ch]) + (shift is null ? 0.0 : shift[ch] * shiftScale);
            y[i] = Activate(v, slopes is null ? negativeSlope : slopes[ch], gain);
        }
        return y;
    }

    /// <summary>x + weight·noise, noise N'×1×H×W with N' = 1 (broadcast) or N.</summary>
    public static double[] NoiseInjection(float[] x, int n, int c, int h, int w, float[] noise, double weight)
    {
        var y = new double[x.Length];
        int plane = h * w;
        bool perImage = noise.Length == n * plane;
        for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
        for (int p = 0; p < plane; p++)
        {
            int i = (b * c + ch) * plane + p;
            y[i] = x[i] + weight * noise[(perImage ? b * plane : 0) + p];
        }
        return y;
    }

    /// <summary>x · (mean(x²) + 1e-8)^(-1/2) over each row of <paramref name="features"/> values.</summary>
    public static double[] PixelNorm(float[] x, int features)
    {
        var y = new double[x.Length];
        for (int r = 0; r < x.Length / features; r++)
        {
            double sumSquares = 0;
            for (int k = 0; k < features; k++) sumSquares += (double)x[r * features + k] * x[r * features + k];
            double inverse = 1 / Math.Sqrt(sumSquares / features + 1e-8);
            for (int k = 0; k < features; k++) y[r * features + k] = x[r * features + k] * inverse;
        }
        return y;
    }

    /// <summary>InstanceNorm2d without affine: per plane (x − mean)/√(biased var + eps), two-pass in float64.</summary>
    public static double[] InstanceNorm(float[] x, int planeLength, double epsilon = 1e-5)
    {
        var y = new double[x.Length];
        for (int start = 0; start < x.Length; start += planeLength)
        {
            double sum = 0;
            for (int k = 0; k < planeLength; k++) sum += x[start + k];
            double mean = sum / planeLength;
            double squares = 0;
            for (int k = 0; k < planeLength; k++) squares += (x[start + k] - mean) * (x[start + k] - mean);
            double inverse = 1 / Math.Sqrt(squares / planeLength + epsilon);
            for (int k = 0; k < planeLength; k++) y[start + k] = (x[start + k] - mean) * inverse;
        }
        return y;
    }

    /// <summary>AdaptiveAvgPool2d: cell (i, j) averages rows [⌊iH/OH⌋, ⌈(i+1)H/OH⌉) × cols likewise.</summary>
    public static double[] AdaptiveAveragePool(float[] x, int planes, int h, int w, int oh, int ow)
    {
        var y = new double[planes * oh * ow];
        for (int pl = 0; pl < planes; pl++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            int y0 = (int)Math.Floor((double)i * h / oh), y1 = (int)Math.Ceiling((double)(i + 1) * h / oh);
            int x0 = (int)Math.Floor((double)j * w / ow), x1 = (int)Math.Ceiling((double)(j + 1) * w / ow);
            double sum = 0;
            for (int yy = y0; yy < y1; yy++)
            for (int xx = x0; xx < x1; xx++)
                sum += x[(pl * h + yy) * w + xx];
            y[(pl * oh + i) * ow + j] = sum / ((y1 - y0) * (x1 - x0));
        }
        return y;
    }

    /// <summary>Inference BatchNorm on values whose channel index is channelOf(i): (x − mean)/√(var + eps)·γ + β.</summary>
    public static double[] BatchNorm(double[] x, Func<int, int> channelOf, float[] gamma, float[] beta, float[] mean, float[] variance,
        double epsilon)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int c = channelOf(i);
            y[i] = (x[i] - mean[c]) / Math.Sqrt(variance[c] + (double)epsilon) * gamma[c] + beta[c];
        }
        return y;
    }

    /// <summary>Linear on float64 inputs: y[r, o] = Σ_k x[r, k]·W[o, k] + b[o].</summary>
    public static double[] Linear(double[] x, int rows, int inFeatures, float[] weight, int outFeatures, float[]? bias)
    {
        var y = new double[rows * outFeatures];
        for (int r = 0; r < rows; r++)
        for (int o = 0; o < outFeatures; o++)
        {
            double dot = bias is null ? 0 : bias[o];
            for (int k = 0; k < inFeatures; k++) dot += x[r * inFeatures + k] * weight[o * inFeatures + k];
            y[r * outFeatures + o] = dot;
        }
        return y;
    }

    /// <summary>A valid (unpadded) 2-D convolution, stride 1, NCHW, float64.</summary>
    public static double[] Conv2dValid(double[] x, int n, int cin, int h, int w, float[] weight, int cout, int k, float[]? bias)
    {
        int oh = h - k + 1, ow = w - k + 1;
        var y = new double[n * cout * oh * ow];
        for (int b = 0; b < n; b++)
        for (int o = 0; o < cout; o++)
        for (int yy = 0; yy < oh; yy++)
        for (int xx = 0; xx < ow; xx++)
        {
            double sum = bias is null ? 0 : bias[o];
            for (int c = 0; c < cin; c++)
            for (int dy = 0; dy < k; dy++)
            for (int dx = 0; dx < k; dx++)
                sum += x[((b * cin + c) * h + yy + dy) * w + xx + dx] * weight[((o * cin + c) * k + dy) * k + dx];
            y[((b * cout + o) * oh + yy) * ow + xx] = sum;
        }
        return y;
    }
}
