using CineKernel.Kernels;
using ILGPU.Runtime;

namespace CineKernel.Graph.Ops;

/// <summary>
/// torch.cat(xs, dim=1).view(N, −1) in one step: each sample's inputs, each flattened C·H·W, laid end to
/// end → N×1×1×Σ. For inputs of equal H×W this is the channel concatenation flattened; the encoder
/// concatenates its four 3×3-pooled stages this way before the style heads (fs_encoder_v2.forward).
/// Moves data with device copies on the launch stream, so it stays ordered with the kernels.
/// </summary>
public sealed class FlattenConcatOp : Op
{
    public override string Name => "flatcat";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count == 0) throw new ArgumentException("flatcat: needs at least one input");
        int n = inputs[0].N;
        if (inputs.Any(s => s.N != n))
            throw new ArgumentException($"flatcat: inputs differ in batch size: {string.Join(", ", inputs)}");
        long features = inputs.Sum(s => (long)s.ImageLength);
        if (features > int.MaxValue) throw new ArgumentException($"flatcat: {features} features per sample do not fit one tensor row");
        return new Shape4(n, 1, 1, (int)features);
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output)
    {
        long row = output.W;
        long offset = 0;
        foreach (var x in inputs)
        {
            long len = x.Shape.ImageLength;
            for (int n = 0; n < x.N; n++)
                x.View.SubView(n * len, len).CopyTo(context.Device.Stream, output.View.SubView(n * row + offset, len));
            offset += len;
        }
    }
}

/// <summary>The same values seen with another shape of equal length (a copy: the arena gives every value its own slot).</summary>
public sealed class ReshapeOp(Shape4 shape) : Op
{
    public Shape4 Shape { get; } = shape;

    public override string Name => $"reshape{Shape}";

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) =>
        inputs.Count == 1 && inputs[0].Length == Shape.Length
            ? Shape
            : throw new ArgumentException($"reshape: {string.Join(", ", inputs)} cannot be viewed as {Shape}");

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
        inputs[0].View.CopyTo(context.Device.Stream, output.View);
}
