using CineKernel.Kernels;
using CineKernel.Pipeline.Motion;
using CineKernel.WeightsLoader;

namespace CineKernel.Tests.Support;

/// <summary>pix2pixHD's GlobalGenerator as the motion network (reflection padding, instance norm, bilinear ×2 + conv) in plain float64.</summary>
public static class MotionReference
{
    /// <summary>
    /// The network of <paramref name="config"/> with the parameters <paramref name="read"/> gives (state_dict names) on
    /// x (N×3×H×W), in float64 from the tests' own references (ConvReference, DfwReference.Bilinear).
    /// </summary>
    public static double[] Forward(MotionGeneratorConfig config, Func<string, TensorData> read, double[] x, Shape4 s)
    {
        double[] Conv(string prefix, int k, int stride, Padding2d pad, ref Shape4 shape, double[] input)
        {
            var w = read($"{prefix}.weight");
            var ws = Shape4.FromDims(w.Shape);
            var y = ConvReference.Conv2d(input, shape, Numerics.ToDouble(w.Data), ws, Numerics.ToDouble(read($"{prefix}.bias").Data), stride, pad, 1, ActivationFunction.Identity);
            shape = Conv2d.OutputShape(shape, ws, stride, pad);
            return y;
        }
        double[] Norm(double[] v, Shape4 shape, bool relu)
        {
            int plane = shape.H * shape.W;
            var y = new double[v.Length];
            for (int start = 0; start < v.Length; start += plane)
            {
                double mean = 0, variance = 0;
                for (int i = 0; i < plane; i++) mean += v[start + i];
                mean /= plane;
                for (int i = 0; i < plane; i++) variance += (v[start + i] - mean) * (v[start + i] - mean);
                double inverse = 1 / Math.Sqrt(variance / plane + 1e-5);
                for (int i = 0; i < plane; i++) y[start + i] = relu ? Math.Max(0, (v[start + i] - mean) * inverse) : (v[start + i] - mean) * inverse;
            }
            return y;
        }
        var reflect3 = Padding2d.Uniform(3, PaddingMode.Reflect);
        var reflect1 = Padding2d.Uniform(1, PaddingMode.Reflect);
        var zeros1 = Padding2d.Uniform(1);
        x = Norm(Conv(MotionGeneratorConfig.FirstConv, 7, 1, reflect3, ref s, x), s, relu: true);
        for (int i = 0; i < config.Downsamplings; i++) x = Norm(Conv(config.DownConv(i), 3, 2, zeros1, ref s, x), s, relu: true);
        for (int b = 0; b < config.ResidualBlocks; b++)
        {
            var hs = s;
            var h = Norm(Conv($"{config.Block(b)}.conv_block.1", 3, 1, reflect1, ref hs, x), hs, relu: true);
            h = Norm(Conv($"{config.Block(b)}.conv_block.5", 3, 1, reflect1, ref hs, h), hs, relu: false);
            x = x.Zip(h, (a, c) => a + c).ToArray();
        }
        for (int i = 0; i < config.Downsamplings; i++)
        {
            x = DfwReference.Bilinear(x, s, s.H * 2, s.W * 2, alignCorners: true);
            s = s with { H = s.H * 2, W = s.W * 2 };
            x = Norm(Conv(config.UpConv(i), 3, 1, zeros1, ref s, x), s, relu: true);
        }
        return Conv(config.LastConv, 7, 1, reflect3, ref s, x);
    }
}
