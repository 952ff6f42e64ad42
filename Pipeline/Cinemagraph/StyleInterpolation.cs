using CineKernel.Graph;
using CineKernel.Graph.Ops;

namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>
/// The static region's colour change under style interpolation (paper Eq. 6–7) as graph nodes: the generator's
/// unwarped image moves from G(D, w) to G(D, w_t) as the latent moves toward the style image's, and the photo gets
/// the same change, ΔI_t = G(D, w_t) − G(D, w).
/// </summary>
public static class StyleInterpolation
{
    /// <summary>
    /// background = photo + ½(G(D, w_t) − G(D, w)): ΔI is in the generator's [−1, 1] units, half of it in the photo's
    /// [0, 1]. Computed as (photo − ½G(D, w)) + ½G(D, w_t), so the first sum, which does not change with the frame,
    /// is hoisted and each frame costs one pass. Inputs: <paramref name="photo"/> (1×3×G×G in [0, 1]), <paramref name="styled"/> G(D, w_t) (per frame)
    /// and <paramref name="unstyled"/> G(D, w) (hoisted), both 1×3×G×G in [−1, 1]. Returns the background (1×3×G×G,
    /// not clamped).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static Value Background(GraphBuilder builder, Value photo, Value styled, Value unstyled)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var still = builder.Apply("style.base", new AddOp(-0.5f), photo, unstyled);
        return builder.Apply("background", new AddOp(0.5f), still, styled);
    }
}
