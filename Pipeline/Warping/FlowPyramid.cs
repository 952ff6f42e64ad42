using CineKernel.Kernels;

namespace CineKernel.Pipeline.Warping;

/// <summary>
/// Brings the motion field to a level's size as the original's <c>resize_flow</c> does (DESIGN.md "Warp at
/// one level"): repeated bilinear ×2 or ÷2 steps (<see cref="StepResize.Steps(Shape4, int)"/>) (align_corners=False; halving takes ⌊h/2⌋×⌊w/2⌋), scaling the
/// flow's values ×2 or ÷2 per step so they stay in pixels of the new grid.
/// </summary>
public static class FlowPyramid
{
    /// <summary>
    /// The flow (N×2×H×W) resized until its height is <paramref name="size"/>, values ×2 or ÷2 per step whatever the
    /// parity of the side (the original's resize_flow). Returns a new tensor the caller
    /// owns (a copy when no step is needed). A size that repeated doubling or halving cannot reach is an error
    /// (the original loops forever on it).
    /// </summary>
    public static Tensor ToSize(Tensor flow, int size) => Walk(flow, StepResize.Steps(RequireFlow(flow), size), sideRatios: false);

    /// <summary>
    /// The flow (N×2×h×w) resized to <paramref name="height"/>×<paramref name="width"/> by the same ×2 / ÷2 steps
    /// (<see cref="StepResize.Steps(Shape4, int, int)"/>); each step scales the x plane by its width ratio and the y
    /// plane by its height ratio (2 or ½ for even sides, exactly the original's; ⌊w/2⌋/w for an odd side). Returns a
    /// new tensor the caller owns.
    /// </summary>
    /// <exception cref="ArgumentException">Not a flow, or the size cannot be reached by ×2 / ÷2 steps.</exception>
    public static Tensor ToSize(Tensor flow, int height, int width) => Walk(flow, StepResize.Steps(RequireFlow(flow), height, width), sideRatios: true);

    private static Shape4 RequireFlow(Tensor flow) =>
        flow.C == 2 ? flow.Shape : throw new ArgumentException($"flow must be N×2×H×W, got {flow.Shape}");

    private static Tensor Walk(Tensor flow, IReadOnlyList<Shape4> shapes, bool sideRatios)
    {
        var device = flow.Device;
        if (shapes.Count == 0)
        {
            var copy = device.Allocate(flow.Shape);
            Padding.Crop(flow, copy, 0, 0);
            return copy;
        }
        Tensor current = flow;
        foreach (var shape in shapes)
        {
            var next = device.Allocate(shape);
            float scaleY = StepScale(current.H, shape.H, sideRatios), scaleX = StepScale(current.W, shape.W, sideRatios);
            if (scaleX == scaleY) Resize.Bilinear(current, next, alignCorners: false, scaleY);
            else
            {
                // Per axis: view N×2×h×w as 2N×1×h×w planes and resize the x and y planes of each batch apart.
                var planesIn = current.Reshape(current.Shape with { N = 2 * current.N, C = 1 });
                var planesOut = next.Reshape(shape with { N = 2 * shape.N, C = 1 });
                for (int n = 0; n < current.N; n++)
                {
                    Resize.Bilinear(planesIn.Batch(2 * n), planesOut.Batch(2 * n), alignCorners: false, scaleX);
                    Resize.Bilinear(planesIn.Batch(2 * n + 1), planesOut.Batch(2 * n + 1), alignCorners: false, scaleY);
                }
            }
            if (!ReferenceEquals(current, flow)) current.Dispose();
            current = next;
        }
        return current;
    }

    /// <summary>
    /// 2 or ½ for a doubling or an even halving (the original's flow *= 2 / flow /= 2); for an odd halving ½ as the
    /// original (<paramref name="sideRatio"/> false) or the side ratio ⌊s/2⌋/s.
    /// </summary>
    private static float StepScale(int from, int to, bool sideRatio) =>
        to > from ? 2f : !sideRatio || 2 * to == from ? 0.5f : (float)((double)to / from);
}
