using CineKernel.Graph;
using CineKernel.Graph.Ops;

namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>
/// main.py's composite as graph nodes (DESIGN.md "Mask input"): <c>result·up_mask + photo·(1 − up_mask)</c>, the
/// animated result over the still background.
/// </summary>
public static class Composite
{
    /// <summary>
    /// The generator's frame over the background: m·(g + 1)/2 + (1 − m)·b, the generator's [−1, 1] mapped to the
    /// photo's [0, 1] first (main.py's to_numpy). Inputs: <paramref name="generated"/> (1×3×G×G in [−1, 1]),
    /// <paramref name="background"/> (1×3×G×G in [0, 1]), <paramref name="mask"/> (1×1×G×G in [0, 1]). Returns the
    /// frame (1×3×G×G in [0, 1], not clamped): exactly the background where the mask is 0.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public static Value GeneratedOver(GraphBuilder builder, Value generated, Value background, Value mask)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var foreground = builder.Apply("foreground", new ScaleShiftOp(0.5f, 0.5f), generated);
        return Over(builder, foreground, background, mask);
    }

    /// <summary>
    /// m·foreground + (1 − m)·background: <paramref name="foreground"/> and <paramref name="background"/> N×C×H×W,
    /// <paramref name="mask"/> N×1×H×W in [0, 1]. Returns N×C×H×W, exactly the background where the mask is 0.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public static Value Over(GraphBuilder builder, Value foreground, Value background, Value mask)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Apply("composite", new CompositeOp(), foreground, background, mask);
    }
}
