using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;
using CineKernel.Tools.Eval;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>
/// Joint splatting (JointSplat.Accumulate + Resolve, softsplat 'linear'): the original's own output on its fixture
/// (dfw_ops.safetensors in.splat.* → out.splat, metric maps), still sources with the moving-pixel list, the banded
/// pass with a reach, and the fused hole fill + crop; tolerance 1e-5 as JointSplatTests.
/// </summary>
internal sealed class SplatCheck(SplatCheck.Case c) : SelfTestCheck(c.Name, "splat", 1e-5, c.Golden)
{
    /// <summary>
    /// Seeded copies of <paramref name="Shape"/> with flows up to ±<paramref name="FlowRange"/> and Z = ZA, ZB (no metric maps),
    /// a still region (rows above Still·H) listed by MovingPixels when <paramref name="UseList"/>, an optional reach,
    /// and a resolve cropping OH×OW at Top/Left with hole filling when <paramref name="Fill"/>. <paramref name="Golden"/>:
    /// the fixture's tensors instead, stored with the expectations.
    /// </summary>
    public sealed record Case(string Name, Shape4 Shape, float FlowRange, float ZA, float ZB, double Still, bool UseList, int? Reach,
        int Top, int Left, int OH, int OW, bool Fill, int Seed, bool Golden = false);

    /// <summary>The fixture tensors a golden case reads (and stores as NAME/in.*).</summary>
    public static IReadOnlyList<string> GoldenInputs => SplatEvaluation.Inputs;

    public Case Parameters => c;
    public float[] A => RandomWeights.Uniform((int)c.Shape.Length, c.Seed);
    public float[] B => RandomWeights.Uniform((int)c.Shape.Length, c.Seed + 1);
    public float[] FlowA => Flow(c.Seed + 2);
    public float[] FlowB => Flow(c.Seed + 3);

    /// <summary>1 where either flow moves the pixel (the field MovingPixels lists), per image 2 planes.</summary>
    public float[] Motion
    {
        get
        {
            var a = FlowA;
            var b = FlowB;
            return a.Zip(b, (x, y) => x != 0f || y != 0f ? 1f : 0f).ToArray();
        }
    }

    private float[] Flow(int seed)
    {
        var flow = RandomWeights.Uniform(2 * c.Shape.N * c.Shape.H * c.Shape.W, seed, c.FlowRange);
        int plane = c.Shape.H * c.Shape.W;
        for (int i = 0; i < flow.Length; i++)
            if (i % plane / c.Shape.W < c.Still * c.Shape.H) flow[i] = 0f;
        return flow;
    }

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        if (c.Golden) return SplatEvaluation.Splat(device, name => data.Input(Name, name)).Data;
        var flowShape = c.Shape with { C = 2 };
        using var a = device.Upload(A, c.Shape);
        using var b = device.Upload(B, c.Shape);
        using var fa = device.Upload(FlowA, flowShape);
        using var fb = device.Upload(FlowB, flowShape);
        using var motion = device.Upload(Motion, flowShape);
        using var moving = c.UseList ? MovingPixels.Of(motion) : null;
        using var acc = device.Allocate(JointSplat.AccumulatorShape(c.Shape));
        acc.Fill(123f); // the staying pass must clear it
        using var output = device.Allocate(c.Shape with { H = c.OH, W = c.OW });
        JointSplat.Accumulate(new SplatSource(a, fa, null, c.ZA), new SplatSource(b, fb, null, c.ZB), acc, null, moving, c.Reach);
        JointSplat.Resolve(acc, output, c.Top, c.Left, c.Fill);
        return output.ToArray();
    }

    public static IEnumerable<SelfTestCheck> All() =>
    [
        new SplatCheck(new("splat/golden-joint-splat-metric-maps", new(1, 3, 40, 40), 0, 1, 1, 0, false, null, 0, 0, 40, 40, false, 0, Golden: true)),
        new SplatCheck(new("splat/still-sources-moving-list", new(1, 3, 11, 14), 4f, 0.6f, 0.4f, 0.5, true, null, 0, 0, 11, 14, false, 1200)),
        new SplatCheck(new("splat/banded-with-reach", new(1, 3, 41, 23), 2.4f, 0.25f, 0.75f, 0.2, true, 4, 0, 0, 41, 23, false, 1210)),
        new SplatCheck(new("splat/fill-holes-and-crop", new(1, 3, 13, 15), 4f, 0.6f, 0.4f, 0, false, null, 3, 2, 6, 9, true, 1220)),
    ];
}
