namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>Wall-clock seconds of each stage of a render (0 for a stage that did not run).</summary>
public sealed class StageTimings
{
    /// <summary>Uploading the image, mask and motion, building the pyramid and padding its bands (once per cinemagraph).</summary>
    public double Prepare { get; set; }

    /// <summary>The flow brought to every level and its Euler displacement fields (once per cinemagraph).</summary>
    public double Integrate { get; set; }

    /// <summary>All frames: warps, collapse, composite and the copy of each finished frame to the host.</summary>
    public double Frames { get; set; }

    /// <summary>Of <see cref="Frames"/>, the warp of each pyramid level (finest first): the frame's displacement fields
    /// (re-traced where they are checkpointed), the splat and the resolve.</summary>
    public double[] LevelWarps { get; internal set; } = [];

    /// <summary>Time spent inside the frame callback (e.g. queueing to an encoder), included in <see cref="Frames"/>.</summary>
    public double Callback { get; set; }
}
