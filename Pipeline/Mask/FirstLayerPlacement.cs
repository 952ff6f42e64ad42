namespace CineKernel.Pipeline.Mask;

/// <summary>Where the mask classifiers' first linear layer runs.</summary>
public enum FirstLayerPlacement
{
    /// <summary>As the original: resize every source to the output grid, concatenate, then the layer per pixel.</summary>
    AfterConcat,

    /// <summary>
    /// The layer applied to each source through its slice of weight columns, at the source's own
    /// resolution when that is below the output's, then resized (DESIGN.md "Mask predictor": the layer and
    /// bilinear resizing are both linear, so W·resize(f) = resize(W·f)); sources of one resolution are
    /// summed before their one resize. Sources above the output resolution are resized first, which is
    /// cheaper there. The bias is added once.
    /// </summary>
    PerSource,
}
