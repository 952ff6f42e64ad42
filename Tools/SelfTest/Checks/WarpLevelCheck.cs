using CineKernel.Kernels;
using CineKernel.Pipeline.Warping;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.SelfTest.Checks;

/// <summary>
/// One level of deep feature warping (WarpOneLevel: cut, reflect pad, Euler both ways, joint splat with Z = 1−α and
/// α, hole fill, centre crop) at frame t of an official loop, the flow given at the level; tolerance 1e-5 as
/// WarpOneLevelTests.
/// </summary>
internal sealed class WarpLevelCheck(string name, int size, int channels, int frames, int t, int seed) : SelfTestCheck(name, "warp", 1e-5, false)
{
    public int Size => size;
    public int Channels => channels;
    public int Frames => frames;
    public int T => t;
    public float[] Feature => RandomWeights.Uniform(channels * size * size, seed);

    /// <summary>Up to ±1.5 pixels per step, on a 1/8 grid (rounding ties, crossings and escapes all happen).</summary>
    public float[] Flow => RandomWeights.Uniform(2 * size * size, seed + 1, 1.5f).Select(v => MathF.Round(v * 8f) / 8f).ToArray();

    public override float[] Run(ComputeDevice device, SelfTestData data)
    {
        using var feature = device.Upload(Feature, new Shape4(1, channels, size, size));
        using var flow = device.Upload(Flow, new Shape4(1, 2, size, size));
        using var warp = new WarpOneLevel(device, size, channels);
        warp.SetFlow(flow);
        using var fields = warp.Integrate(LoopSchedule.Official(frames));
        using var output = device.Allocate(1, channels, size, size);
        warp.Warp(feature, fields, t, output);
        return output.ToArray();
    }

    public static IEnumerable<SelfTestCheck> All() =>
    [
        new WarpLevelCheck("warp/one-level-32-frame-2-of-6", 32, 3, 6, 2, 1400),
    ];
}
