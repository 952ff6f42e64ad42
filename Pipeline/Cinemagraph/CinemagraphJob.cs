using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;

namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>
/// One photo for a <see cref="CinemagraphEngine"/>: the inputs and the per-photo settings. Without weights (the
/// weight-free renderer) the photo is the output size and a motion is required; with weights (the full StyleCineGAN
/// method) the photo is at the generator's size G and the mask and motion are predicted when null.
/// </summary>
public sealed record CinemagraphJob
{
    /// <summary>The photo, RGB planes in [0, 1]: the output's pixels without weights; G×G with weights (see <see cref="StyleCineGanInputs.Photo"/>).</summary>
    public required RgbPlanes Photo { get; init; }

    /// <summary>The Eulerian motion field (pixels of its grid per frame); required without weights, predicted when null with them.</summary>
    public MotionField? Motion { get; init; }

    /// <summary>The animation mask on the motion's grid (values in [0, 1], 1 = animated); null: everything moves (without weights) or predicted (with).</summary>
    public AnimationMask? Mask { get; init; }

    /// <summary>With weights only: a G×G style image whose latent the loop moves toward (paper Eq. 5–7).</summary>
    public RgbPlanes? Style { get; init; }

    /// <summary>Frames, loop mode, speed and (without weights) the pyramid depth.</summary>
    public CinemagraphOptions Options { get; init; } = new();

    /// <summary>With weights only: the side of the frames handed out (default G); see <see cref="StyleCineGanRenderer.Create(Kernels.ComputeDevice, Weights.WeightsFolder, StyleCineGanInputs, CinemagraphOptions?, int?)"/>.</summary>
    public int? OutputSize { get; init; }

    /// <summary>With weights only: the mask and motion grid M (default the motion's side, else G/2, the original's 512 for G = 1024).</summary>
    public int? GridSize { get; init; }

    /// <summary>With weights only: the whole photo the generator's square frames are pasted into (see <see cref="StyleCineGanInputs.Background"/>), or null.</summary>
    public RgbPlanes? Background { get; init; }

    /// <summary>With weights only: where the square goes in <see cref="Background"/> (see <see cref="StyleCineGanInputs.Placement"/>).</summary>
    public Kernels.Window? Placement { get; init; }
}
