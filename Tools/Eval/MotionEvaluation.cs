using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Weights;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary>
/// <c>eval motion</c>: the motion generator (pix2pixHD GlobalGenerator, shape from the weights file's
/// metadata) on <c>in.image</c> (1×input_nc×H×W in [−1, 1]) → <c>out.motion</c>, and
/// <c>out.motion.zscore</c>, the same after the original's z_score_filtering.
/// </summary>
public sealed class MotionEvaluation : IEvaluation
{
    public string Name => "motion";

    public string Summary => "in.image → out.motion (motion generator; shape from the weights' metadata), out.motion.zscore (z-score filtered)";

    public IEnumerable<KeyValuePair<string, TensorData>> Run(EvalContext context)
    {
        var config = MotionGeneratorConfig.FromMetadata(context.Weights.Metadata, context.Weights.Path);
        var image = context.Input("in.image");
        var shape = Shape4.FromDims(image.Shape);
        if (shape.N != 1 || shape.C != config.InputChannels)
            throw new CliException($"{context.Inputs.Path}: in.image must be 1×{config.InputChannels}×H×W, got {shape}");
        ComputeGraph graph;
        try
        {
            graph = MotionGenerator.BuildGraph(config, NetworkParameters.From(context.Weights), shape.H, shape.W);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"{context.Inputs.Path}: {e.Message}");
        }
        using var runner = new GraphRunner(context.Device, Scheduler.Plan(graph, context.Device.Kind));
        runner.SetInput(MotionGenerator.ImageInput, image.Data);
        runner.Run();
        var motion = runner.Output(MotionGenerator.MotionOutput);
        var data = motion.ToArray();
        long[] dims = [motion.N, motion.C, motion.H, motion.W];
        yield return KeyValuePair.Create("out.motion", new TensorData(dims, data));
        yield return KeyValuePair.Create("out.motion.zscore", new TensorData(dims, MotionZScoreFilter.Apply(data, motion.Shape)));
    }
}
