using CineKernel.Kernels;

namespace CineKernel.Graph.Ops;

/// <summary>
/// out = a + β(t, N)·(b − a): a value that moves with the frame, such as the per-frame latent of style
/// interpolation (paper Eq. 5, w_s = lerp(w, w_t, β_t)). Reads the frame, so it and everything after it
/// runs per frame.
/// </summary>
public sealed class FrameLerpOp(Func<int, int, float> weight, string scheduleName = "t/(N-1)") : Op
{
    /// <summary>The linear schedule β = t/(N−1): the original's, which ends the loop at the target (a jump back at the seam).</summary>
    public static FrameLerpOp Linear() => new((t, n) => n > 1 ? (float)t / (n - 1) : 0f);

    /// <summary>
    /// The periodic schedule β = (1 − cos 2πt/N)/2: from 0 to the target at t = N/2 and back, smooth, and
    /// continuous across the seam of a loop whose frame N would be frame 0 (a seamless loop).
    /// </summary>
    public static FrameLerpOp ThereAndBack() =>
        new((t, n) => n > 0 ? (float)((1 - Math.Cos(2 * Math.PI * t / n)) / 2) : 0f, "(1-cos(2πt/N))/2");

    public override string Name => $"lerp[{scheduleName}]";

    public override bool ReadsFrame => true;

    public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs)
    {
        if (inputs.Count != 2 || inputs[0] != inputs[1])
            throw new ArgumentException($"lerp needs two equal shapes, got {string.Join(", ", inputs)}");
        return inputs[0];
    }

    public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output)
    {
        float beta = context.Frame < 0 ? 0f : weight(context.Frame, context.FrameCount);
        // a + β(b − a) = (1−β)·a + β·b, computed as two fused passes over the output.
        ElementWise.ScaleShift(inputs[0], 1f - beta, 0f, output);
        ElementWise.AddScaled(output, inputs[1], beta, output);
    }

    public override double Flops(IReadOnlyList<Shape4> inputs, Shape4 output) => 3.0 * output.Length;
}
