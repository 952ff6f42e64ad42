namespace CineKernel.Pipeline.Mask;

/// <summary>How a classifier's logits for a grid of pixels are laid out.</summary>
public enum LogitLayout
{
    /// <summary>pixels×classes, row-major: the classifier applied to rows of features.</summary>
    PixelRows,

    /// <summary>classes×pixels: one plane per class, as the per-pixel linear layers write NCHW.</summary>
    ClassPlanes,
}
