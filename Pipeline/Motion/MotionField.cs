using CineKernel.Kernels;
using CineKernel.Pipeline.Mask;
using CineKernel.WeightsLoader;

namespace CineKernel.Pipeline.Motion;

/// <summary>
/// An Eulerian motion field M (paper Sec. 3; the samples' <c>NAME_motion.npy</c>): for every pixel of a
/// <see cref="Width"/>×<see cref="Height"/> grid, its displacement per frame in pixels of that grid, the x plane
/// then the y plane (the (1, 2, H, W) layout of the original). Immutable.
/// </summary>
public sealed class MotionField
{
    private readonly float[] planes;

    /// <summary>Copies 2×<paramref name="height"/>×<paramref name="width"/> values (x plane, then y plane; a later
    /// change to the caller's array does not reach the field).</summary>
    /// <exception cref="ArgumentException">The sizes are not positive, the values do not fill both planes, or one is
    /// not finite (a NaN would spread through the Euler integration).</exception>
    public MotionField(int width, int height, ReadOnlySpan<float> planes)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"motion field: size must be positive, got {width}x{height}");
        if (planes.Length != 2L * width * height)
            throw new ArgumentException($"motion field: a {width}x{height} field needs {2L * width * height} values, got {planes.Length}");
        for (int i = 0; i < planes.Length; i++)
            if (!float.IsFinite(planes[i]))
                throw new ArgumentException($"motion field: value {planes[i]} at index {i} is not finite");
        Width = width;
        Height = height;
        this.planes = planes.ToArray();
    }

    /// <summary>The largest speed multiplier <see cref="Masked"/> accepts.</summary>
    public const float MaxSpeed = 10f;

    public int Width { get; }
    public int Height { get; }

    /// <summary>The x plane then the y plane, row-major (2·W·H values, pixels per frame).</summary>
    public ReadOnlySpan<float> Planes => planes;

    /// <summary>(1, 2, H, W), for uploading.</summary>
    public Shape4 Shape => new(1, 2, Height, Width);

    /// <summary>A field that moves nothing.</summary>
    public static MotionField Zero(int width, int height) => new(width, height, new float[2L * width * height]);

    /// <summary>
    /// Reads a motion field file: <c>.npy</c>, <c>.npz</c> (one array, or <c>FILE.npz:NAME</c>) or Middlebury
    /// <c>.flo</c>; layouts (1, 2, H, W), (2, H, W), (H, W, 2) or (1, H, W, 2); finite values, no vector longer
    /// than the field's long side (<see cref="MotionFieldReader"/> has the rules).
    /// </summary>
    /// <param name="spec">A path, or <c>FILE.npz:NAME</c>.</param>
    /// <exception cref="InvalidDataException">Not a motion field: one line naming the file, what is wrong and what is accepted.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static MotionField Load(string spec)
    {
        var t = MotionFieldReader.Load(spec);
        return new MotionField(checked((int)t.Shape[3]), checked((int)t.Shape[2]), t.Data);
    }

    /// <summary>
    /// The field resampled to <paramref name="width"/>×<paramref name="height"/> as the original resizes flows
    /// (<c>resize_flow</c>: F.interpolate bilinear, align_corners=False, then the vectors scaled): each plane is
    /// resampled bilinearly with PyTorch's index mapping (source = (target + ½)·in/out − ½, clamped at 0, the right
    /// and bottom neighbours clamped to the last pixel), then the x values are multiplied by width/W and the y values
    /// by height/H, so they stay in pixels of the new grid. Computed in float64, stored as float32. Returns this field
    /// when the size is unchanged.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is not positive.</exception>
    public MotionField Resampled(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"motion field: size must be positive, got {width}x{height}");
        if (width == Width && height == Height) return this;
        var result = new float[2L * width * height];
        double sy = (double)Height / height, sx = (double)Width / width;
        double[] scale = [(double)width / Width, (double)height / Height];
        for (int y = 0; y < height; y++)
        {
            var (y0, y1, ly) = Source(y, sy, Height);
            for (int x = 0; x < width; x++)
            {
                var (x0, x1, lx) = Source(x, sx, Width);
                for (int c = 0; c < 2; c++)
                {
                    int plane = c * Width * Height;
                    double top = (1 - lx) * planes[plane + y0 * Width + x0] + lx * planes[plane + y0 * Width + x1];
                    double bottom = (1 - lx) * planes[plane + y1 * Width + x0] + lx * planes[plane + y1 * Width + x1];
                    result[(long)c * width * height + (long)y * width + x] = (float)(((1 - ly) * top + ly * bottom) * scale[c]);
                }
            }
        }
        return new MotionField(width, height, result);
    }

    /// <summary>
    /// The part of the field in columns <paramref name="x"/>..x+width−1 and rows <paramref name="y"/>..y+height−1 (the
    /// photo's region in the field's pixels); vectors unchanged, they stay in pixels of the same grid spacing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The rectangle is empty or not inside the field.</exception>
    public MotionField Cropped(int x, int y, int width, int height)
    {
        if (width < 1 || height < 1 || x < 0 || y < 0 || (long)x + width > Width || (long)y + height > Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"motion field: {width}x{height} at ({x}, {y}) is not inside the {Width}x{Height} field");
        if (x == 0 && y == 0 && width == Width && height == Height) return this;
        var result = new float[2L * width * height];
        for (int c = 0; c < 2; c++)
            for (int row = 0; row < height; row++)
                planes.AsSpan(c * Width * Height + (y + row) * Width + x, width).CopyTo(result.AsSpan(c * width * height + row * width, width));
        return new MotionField(width, height, result);
    }

    /// <summary>PyTorch's align_corners=False source of a target index: the two neighbours and the weight of the second.</summary>
    private static (int I0, int I1, double Lambda) Source(int target, double ratio, int inSize)
    {
        double src = Math.Max(0, (target + 0.5) * ratio - 0.5);
        int i0 = Math.Min((int)src, inSize - 1);
        return (i0, Math.Min(i0 + 1, inSize - 1), src - i0);
    }

    /// <summary>
    /// The field multiplied by the mask, pixel by pixel: the original's <c>flow *= mask</c> (main.py), so a
    /// static pixel never moves and a half-grey one moves at half speed; and by <paramref name="speed"/>
    /// (2 moves everything twice as far per frame).
    /// </summary>
    /// <exception cref="ArgumentException">The mask's grid differs from the field's.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="speed"/> is not in (0, <see cref="MaxSpeed"/>].</exception>
    public MotionField Masked(AnimationMask mask, float speed = 1f)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (!(speed > 0f && speed <= MaxSpeed))
            throw new ArgumentOutOfRangeException(nameof(speed), speed, $"motion speed must be in (0, {MaxSpeed}]");
        if (mask.Width != Width || mask.Height != Height)
            throw new ArgumentException($"motion field: the mask is {mask.Width}x{mask.Height}, the motion {Width}x{Height}; they must share one grid");
        int plane = Width * Height;
        var result = (float[])planes.Clone();
        var m = mask.Values;
        for (int i = 0; i < plane; i++)
        {
            result[i] *= m[i] * speed;
            result[plane + i] *= m[i] * speed;
        }
        return new MotionField(Width, Height, result);
    }
}
