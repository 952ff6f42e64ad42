namespace CineKernel.Pipeline.Mask;

/// <summary>
/// What moves: one weight per pixel of a <see cref="Width"/>×<see cref="Height"/> grid, 1 animated, 0 static,
/// values between moving partly (values in [0, 1]; a read mask keeps its grey levels, a predicted one is 0/1).
/// The motion is multiplied by it (<c>flow *= mask</c>) and frames are composited with it over the photo
/// (<c>result·m + photo·(1 − m)</c>). Immutable.
/// </summary>
public sealed class AnimationMask
{
    private readonly float[] values;

    /// <summary>Copies <paramref name="width"/>×<paramref name="height"/> weights, row-major (a later change to the
    /// caller's array does not reach the mask).</summary>
    /// <exception cref="ArgumentException">The sizes are not positive, the count is wrong, or a value is outside [0, 1].</exception>
    public AnimationMask(int width, int height, ReadOnlySpan<float> values)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"mask: size must be positive, got {width}x{height}");
        if (values.Length != (long)width * height)
            throw new ArgumentException($"mask: a {width}x{height} mask needs {(long)width * height} values, got {values.Length}");
        for (int i = 0; i < values.Length; i++)
            if (!(values[i] >= 0f && values[i] <= 1f))
                throw new ArgumentException($"mask: value {values[i]} at pixel {i} is outside [0, 1]");
        Width = width;
        Height = height;
        this.values = values.ToArray();
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>The weights, row-major, in [0, 1].</summary>
    public ReadOnlySpan<float> Values => values;

    /// <summary>Everything animated.</summary>
    public static AnimationMask All(int width, int height)
    {
        var ones = new float[(long)width * height];
        Array.Fill(ones, 1f);
        return new AnimationMask(width, height, ones);
    }

    /// <summary>
    /// Reads a mask image at <paramref name="width"/>×<paramref name="height"/> as the original does (the red channel,
    /// PIL-Lanczos resized, / 255; soft values kept): <see cref="MaskInput.Load(string, int, int)"/> without its note.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The requested size is out of range.</exception>
    /// <exception cref="IO.MediaFileException">Missing, unreadable, not an image, over-large or corrupt.</exception>
    public static AnimationMask Load(string path, int width, int height) => MaskInput.Load(path, width, height).Mask;
}
