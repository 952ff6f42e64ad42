namespace CineKernel.Pipeline.Mask;

/// <summary>
/// A mask image as <see cref="MaskInput.Load(string, int, int)"/> read it: the weights, and whether the file was read as a label
/// image (largest value 1: 0 static, 1 animated) rather than as grey levels out of 255.
/// </summary>
/// <param name="Path">The mask file.</param>
/// <param name="Mask">The weights on the requested grid, in [0, 1].</param>
/// <param name="ReadAsLabels">True when the file's largest value was 1 and it was read as 0/1 labels.</param>
public sealed record MaskReading(string Path, AnimationMask Mask, bool ReadAsLabels)
{
    /// <summary>One line for the user when the reading is not the plain one (labels), else null.</summary>
    public string? Note => ReadAsLabels
        ? $"mask '{Path}': its largest value is 1, so it is read as a label image (0 static, 1 animated), not as grey levels out of 255"
        : null;
}
