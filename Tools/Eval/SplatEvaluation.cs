using CineKernel.Kernels;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary>
/// <c>eval splat</c>: the original's <c>joint_splatting</c> (softsplat 'linear') of two maps with their
/// flows and metrics: <c>in.splat.{a,b,flow_a,flow_b,metric_a,metric_b}</c> → <c>out.splat</c>.
/// </summary>
public sealed class SplatEvaluation : IEvaluation
{
    /// <summary>The six inputs, named as in the golden fixture after <c>in.</c>.</summary>
    public static readonly string[] Inputs = ["splat.a", "splat.b", "splat.flow_a", "splat.flow_b", "splat.metric_a", "splat.metric_b"];

    public string Name => "splat";

    public string Summary => "in.splat.{a,b,flow_a,flow_b,metric_a,metric_b} → out.splat (joint splat, softsplat 'linear')";

    public IEnumerable<KeyValuePair<string, TensorData>> Run(EvalContext context) =>
        [KeyValuePair.Create("out.splat", Splat(context.Device, name => context.Input($"in.{name}")))];

    /// <summary>
    /// The joint splat of the tensors <paramref name="input"/> gives for <see cref="Inputs"/> (values N×C×H×W, flows
    /// N×2×H×W, metric maps N×1×H×W): Σ value·Z / Σ Z, N×C×H×W.
    /// </summary>
    internal static TensorData Splat(ComputeDevice device, Func<string, TensorData> input)
    {
        var tensors = Inputs.Select(name =>
        {
            var data = input(name);
            return device.Upload(data.Data, Shape4.FromDims(data.Shape));
        }).ToList();
        try
        {
            var (a, b, flowA, flowB, metricA, metricB) = (tensors[0], tensors[1], tensors[2], tensors[3], tensors[4], tensors[5]);
            using var accumulator = device.Allocate(JointSplat.AccumulatorShape(a.Shape));
            using var output = device.Allocate(a.Shape);
            JointSplat.Splat(new SplatSource(a, flowA, metricA), new SplatSource(b, flowB, metricB), accumulator, output);
            var s = output.Shape;
            return new TensorData([s.N, s.C, s.H, s.W], output.ToArray());
        }
        finally
        {
            foreach (var t in tensors) t.Dispose();
        }
    }
}
