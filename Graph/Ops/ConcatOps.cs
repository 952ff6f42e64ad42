using CineKernel.Kernels;
using ILGPU.Runtime;

namespace CineKernel.Graph.Ops;

/// <summary>
/// torch.cat along channels: inputs of equal N, H, W stacked in order. Each image of each input is one
/// contiguous block of the output, so the op is device-to-device copies, no kernel.
/// </summary>
public sealed class ConcatChannelsOp : Op
{
    public override string Name => "concat/c";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count == 0) throw new ArgumentException("concat: needs at least one input");
        var first = inputs[0];
        foreach (var s in inputs)
            if (s.N != first.N || s.H != first.H || s.W != first.W)
                throw new ArgumentException($"concat: inputs must agree in N, H and W, got {string.Join(", ", inputs)}");
        return first with { C = inputs.Sum(s => s.C) };
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output)
    {
        long plane = (long)output.H * output.W, imageLength = output.C * plane, channelOffset = 0;
        foreach (var input in inputs)
        {
            long length = input.C * plane;
            for (int n = 0; n < output.N; n++)
                input.View.SubView(n * length, length).CopyTo(context.Device.Stream, output.View.SubView(n * imageLength + channelOffset * plane, length));
            channelOffset += input.C;
        }
    }
}
