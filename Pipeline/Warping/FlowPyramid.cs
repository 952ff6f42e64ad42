using CineKernel.Kernels;

namespace CineKernel.Pipeline.Warping;

/// <summary>
/// Brings the motion field to a level's size as the original's <c>resize_flow</c> does (DESIGN.md "Warp at
/// one level"): repeated bilinear ×2 or ÷2 steps (<see cref="StepResize.Steps"/>) (align_corners=False; halving takes ⌊h/2⌋×⌊w/2⌋), scaling the
/// flow's values ×2 or ÷2 per step so they stay in pixels of the new grid.
/// </summary>
public static class FlowPyramid
{
    /// <summary>
    /// The flow (N×2×H×W) resized until its height is <paramref name="size"/>. Returns a new tensor the caller
    /// owns (a copy when no step is needed). A size that repeated doubling or halving cannot reach is an error
    /// (the original loops forever on it).
    /// </summary>
    public static Tensor ToSize(Tensor flow, int size)
    {
        if (flow.C != 2) throw new ArgumentException($"flow must be N×2×H×W, got {flow.Shape}");
        var shapes = StepResize.Steps(flow.Shape, size);
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
            float valueScale = shape.H > current.H ? 2f : 0.5f;
            Resize.Bilinear(current, next, alignCorners: false, valueScale);
            if (!ReferenceEquals(current, flow)) current.Dispose();
            current = next;
        }
        return current;
    }
}
