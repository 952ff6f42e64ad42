using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>
/// Bilinear resize (Resize.Bilinear: torch's align_corners both ways, scale_factor, value scale) and the weight-free
/// renderer's collapse step (Resize.ExpandAdd, with its composite); tolerance 1e-5 as ResizeTests.
/// </summary>
internal sealed class ResizeCheck(ResizeCheck.Case c) : SelfTestCheck(c.Name, "resize", 1e-5, false)
{
    /// <summary>An ExpandAdd case when <paramref name="ExpandAdd"/>: bilinear ×2-ish of Input to OH×OW plus a band (and with <paramref name="Composite"/> a masked composite).</summary>
    public sealed record Case(string Name, Shape4 Input, int OH, int OW, bool AlignCorners, double? ScaleFactor, float ValueScale, int Seed,
        bool ExpandAdd = false, bool Composite = false);

    public Case Parameters => c;
    public Shape4 OutputShape => c.Input with { H = c.OH, W = c.OW };
    public float[] X => RandomWeights.Uniform((int)c.Input.Length, c.Seed);
    public float[] Band => RandomWeights.Uniform((int)OutputShape.Length, c.Seed + 1);
    public float[] Background => RandomWeights.Uniform((int)OutputShape.Length, c.Seed + 2);

    /// <summary>A mask with exact 0s, exact 1s and fractions (N×1×OH×OW).</summary>
    public float[] Mask => RandomWeights.Uniform(c.Input.N * c.OH * c.OW, c.Seed + 3)
        .Select(v => v < -0.4f ? 0f : v > 0.4f ? 1f : v + 0.5f).ToArray();

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        using var x = device.Upload(X, c.Input);
        using var o = device.Allocate(OutputShape);
        if (!c.ExpandAdd)
        {
            Resize.Bilinear(x, o, c.AlignCorners, c.ValueScale, c.ScaleFactor, c.ScaleFactor);
            return o.ToArray();
        }
        using var band = device.Upload(Band, OutputShape);
        if (!c.Composite)
        {
            Resize.ExpandAdd(x, band, o);
            return o.ToArray();
        }
        using var mask = device.Upload(Mask, OutputShape with { C = 1 });
        using var background = device.Upload(Background, OutputShape);
        Resize.ExpandAdd(x, band, o, mask, background);
        return o.ToArray();
    }

    public static IEnumerable<SelfTestCheck> All() =>
    [
        new ResizeCheck(new("resize/bilinear-up-non-integer", new(1, 3, 7, 5), 13, 9, false, null, 1f, 500)),
        new ResizeCheck(new("resize/bilinear-down-align-corners", new(2, 2, 9, 9), 4, 5, true, null, 1f, 510)),
        new ResizeCheck(new("resize/bilinear-scale-factor-half-odd", new(1, 2, 15, 13), 7, 6, false, 0.5, 1f, 520)),
        new ResizeCheck(new("resize/bilinear-halve-value-scale", new(1, 2, 8, 8), 4, 4, false, null, 0.5f, 530)),
        new ResizeCheck(new("resize/expand-add-composite", new(2, 2, 8, 8), 16, 16, false, null, 1f, 540, ExpandAdd: true, Composite: true)),
    ];
}
