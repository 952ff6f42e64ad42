using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>Reflection padding of a window with a value scale (Padding.Reflect) and crops (Padding.Crop): pure copies, so bit-exact, as PaddingTests.</summary>
internal sealed class PaddingCheck(PaddingCheck.Case c) : SelfTestCheck(c.Name, "padding", 0, false)
{
    /// <summary>Reflect-pad <see cref="Source"/> of Input by Top/Left into OH×OW (or, with <paramref name="Crop"/>, crop at Top/Left).</summary>
    public sealed record Case(string Name, Shape4 Input, Window Source, int Top, int Left, int OH, int OW, float ValueScale, int Seed, bool Crop = false);

    public Case Parameters => c;
    public float[] X => RandomWeights.Uniform((int)c.Input.Length, c.Seed);

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        using var x = device.Upload(X, c.Input);
        using var o = device.Allocate(c.Input with { H = c.OH, W = c.OW });
        if (c.Crop) Padding.Crop(x, o, c.Top, c.Left);
        else Padding.Reflect(x, o, c.Top, c.Left, c.Source, c.ValueScale);
        return o.ToArray();
    }

    public static IEnumerable<SelfTestCheck> All() =>
    [
        new PaddingCheck(new("padding/reflect-largest-pads", new(2, 3, 4, 6), new(0, 0, 4, 6), 3, 5, 7, 11, 1f, 600)),
        new PaddingCheck(new("padding/reflect-window-negated", new(1, 2, 13, 11), new(2, 2, 9, 7), 5, 4, 19, 15, -1f, 610)),
        new PaddingCheck(new("padding/crop", new(2, 3, 10, 12), new(4, 5, 5, 7), 4, 5, 5, 7, 1f, 620, Crop: true)),
    ];
}
