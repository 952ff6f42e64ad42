using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>
/// The per-element and per-channel ops: add-scaled, scale-shift and the masked composite (ElementWise, tolerance 1e-6
/// as ElementWiseTests), PReLU, StyleGAN2's fused leaky ReLU, a folded BatchNorm's channel affine (Activation,
/// Normalization.ChannelAffine) and noise injection (Noise.Inject), tolerance 1e-5 as their tests.
/// </summary>
internal sealed class ElementWiseCheck(ElementWiseCheck.Op op, string name, Shape4 shape, int seed, bool quick = false)
    : SelfTestCheck(name, op is Op.AddScaled or Op.ScaleShift or Op.Composite ? "element-wise" : op == Op.Noise ? "noise" : "activation",
        op is Op.AddScaled or Op.ScaleShift or Op.Composite ? 1e-6 : 1e-5, quick)
{
    public enum Op { AddScaled, ScaleShift, Composite, PRelu, FusedLeakyRelu, ChannelAffine, Noise }

    public const float Beta = -0.75f, Scale = 2.5f, Shift = -1f, BiasScale = 0.01f, NoiseWeight = -0.37f;

    public Op Kind => op;
    public Shape4 Shape => shape;
    public float[] A => RandomWeights.Uniform((int)shape.Length, seed, 2f);
    public float[] B => RandomWeights.Uniform((int)shape.Length, seed + 1);

    /// <summary>Per-channel values (slopes, bias, scale) or, for Composite, the N×1×H×W mask in [0, 1], for Noise one N×1×H×W noise per image.</summary>
    public float[] C => op switch
    {
        Op.Composite => RandomWeights.Uniform(shape.N * shape.H * shape.W, seed + 2, 0.5f).Select(v => v + 0.5f).ToArray(),
        Op.Noise => RandomWeights.Uniform(shape.N * shape.H * shape.W, seed + 2),
        Op.FusedLeakyRelu => RandomWeights.Uniform(shape.C, seed + 2, 100f * BiasScale),
        _ => RandomWeights.Uniform(shape.C, seed + 2, 3f),
    };

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        using var a = device.Upload(A, shape);
        using var o = device.Allocate(shape);
        var perChannel = new Shape4(1, 1, 1, shape.C);
        switch (op)
        {
            case Op.AddScaled:
            {
                using var b = device.Upload(B, shape);
                ElementWise.AddScaled(a, b, Beta, o);
                break;
            }
            case Op.ScaleShift:
                ElementWise.ScaleShift(a, Scale, Shift, o);
                break;
            case Op.Composite:
            {
                using var b = device.Upload(B, shape);
                using var m = device.Upload(C, shape with { C = 1 });
                ElementWise.Composite(a, b, m, o);
                break;
            }
            case Op.PRelu:
            {
                using var slopes = device.Upload(C, perChannel);
                Activation.PRelu(a, slopes, o);
                break;
            }
            case Op.FusedLeakyRelu:
            {
                using var bias = device.Upload(C, new Shape4(1, shape.C, 1, 1));
                Activation.FusedLeakyRelu(a, bias, o, BiasScale);
                break;
            }
            case Op.ChannelAffine:
            {
                using var scale = device.Upload(C, new Shape4(shape.C, 1, 1, 1));
                using var shift = device.Upload(B.AsSpan(0, shape.C).ToArray(), new Shape4(shape.C, 1, 1, 1));
                Normalization.ChannelAffine(a, scale, shift, o);
                break;
            }
            case Op.Noise:
            {
                using var noise = device.Upload(C, shape with { C = 1 });
                Noise.Inject(a, noise, NoiseWeight, o);
                break;
            }
        }
        return o.ToArray();
    }

    public static IEnumerable<SelfTestCheck> All() =>
    [
        new ElementWiseCheck(Op.AddScaled, "element-wise/add-scaled", new(1, 3, 7, 5), 1000),
        new ElementWiseCheck(Op.ScaleShift, "element-wise/scale-shift", new(1, 2, 3, 5), 1010),
        new ElementWiseCheck(Op.Composite, "element-wise/composite-mask-over-channels", new(2, 3, 5, 7), 1020, quick: true),
        new ElementWiseCheck(Op.PRelu, "activation/prelu", new(2, 5, 3, 7), 1030),
        new ElementWiseCheck(Op.FusedLeakyRelu, "activation/fused-leaky-relu-bias-scale", new(2, 5, 3, 7), 1040),
        new ElementWiseCheck(Op.ChannelAffine, "activation/batchnorm-channel-affine", new(2, 5, 3, 7), 1050),
        new ElementWiseCheck(Op.Noise, "noise/inject-per-image", new(2, 3, 5, 7), 1060),
    ];
}
