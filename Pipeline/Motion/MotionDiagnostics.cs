using System.Globalization;
using CineKernel.Pipeline.Mask;

namespace CineKernel.Pipeline.Motion;

/// <summary>
/// Why a cinemagraph will not move or cannot look right, said before rendering (issue 11 item 5): the mask selects
/// nothing; the motion is zero wherever the mask animates; or the motion carries pixels far beyond the picture over
/// the loop (usually pixels per second given as pixels per frame).
/// </summary>
public static class MotionDiagnostics
{
    /// <summary>Over the loop, the fastest pixel may travel at most this many times the grid's long side.</summary>
    public const float FarBeyondFactor = 2f;

    /// <summary>
    /// The warnings for <paramref name="motion"/> under <paramref name="mask"/> (one grid) over a loop of
    /// <paramref name="frameCount"/> frames, each one line; empty when nothing is wrong.
    /// </summary>
    /// <param name="motion">The Eulerian motion field (pixels of its grid per frame), before the mask.</param>
    /// <param name="mask">The mask on the same grid (values in [0, 1]).</param>
    /// <param name="frameCount">Frames in the loop (N ≥ 2).</param>
    /// <param name="speed">The speed multiplier the renderer applies.</param>
    /// <exception cref="ArgumentException">The mask's grid differs from the motion's.</exception>
    public static IReadOnlyList<string> Check(MotionField motion, AnimationMask mask, int frameCount, float speed = 1f)
    {
        ArgumentNullException.ThrowIfNull(motion);
        ArgumentNullException.ThrowIfNull(mask);
        var m = mask.Values;
        float largestMask = 0;
        foreach (float v in m) largestMask = MathF.Max(largestMask, v);
        if (largestMask == 0)
            return ["the mask selects nothing (it is black everywhere): every frame will be the photo"];

        var flow = motion.Masked(mask, speed).Planes;
        int plane = motion.Width * motion.Height;
        double fastest = 0;
        for (int i = 0; i < plane; i++)
            fastest = Math.Max(fastest, Math.Sqrt((double)flow[i] * flow[i] + (double)flow[plane + i] * flow[plane + i]));
        if (fastest == 0)
            return ["the motion is zero wherever the mask animates: every frame will be the photo"];

        int side = Math.Max(motion.Width, motion.Height);
        double travel = fastest * frameCount;
        if (travel > FarBeyondFactor * side)
        {
            string text = string.Create(CultureInfo.InvariantCulture,
                $"the fastest pixel moves {fastest:0.##} grid pixels a frame, {travel:0} over the {frameCount}-frame loop: {travel / side:0.#} times the {side}-pixel picture, so the moving region will smear; is the motion in pixels per frame (not per second)?");
            return [text];
        }
        return [];
    }
}
