using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Tests.Studio;

/// <summary>Numerical checks on rendered loops: where frames change, and which way the content moves.</summary>
internal static class StudioFrames
{
    /// <summary>Frame k of an animation as float RGB, [y, x, c] in 0..255.</summary>
    public static float[,,] Pixels(Image<Rgb24> animation, int k)
    {
        using var frame = animation.Frames.CloneFrame(k);
        var p = new float[frame.Height, frame.Width, 3];
        for (int y = 0; y < frame.Height; y++)
            for (int x = 0; x < frame.Width; x++)
            {
                var c = frame[x, y];
                p[y, x, 0] = c.R;
                p[y, x, 1] = c.G;
                p[y, x, 2] = c.B;
            }
        return p;
    }

    /// <summary>Mean absolute difference over the pixels a predicate selects, comparing a(x, y) with b(x − dx, y − dy).</summary>
    public static double MeanDifference(float[,,] a, float[,,] b, Func<int, int, bool> where, int dx = 0, int dy = 0)
    {
        int h = a.GetLength(0), w = a.GetLength(1);
        double sum = 0;
        long n = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int sx = x - dx, sy = y - dy;
                if (!where(x, y) || sx < 0 || sy < 0 || sx >= w || sy >= h) continue;
                for (int c = 0; c < 3; c++) sum += Math.Abs(a[y, x, c] - b[sy, sx, c]);
                n += 3;
            }
        return n == 0 ? 0 : sum / n;
    }

    /// <summary>The integer shift (|dx|, |dy| ≤ 3) that best maps frame 0 onto frame 1 over the region.</summary>
    public static (int Dx, int Dy) BestShift(float[,,] first, float[,,] later, Func<int, int, bool> region)
    {
        var best = (Dx: 0, Dy: 0, Error: double.MaxValue);
        for (int dy = -3; dy <= 3; dy++)
            for (int dx = -3; dx <= 3; dx++)
            {
                double e = MeanDifference(later, first, region, dx, dy);
                if (e < best.Error) best = (dx, dy, e);
            }
        return (best.Dx, best.Dy);
    }

    /// <summary>
    /// Asserts the loop is still outside the animated region (every frame equals frame 0 there, up to the GIF's
    /// palette rounding), changes inside it, and that frame 1 is frame 0 shifted right (x grows, y does not).
    /// </summary>
    public static void AssertMovesOnlyInside(Image<Rgb24> animation, Func<int, int, bool> inside, Func<int, int, bool> outside, bool expectRight)
    {
        var first = Pixels(animation, 0);
        double moved = 0;
        for (int k = 1; k < animation.Frames.Count; k++)
        {
            var frame = Pixels(animation, k);
            double still = MeanDifference(frame, first, outside);
            TestContext.Out.WriteLine($"frame {k}: outside {still:F3}, inside {MeanDifference(frame, first, inside):F3}");
            Assert.That(still, Is.LessThan(0.5), $"frame {k} changed outside the painted region (mean |Δ| {still:F3} of 255)");
            moved = Math.Max(moved, MeanDifference(frame, first, inside));
        }
        Assert.That(moved, Is.GreaterThan(5), "the painted region does not move");
        var (dx, dy) = BestShift(first, Pixels(animation, 1), inside);
        TestContext.Out.WriteLine($"best shift of frame 1: ({dx}, {dy})");
        Assert.That(dy, Is.Zero, "moves vertically");
        Assert.That(expectRight ? dx : -dx, Is.GreaterThan(0), $"moves the wrong way: best shift ({dx}, {dy})");
    }
}
