using CineKernel.Graph;
using CineKernel.Graph.Ops;
using CineKernel.Kernels;

namespace CineKernel.Pipeline.Warping;

/// <summary>
/// The original's <c>resize_feature</c> / <c>resize_flow</c> geometry (DESIGN.md "Warp at one level", "Mask input"):
/// repeated bilinear ×2 or ÷2 steps (align_corners=False; halving takes ⌊h/2⌋×⌊w/2⌋, so a ÷2 step of an even side is
/// the 2×2 mean), the direction picked once from the starting size. <see cref="FlowPyramid"/> walks these steps on
/// a flow (scaling its values); <see cref="Build(GraphBuilder, Value, int, string)"/> adds them to a graph for masks and images, which both renderers
/// bring to their frame size this way.
/// </summary>
public static class StepResize
{
    /// <summary>The shapes of the successive ×2 / ÷2 steps from <paramref name="from"/> (N×C×H×W) to height <paramref name="size"/> (both sides step together).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is not positive.</exception>
    /// <exception cref="ArgumentException">Repeated doubling or halving cannot reach <paramref name="size"/> (the original loops forever on it).</exception>
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

    /// <summary>
    /// The shapes of the ×2 / ÷2 steps from <paramref name="from"/> (N×C×h×w, any aspect) to
    /// <paramref name="height"/>×<paramref name="width"/>: the steps to that height (<see cref="Steps(Shape4, int)"/>),
    /// which must land on that width too (an H×W level is ⌊h/2^k⌋×⌊w/2^k⌋ or h·2^k×w·2^k).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A target side is not positive.</exception>
    /// <exception cref="ArgumentException">The steps cannot reach both sides.</exception>
    public static IReadOnlyList<Shape4> Steps(Shape4 from, int height, int width)
    {
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "flow size must be positive");
        var steps = Steps(from, height);
        int reached = steps.Count == 0 ? from.W : steps[^1].W;
        if (reached != width)
            throw new ArgumentException($"a flow of {from.H}×{from.W} cannot be brought to {height}×{width} by halving or doubling (it reaches {height}×{reached})");
        return steps;
    }

    /// <summary>
    /// <paramref name="x"/> (N×C×h×w) brought to <paramref name="height"/>×<paramref name="width"/> by bilinear ×2 / ÷2
    /// nodes (<see cref="Steps(Shape4, int, int)"/>) named <c>{name}@{rows}</c>, values unscaled; <paramref name="x"/>
    /// itself when no step is needed.
    /// </summary>
    /// <exception cref="ArgumentException">The size cannot be reached by ×2 / ÷2 steps.</exception>
    public static Value Build(GraphBuilder builder, Value x, int height, int width, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var s in Steps(x.Shape, height, width))
            x = builder.Apply($"{name}@{s.H}", new ResizeOp(s.H, s.W, alignCorners: false), x);
        return x;
    }

    /// <summary>
    /// <paramref name="x"/> (N×C×H×W, any values) brought to height <paramref name="size"/> by bilinear ×2 / ÷2 nodes
    /// named <c>{name}@{side}</c>, values unscaled; <paramref name="x"/> itself when no step is needed.
    /// </summary>
    /// <exception cref="ArgumentException">The size cannot be reached by ×2 / ÷2 steps.</exception>
    public static Value Build(GraphBuilder builder, Value x, int size, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (var s in Steps(x.Shape, size))
            x = builder.Apply($"{name}@{s.H}", new ResizeOp(s.H, s.W, alignCorners: false), x);
        return x;
    }
}
