using CineKernel.Kernels;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>What a full-method cinemagraph starts from.</summary>
public sealed record StyleCineGanInputs
{
    /// <summary>The photo at the generator's size G (square, RGB planes in [0, 1]).</summary>
    public required RgbPlanes Photo { get; init; }

    /// <summary>
    /// The side M of the mask and motion grid (the original's 512 for G = 1024). A given motion or mask must be
    /// M×M; a predicted one is made at M. Every warp level 128…G must be reachable from M by ×2 / ÷2 steps.
    /// </summary>
    public required int GridSize { get; init; }

    /// <summary>The Eulerian motion field on the M grid (pixels of that grid per frame), or null to predict it.</summary>
    public MotionField? Motion { get; init; }

    /// <summary>The animation mask on the M grid, or null to predict it.</summary>
    public AnimationMask? Mask { get; init; }

    /// <summary>A style image at G (paper Eq. 5–7), or null.</summary>
    public RgbPlanes? Style { get; init; }

    /// <summary>
    /// The whole photo at the output size (W×H RGB planes in [0, 1]) that each square frame is put back into at
    /// <see cref="Placement"/>, or null to hand out the square frames themselves. Outside the placement a frame is
    /// exactly this.
    /// </summary>
    public RgbPlanes? Background { get; init; }

    /// <summary>Where the generator's square goes in <see cref="Background"/>, in its pixels (a square inside it); needed with it.</summary>
    public Window? Placement { get; init; }

    /// <summary>What the renderer must predict, and so which optional networks the weights folder must hold.</summary>
    public PredictedInputs Predicted =>
        (Mask is null ? PredictedInputs.Mask : PredictedInputs.None) | (Motion is null ? PredictedInputs.Motion : PredictedInputs.None);
}
