using CineKernel.Pipeline.Synthesis;
using CineKernel.Pipeline.Warping;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary>
/// <c>eval frames</c>: cinemagraph frames, the original's <c>warp_blend_feature(idx=t, n_frames)</c> with recon and warp
/// index 9 and its loop (frame N−1 = frame 0): <c>in.wplus</c>, <c>in.feature</c>, <c>in.flow</c> → <c>out.frame.{t}</c>
/// for t in --indices of --n-frames. The unwarped chain and the displacement fields run once for all frames.
/// </summary>
public sealed class FramesEvaluation : IEvaluation
{
    public string Name => "frames";

    public string Summary => "in.wplus, in.feature, in.flow → out.frame.{t} for t in --indices of --n-frames (official loop, recon/warp index 9)";

    public IEnumerable<KeyValuePair<string, TensorData>> Run(EvalContext context)
    {
        int frames = context.RequireNFrames();
        var indices = context.RequireIndices();
        foreach (int t in indices)
        {
            if (t < 0 || t >= frames)
                throw new CliException($"frames: frame index {t} is outside 0..{frames - 1} (--n-frames {frames})", 2);
        }
        var generator = GeneratorEvalSupport.Load(context);
        var flow = context.Input("in.flow");
        if (flow.Shape.Length != 4 || flow.Shape[0] != 1 || flow.Shape[1] != 2 || flow.Shape[2] != flow.Shape[3])
            throw new CliException($"{context.Inputs.Path}: in.flow {flow} must be 1×2×F×F");
        using var runner = GeneratorEvalSupport.Runner(context,
            () => generator.BuildFrames(new FramesOptions(LoopMode: LoopMode.Official, FlowSize: (int)flow.Shape[2])), frames);
        GeneratorEvalSupport.Feed(context, runner, Generator.WPlusInput, "in.wplus");
        GeneratorEvalSupport.Feed(context, runner, Generator.FeatureInput, "in.feature");
        GeneratorEvalSupport.Feed(context, runner, Generator.FlowInput, "in.flow");
        var outputs = new List<KeyValuePair<string, TensorData>>();
        foreach (int t in indices.Distinct())
        {
            runner.RunFrame(t);
            outputs.Add(GeneratorEvalSupport.Entry($"out.frame.{t}", runner.Output(Generator.ImageOutput)));
        }
        return outputs;
    }
}
