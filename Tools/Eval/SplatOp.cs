using CineKernel.Kernels;
using CineKernel.WeightsLoader;

namespace CineKernel.Tools.Eval;

/// <summary>
/// <c>eval splat</c>: the original's <c>joint_splatting</c> (softsplat 'linear') of two maps with their
/// flows and metrics: <c>in.splat.{a,b,flow_a,flow_b,metric_a,metric_b}</c> → <c>out.splat</c>.
/// </summary>
public sealed class SplatOp : IEvalOp
{
    public string Name => "splat";

    public string Summary => "in.splat.{a,b,flow_a,flow_b,metric_a,metric_b} → out.splat (joint splat, softsplat 'linear')";

    public IEnumerable<KeyValuePair<string, TensorData>> Run(EvalContext context)
    {
        var device = context.Device;
        Tensor Load(string name)
        {
            var data = context.Input(name);
            return device.Upload(data.Data, Shape4.FromDims(data.Shape));
        }
        using var a = Load("in.splat.a");
        using var b = Load("in.splat.b");
        using var flowA = Load("in.splat.flow_a");
        using var flowB = Load("in.splat.flow_b");
        using var metricA = Load("in.splat.metric_a");
        using var metricB = Load("in.splat.metric_b");
        using var accumulator = device.Allocate(JointSplat.AccumulatorShape(a.Shape));
        using var output = device.Allocate(a.Shape);
        JointSplat.Splat(new SplatSource(a, flowA, metricA), new SplatSource(b, flowB, metricB), accumulator, output);
        var s = output.Shape;
        return [KeyValuePair.Create("out.splat", new TensorData([s.N, s.C, s.H, s.W], output.ToArray()))];
    }
}
