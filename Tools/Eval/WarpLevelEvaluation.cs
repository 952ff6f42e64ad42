using CineKernel.Kernels;
using CineKernel.Pipeline.Warping;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary>
/// <c>eval warp-level</c>: the original's <c>warp_one_level</c> of <c>in.feature</c> (1×C×S×S) along
/// <c>in.flow</c> (1×2×F×F, F = S·2^k or S/2^k) for each frame t in --indices of a --n-frames loop →
/// <c>out.warp_one_level.{t}</c>, with the stages on the way under the fixture's names: <c>out.flow{S}</c>,
/// <c>out.padded_flow</c>, <c>out.blend.{t}</c>, <c>out.inpaint.{t}</c>.
/// </summary>
public sealed class WarpLevelEvaluation : IEvaluation
{
    public string Name => "warp-level";

    public string Summary => "in.feature, in.flow → out.warp_one_level.{t} for t in --indices of --n-frames (+ out.flow{S}, out.padded_flow, out.blend.{t}, out.inpaint.{t})";

    public IEnumerable<KeyValuePair<string, TensorData>> Run(EvalContext context)
    {
        int frames = context.RequireNFrames();
        var indices = context.RequireIndices();
        foreach (int t in indices)
        {
            if (t < 0 || t >= frames)
                throw new CliException($"warp-level: frame index {t} is outside 0..{frames - 1} (--n-frames {frames})", 2);
        }
        var featureData = context.Input("in.feature");
        var flowData = context.Input("in.flow");
        var device = context.Device;
        using var feature = device.Upload(featureData.Data, Shape4.FromDims(featureData.Shape));
        using var flow = device.Upload(flowData.Data, Shape4.FromDims(flowData.Shape));
        if (feature.N != 1 || feature.H != feature.W)
            throw new CliException($"{context.Inputs.Path}: in.feature must be 1×C×S×S, got {feature.Shape}");

        using var warp = new WarpOneLevel(device, feature.H, feature.C);
        warp.SetFlow(flow);
        var outputs = new List<KeyValuePair<string, TensorData>>
        {
            Entry($"out.flow{feature.H}", warp.LevelFlow),
            Entry("out.padded_flow", warp.PaddedFlow),
        };
        using var fields = warp.Integrate(LoopSchedule.Official(frames));
        int p = warp.Geometry.Padded;
        using var padded = device.Allocate(1, feature.C, p, p);
        using var output = device.Allocate(feature.Shape);
        foreach (int t in indices.Distinct())
        {
            warp.Warp(feature, fields, t, output);
            warp.ResolveBlend(padded);
            outputs.Add(Entry($"out.blend.{t}", padded));
            warp.ResolveInpainted(padded);
            outputs.Add(Entry($"out.inpaint.{t}", padded));
            outputs.Add(Entry($"out.warp_one_level.{t}", output));
        }
        return outputs;
    }

    private static KeyValuePair<string, TensorData> Entry(string name, Tensor t) =>
        KeyValuePair.Create(name, new TensorData([t.N, t.C, t.H, t.W], t.ToArray()));
}
