using CineKernel.Kernels;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary>
/// <c>eval euler</c>: the original's <c>euler_integration</c> of <c>in.motion</c> (N×2×H×W) for each step
/// count k in --indices → <c>out.euler.{k}</c>. One incremental pass up to the largest k.
/// </summary>
public sealed class EulerEvaluation : IEvaluation
{
    public string Name => "euler";

    public string Summary => "in.motion → out.euler.{k} for k in --indices (Euler integration, k steps)";

    public IEnumerable<KeyValuePair<string, TensorData>> Run(EvalContext context)
    {
        var steps = context.RequireIndices();
        if (steps.Any(k => k < 0)) throw new CliException($"euler: --indices are step counts and must be ≥ 0, got {string.Join(",", steps)}", 2);
        var motionData = context.Input("in.motion");
        var device = context.Device;
        using var motion = device.Upload(motionData.Data, Shape4.FromDims(motionData.Shape));
        if (motion.C != 2) throw new CliException($"{context.Inputs.Path}: in.motion must be N×2×H×W, got {motion.Shape}");
        using var state = device.Allocate(EulerIntegrator.StateShape(motion.Shape));
        using var displacement = device.Allocate(motion.Shape);
        var results = new Dictionary<int, float[]>();
        EulerIntegrator.Reset(state);
        int done = 0;
        foreach (int k in steps.Distinct().Order())
        {
            EulerIntegrator.Advance(motion, state, k - done);
            done = k;
            EulerIntegrator.Displacement(state, displacement);
            results[k] = displacement.ToArray();
        }
        var s = motion.Shape;
        return steps.Distinct().Select(k =>
            KeyValuePair.Create($"out.euler.{k}", new TensorData([s.N, s.C, s.H, s.W], results[k])));
    }
}
