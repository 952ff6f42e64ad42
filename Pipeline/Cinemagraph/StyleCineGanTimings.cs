namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>Wall-clock seconds of each stage of a full-method render.</summary>
public sealed class StyleCineGanTimings
{
    /// <summary>The encoder on the photo (and the style image).</summary>
    public double Inversion { get; set; }

    /// <summary>feature_forward + the classifier ensemble + vote and clean-up (0 when the mask was given).</summary>
    public double Mask { get; set; }

    /// <summary>The motion network + z-score filter (0 when the motion was given).</summary>
    public double Motion { get; set; }

    /// <summary>The frame program's hoisted part (unwarped chain, displacement fields) and the composite's inputs.</summary>
    public double OncePerCinemagraph { get; set; }

    /// <summary>All frames, including <see cref="Callback"/>.</summary>
    public double Frames { get; set; }

    public double Callback { get; set; }
}
