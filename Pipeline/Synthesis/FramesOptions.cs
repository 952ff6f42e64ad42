using CineKernel.Pipeline.Warping;

namespace CineKernel.Pipeline.Synthesis;

/// <summary>Where a cinemagraph frame injects D and starts warping (the original's warp_blend_feature arguments).</summary>
/// <param name="ReconFeatureIndex">The latent index whose conv input D replaces (9: before the 64→128 conv).</param>
/// <param name="WarpFeatureIndex">The latent index from which features are warped (9).</param>
/// <param name="LoopMode">The loop schedule (official: frame N−1 equals frame 0; seamless).</param>
/// <param name="FlowSize">The motion field's side (default: the generator's size); each level resizes it by ×2 / ÷2 steps.</param>
/// <param name="StyleInterpolation">The latent moves over the loop from "wplus" toward the input "wplus_target",
/// w_t = lerp(w, w_target, β_t) (paper Eq. 5); then every latent-dependent node runs per frame.</param>
public sealed record FramesOptions(int ReconFeatureIndex = 9, int WarpFeatureIndex = 9, LoopMode LoopMode = LoopMode.Official,
    int? FlowSize = null, bool StyleInterpolation = false);
