using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>
/// Hole filling (HoleFill.Apply, feature_inpaint_conv): where the splatted ones map is 0, the 7×7 box mean with zero
/// padding; holes at random and at the corners; tolerance 1e-5 as HoleFillTests.
/// </summary>
internal sealed class HoleFillCheck(string name, Shape4 shape, int seed) : SelfTestCheck(name, "hole-fill", 1e-5, false)
{
    public Shape4 Shape => shape;
    public float[] Feature => RandomWeights.Uniform((int)shape.Length, seed);

    /// <summary>0 for about 30% of the pixels and at each image's first and last pixel, else in [0.5, 1.5).</summary>
    public float[] Ones
    {
        get
        {
            int plane = shape.H * shape.W;
            var ones = RandomWeights.Uniform(shape.N * plane, seed + 1).Select(v => v < -0.4f ? 0f : 1f + 0.5f * v).ToArray();
            for (int b = 0; b < shape.N; b++) ones[b * plane] = ones[b * plane + plane - 1] = 0f;
            return ones;
        }
    }

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        using var feature = device.Upload(Feature, shape);
        using var ones = device.Upload(Ones, shape with { C = 1 });
        using var output = device.Allocate(shape);
        HoleFill.Apply(feature, ones, output);
        return output.ToArray();
    }

    public static IEnumerable<SelfTestCheck> All() =>
    [
        new HoleFillCheck("hole-fill/7x7-box-mean", new(2, 3, 9, 13), 1300),
    ];
}
