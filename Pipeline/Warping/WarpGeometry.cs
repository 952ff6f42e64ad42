namespace CineKernel.Pipeline.Warping;

/// <summary>
/// The sizes of the deep feature warp along one side S of a level (the original's <c>blend_feature</c> and
/// <c>crop_padded_tensor</c>, DESIGN.md "Warp at one level"): cut <see cref="Cut"/> pixels from both ends
/// (3, 2, 1 at 1024, 512, 256; none at any other size, as the original), reflect-pad the rest by
/// <see cref="Pad"/> = ⌊s/4⌋ + ⌊s/8⌋ (s = S − 2·cut), splat on the padded grid, and take back S from
/// <see cref="CropOffset"/> = ⌊(padded − S)/2⌋. The crop is wider than the cut region, so the output's
/// outermost <see cref="Cut"/> pixels come from the reflected border, as in the original. The original's levels
/// are square (one geometry for both sides); an H×W level applies it to its rows and its columns apart
/// (<see cref="WarpOneLevel.Rows"/>, <see cref="WarpOneLevel.Columns"/>).
/// </summary>
public readonly record struct WarpGeometry(int Size, int Cut, int Pad)
{
    /// <summary>The geometry the original uses for a level side of this size (pixels).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is not positive.</exception>
    public static WarpGeometry ForSize(int size)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "a warp level needs a positive size");
        int cut = size switch { 1024 => 3, 512 => 2, 256 => 1, _ => 0 };
        int inner = size - 2 * cut;
        // int(s / 4) + int(s / 8) in pad_tensor; s > 0, so truncation is floor.
        return new WarpGeometry(size, cut, inner / 4 + inner / 8);
    }

    /// <summary>The side after the cut.</summary>
    public int Inner => Size - 2 * Cut;

    /// <summary>The side of the padded grid the splat runs on.</summary>
    public int Padded => Inner + 2 * Pad;

    /// <summary>Where the S×S output starts in the padded grid.</summary>
    public int CropOffset => (Padded - Size) / 2;

    public override string ToString() => $"level {Size}: cut {Cut}, pad {Pad}, padded {Padded}, crop at {CropOffset}";
}
