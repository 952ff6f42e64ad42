using ILGPU;
using ILGPU.Runtime;

namespace CineKernel.Kernels;

/// <summary>
/// The pixels Euler integration can move: those whose own motion vector is not (0, 0) (NaN counts as moving).
/// A pixel starts on the integer grid and a step adds M at its rounded position, so a pixel with M = 0 under it
/// adds exactly 0 and stays on its start for ever: its displacement is exactly 0 at every step. Where the motion
/// is masked (the original's <c>flow *= mask</c>), the static region is skipped by the integrator (bit for bit
/// the same fields) and by the splat's moving pass (<see cref="JointSplat"/>: the same sums, added in another
/// order). Built for a target window (<see cref="Of(Tensor, Window?, int)"/>), the list holds only the moving
/// pixels that can reach it. Indices are into the N×H×W pixels of the motion field, ascending.
/// </summary>
public sealed class MovingPixels : IDisposable
{
    private readonly MemoryBuffer1D<int, Stride1D.Dense>? buffer;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> rowStarts;

    private MovingPixels(Shape4 motion, MemoryBuffer1D<int, Stride1D.Dense>? buffer, int count,
        MemoryBuffer1D<int, Stride1D.Dense> rowStarts, float largestStep)
    {
        MotionShape = motion;
        this.buffer = buffer;
        this.rowStarts = rowStarts;
        Count = count;
        LargestStep = largestStep;
    }

    /// <summary>The motion field shape (N×2×H×W) the indices refer to.</summary>
    public Shape4 MotionShape { get; }

    /// <summary>How many pixels are listed (all that move, or those that can reach the target window).</summary>
    public int Count { get; }

    /// <summary>
    /// The largest |M| component of the field (NaN if it holds a NaN): no pixel moves further than
    /// steps × this in x or in y (each step adds one M value; an escaped pixel goes back to its start).
    /// </summary>
    public float LargestStep { get; }

    /// <summary>
    /// A bound on how far any pixel's displacement reaches, in whole rows or columns, after at most
    /// <paramref name="steps"/> steps, or null when the field holds a NaN or ∞. The positions' float32
    /// rounding (under 2⁻¹² px a step for grids under 4096) and the bilinear footprint's extra row are included.
    /// </summary>
    public int? ReachAfter(int steps) => ReachAfter(LargestStep, steps);

    private static int? ReachAfter(float largestStep, int steps)
    {
        if (!float.IsFinite(largestStep)) return null;
        double reach = Math.Ceiling(steps * (largestStep + 1.0 / 4096)) + 1;
        return reach < int.MaxValue / 4 ? (int)reach : null;
    }

    /// <summary>The indices (device), empty when nothing moves.</summary>
    internal ArrayView<int> View => buffer?.View ?? ArrayView<int>.Empty;

    /// <summary>N·H + 1 entries: row r (of the N·H rows of all images) lists indices [RowStarts[r], RowStarts[r + 1]).</summary>
    internal ArrayView<int> RowStarts => rowStarts.View;

    /// <summary>Finds the moving pixels of <paramref name="motion"/> (one host read of the field, once per field).</summary>
    public static MovingPixels Of(Tensor motion) => Of(motion, null, 0);

    /// <summary>
    /// The moving pixels of <paramref name="motion"/> that can come within one pixel of <paramref name="target"/>
    /// in at most <paramref name="steps"/> steps (<see cref="ReachAfter(int)"/> rows and columns around it): the only
    /// sources a splat kept to that window needs. Integrated with this list, the other moving pixels keep
    /// displacement 0: their fields are wrong, but only outside the window's reach, where a splat kept to the
    /// window drops them (JointSplat skips them as out of reach, and the staying pass never sees them).
    /// With <paramref name="target"/> null, or a field holding NaN or ∞, every moving pixel is listed.
    /// </summary>
    public static MovingPixels Of(Tensor motion, Window? target, int steps)
    {
        if (motion.C != 2) throw new ArgumentException($"motion field must be N×2×H×W, got {motion.Shape}");
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be ≥ 0");
        var m = motion.ToArray();
        int plane = motion.H * motion.W;
        float largest = 0f;
        for (int n = 0; n < motion.N; n++)
            for (int i = n * 2 * plane, end = i + 2 * plane; i < end; i++)
                largest = float.IsNaN(m[i]) ? float.NaN : MathF.Max(largest, MathF.Abs(m[i]));
        var bounds = new Window(0, 0, motion.H, motion.W);
        if (target is { } w && ReachAfter(largest, steps) is { } r)
        {
            int top = Math.Max(0, w.Top - r), left = Math.Max(0, w.Left - r);
            bounds = new Window(top, left, Math.Min(motion.H, w.Top + w.Height + r) - top, Math.Min(motion.W, w.Left + w.Width + r) - left);
        }
        var indices = new List<int>();
        var starts = new int[motion.N * motion.H + 1];
        for (int n = 0; n < motion.N; n++)
        {
            int field = n * 2 * plane;
            for (int y = 0; y < motion.H; y++)
            {
                starts[n * motion.H + y] = indices.Count;
                if (y < bounds.Top || y >= bounds.Top + bounds.Height) continue;
                for (int x = bounds.Left, p = y * motion.W + x; x < bounds.Left + bounds.Width; x++, p++)
                    if (!(m[field + p] == 0f && m[field + plane + p] == 0f)) indices.Add(n * plane + p);
            }
        }
        starts[^1] = indices.Count;
        var device = motion.Device;
        var rowStarts = device.Accelerator.Allocate1D(starts);
        if (indices.Count == 0) return new MovingPixels(motion.Shape, null, 0, rowStarts, largest);
        var buffer = device.Accelerator.Allocate1D(indices.ToArray());
        return new MovingPixels(motion.Shape, buffer, indices.Count, rowStarts, largest);
    }

    public void Dispose()
    {
        buffer?.Dispose();
        rowStarts.Dispose();
    }
}
