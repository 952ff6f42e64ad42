using CineKernel.Kernels;
using CineKernel.Pipeline.Synthesis;
using CineKernel.WeightsLoader;

namespace CineKernel.Tests.Support;

/// <summary>
/// A cinemagraph frame of StyleGAN2's generator, the original's <c>warp_blend_feature</c> with recon and warp index 9
/// (DESIGN.md "A cinemagraph frame"), in float64 from the tests' own references, in the original's order: D replaces
/// the input of convs[8]; its output is warped (DfwReference.WarpOneLevel) and passed through convs[9] into
/// to_rgbs[4], which starts the skip; every later block's output is warped and fed to that block's toRGB with the
/// upsampled skip. Nothing is hoisted or reordered (the engine warps toRGB's conv output instead; this checks that).
/// </summary>
public static class GeneratorReference
{
    /// <summary>
    /// Frame t of an official loop of <paramref name="frames"/> frames: 3×S×S values (S = the generator's size).
    /// <paramref name="wplus"/> is LatentCount × StyleDim, <paramref name="feature"/> D (C × 64 × 64), <paramref name="flow"/>
    /// the motion field 2 × F × F (F = <paramref name="flowSize"/>), resized to each level by the original's
    /// resize_flow (float64, then float32 as torch leaves it).
    /// </summary>
    public static double[] Frame(GeneratorConfig config, Func<string, TensorData> read, float[] wplus, float[] feature,
        float[] flow, int flowSize, int t, int frames)
    {
        const int firstBlock = 4, featureResolution = 64;
        var layers = new Layers(config, read, wplus);
        var d = new Map(Numerics.ToDouble(feature), new Shape4(1, config.ChannelsAt(featureResolution), featureResolution, featureResolution));

        Map Warp(Map x)
        {
            int size = x.Shape.H;
            var levelFlow = Array.ConvertAll(DfwReference.ResizeFlow(flow, flowSize, size), v => (float)v);
            var warped = DfwReference.WarpOneLevel(Array.ConvertAll(x.Data, v => (float)v), x.Shape.C, size, levelFlow, t, frames).Warped;
            return x with { Data = warped };
        }

        var out_ = layers.StyledConv(2 * firstBlock, d);
        var skip = layers.ToRgb(firstBlock, layers.StyledConv(2 * firstBlock + 1, Warp(out_)), null);
        out_ = layers.StyledConv(2 * firstBlock + 1, out_);
        for (int j = firstBlock + 1; j < config.Blocks; j++)
        {
            out_ = layers.StyledConv(2 * j + 1, layers.StyledConv(2 * j, out_));
            skip = layers.ToRgb(j, Warp(out_), skip);
        }
        return skip.Data;
    }

    /// <summary>A float64 NCHW tensor.</summary>
    private sealed record Map(double[] Data, Shape4 Shape);

    private sealed class Layers(GeneratorConfig config, Func<string, TensorData> read, float[] wplus)
    {
        private double[] Values(string name) => Numerics.ToDouble(read(name).Data);

        /// <summary>s = modulation(latent[i]): EqualLinear(style_dim → Cin, bias_init 1), x·(W/√style_dim)ᵀ + b.</summary>
        private double[] Style(string prefix, int latentIndex)
        {
            int sd = config.StyleDim;
            var weight = read($"{prefix}.conv.modulation.weight");
            var bias = read($"{prefix}.conv.modulation.bias").Data;
            int cin = (int)weight.Shape[0];
            var style = new double[cin];
            for (int i = 0; i < cin; i++)
            {
                double acc = 0;
                for (int j = 0; j < sd; j++) acc += weight.Data[i * sd + j] * (double)wplus[latentIndex * sd + j];
                style[i] = acc / Math.Sqrt(sd) + bias[i];
            }
            return style;
        }

        private static Shape4 ConvShape(TensorData weight) => Shape4.FromDims(weight.Shape.AsSpan(1)); // stored 1×Cout×Cin×K×K

        /// <summary>convs[k] (latent k+1, noise k+1, even k upsample): modulated conv, + noise_weight·noise, fused leaky ReLU with the bias.</summary>
        public Map StyledConv(int k, Map x)
        {
            string prefix = $"convs.{k}";
            bool upsample = k % 2 == 0;
            var weight = read($"{prefix}.conv.weight");
            var ws = ConvShape(weight);
            var y = ConvReference.ModulatedConv2d(x.Data, x.Shape, Numerics.ToDouble(weight.Data), ws, Style(prefix, k + 1), demodulate: true,
                upsample, upsample ? Values($"{prefix}.conv.blur.kernel") : null, 4, null, ActivationFunction.Identity);
            var shape = new Shape4(1, ws.N, upsample ? 2 * x.Shape.H : x.Shape.H, upsample ? 2 * x.Shape.W : x.Shape.W);
            double noiseWeight = read($"{prefix}.noise.weight").Data[0];
            var noise = read($"noises.noise_{k + 1}").Data;
            var bias = read($"{prefix}.activate.bias").Data;
            int plane = shape.H * shape.W;
            for (int i = 0; i < y.Length; i++)
                y[i] = ConvReference.Activate(y[i] + noiseWeight * noise[i % plane] + bias[i / plane], ActivationFunction.FusedLeakyRelu);
            return new Map(y, shape);
        }

        /// <summary>to_rgbs[j] (latent 2j+3): 1×1 modulated conv without demodulation, + bias, + the skip upsampled by upfirdn2d (up 2, pad (2, 1)).</summary>
        public Map ToRgb(int block, Map x, Map? skip)
        {
            string prefix = $"to_rgbs.{block}";
            var weight = read($"{prefix}.conv.weight");
            var y = ConvReference.ModulatedConv2d(x.Data, x.Shape, Numerics.ToDouble(weight.Data), ConvShape(weight), Style(prefix, 2 * block + 3),
                demodulate: false, upsample: false, null, 0, Values($"{prefix}.bias"), ActivationFunction.Identity);
            if (skip is not null)
            {
                var up = ConvReference.Upfirdn2d(skip.Data, skip.Shape, Values($"{prefix}.upsample.kernel"), 4, 4, UpfirdnParams.Symmetric(2, 1, 2, 1));
                for (int i = 0; i < y.Length; i++) y[i] += up[i];
            }
            return new Map(y, x.Shape with { C = 3 });
        }
    }
}
