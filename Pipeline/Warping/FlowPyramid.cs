using CineKernel.Kernels;

namespace CineKernel.Pipeline.Warping;

/// <summary>
/// Brings the motion field to a level's size as the original's <c>resize_flow</c> does (DESIGN.md "Warp at
/// one level"): repeated bilinear ×2 or ÷2 steps (align_corners=False; halving takes ⌊h/2⌋×⌊w/2⌋), scaling the
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
        var shapes = Steps(flow.Shape, size);
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

    /// <summary>The shapes of the successive ×2 / ÷2 steps from <paramref name="from"/> to height <paramref name="size"/>.</summary>
    public static IReadOnlyList<Shape4> Steps(Shape4 from, int size)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "flow size must be positive");
        var steps = new List<Shape4>();
        bool down = from.H > size; // the original picks the direction once, from the starting size
        var s = from;
        while (s.H != size)
        {
            s = down ? s with { H = s.H / 2, W = s.W / 2 } : s with { H = s.H * 2, W = s.W * 2 };
            if (down ? s.H < size || s.H == 0 : s.H > size)
                throw new ArgumentException($"a flow of {from.H}×{from.W} cannot be brought to size {size} by halving or doubling");
            steps.Add(s);
        }
        return steps;
    }
}
