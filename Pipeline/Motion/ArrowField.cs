using System.Globalization;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.WeightsLoader;

namespace CineKernel.Pipeline.Motion;

/// <summary>
/// Turns motion hints into a dense Eulerian motion field, the replacement for the motion generator's
/// output when the user wants to direct the motion.
/// <para>
/// <b>Units.</b> An arrow is the displacement over one second of playback: its length in photo pixels,
/// scaled to the field's grid (× field size ÷ region side, per axis) and divided by the frame rate, is the speed in
/// field pixels per frame, the unit of the motion generator's output and of the samples' <c>_motion.npy</c>.
/// So an arrow means the same speed whatever the loop length, resolution or frame rate: 60 pixels on a
/// 1024² photo is 30 pixels a second on the 512² grid, 1 pixel a frame at 30 fps (the bundled sample's
/// fastest water moves about that fast). A zero-length arrow pins its neighbourhood still.
/// </para>
/// <para>
/// <b>Interpolation.</b> Shepard's inverse-distance weighting with power 2: at field pixel p,
/// M(p) = Σ wᵢ vᵢ / Σ wᵢ with wᵢ = 1 / |p − sᵢ|², sᵢ the start of arrow i mapped to the grid and vᵢ its
/// per-frame vector. It interpolates exactly (M = vᵢ at sᵢ, and the field is flat around each start, so the
/// region around a hint moves as the hint says), it is smooth (infinitely differentiable away from the
/// starts, continuous everywhere) and it never overshoots (every value is a convex combination of the
/// hints). Far from all hints the field tends to their mean, so the whole masked region moves, which a
/// cinemagraph wants, rather than dying off away from the hints. One arrow gives a uniform field.
/// </para>
/// <para>
/// <b>Speed limit.</b> An arrow may move at most the (long) side of the animated region per frame: length ÷ fps ≤
/// side (so at most side × fps photo pixels long), the bound motion files are held to
/// (<see cref="MotionFieldReader.SpeedLimit"/>, the field's side per frame). Anything faster leaves the picture
/// in one frame; it is a unit or typing error, refused rather than rendered as a still.
/// </para>
/// <para>
/// <b>Mask.</b> The field is multiplied by the mask (as the original multiplies its predicted motion),
/// so it is exactly zero where the mask is 0. Distances are straight-line, not measured inside the mask.
/// </para>
/// <para>
/// <b>Geometry.</b> A photo point (x, y) maps to the grid through the region (the whole photo, or the square the
/// generator runs on) and a centre-aligned scale per axis (pixel centres to pixel centres, as align_corners=False
/// resizing): gx = (x − region.X + ½)·W/region.Width − ½, likewise y. Arrows must start inside the region; they may
/// end anywhere.
/// </para>
/// </summary>
public static class ArrowField
{
    /// <summary>Parses one hint, "x0,y0,x1,y1" (four numbers, invariant culture, spaces allowed).</summary>
    /// <exception cref="FormatException">A one-line message quoting the hint.</exception>
    public static MotionArrow Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        const string usage = "expected x0,y0,x1,y1: four numbers in input-photo pixels, from where the motion starts to where it goes in one second (e.g. 120,340,180,330)";
        string[] parts = text.Split(',');
        if (parts.Length != 4)
            throw new FormatException($"Motion hint '{text.Trim()}': {usage}; found {parts.Length} value{(parts.Length == 1 ? "" : "s")}.");
        var values = new double[4];
        for (int i = 0; i < 4; i++)
        {
            string part = parts[i].Trim();
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                throw new FormatException($"Motion hint '{text.Trim()}': '{part}' ({"x0 y0 x1 y1".Split(' ')[i]}) is not a finite number; {usage}.");
        }
        return new MotionArrow(values[0], values[1], values[2], values[3]);
    }

    /// <summary>Parses hints given as separate arguments, each possibly holding several separated by ';'.</summary>
    public static IReadOnlyList<MotionArrow> ParseAll(IEnumerable<string> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        return specs
            .SelectMany(s => s.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(Parse)
            .ToList();
    }

    /// <summary>
    /// The dense field on the mask's grid, in field pixels per frame; zero where the mask is 0.
    /// </summary>
    /// <param name="arrows">At least one hint, in photo pixels.</param>
    /// <param name="crop">How the photo was cropped (<see cref="InputImage.Crop"/>).</param>
    /// <param name="animated">Where the field may be non-zero; its grid is the field's.</param>
    /// <param name="fps">Playback rate: the arrow's one second lasts this many frames.</param>
    /// <exception cref="ArgumentException">No hints, a hint starting outside the cropped square, or one faster than the speed limit (one line naming it).</exception>
    public static MotionField Build(IReadOnlyList<MotionArrow> arrows, SquareCrop crop, AnimationMask animated, double fps)
    {
        if (crop.Side <= 0) throw new ArgumentException($"Crop of side {crop.Side} is empty.", nameof(crop));
        return Build(arrows, ImageRegion.Of(crop), animated, fps);
    }

    /// <summary>
    /// The dense field on the mask's grid, in field pixels per frame; zero where the mask is 0. The grid covers
    /// <paramref name="region"/> of the photo (the whole photo, or the square the generator runs on), each axis
    /// scaled on its own (grid width ÷ region width, grid height ÷ region height).
    /// </summary>
    /// <param name="arrows">At least one hint, in photo pixels.</param>
    /// <param name="region">The part of the photo the grid covers (<see cref="InputImage.Region"/>).</param>
    /// <param name="animated">Where the field may be non-zero; its grid is the field's.</param>
    /// <param name="fps">Playback rate: the arrow's one second lasts this many frames.</param>
    /// <exception cref="ArgumentException">No hints, a hint starting outside the region, or one faster than the speed limit (one line naming it).</exception>
    public static MotionField Build(IReadOnlyList<MotionArrow> arrows, ImageRegion region, AnimationMask animated, double fps)
    {
        ArgumentNullException.ThrowIfNull(arrows);
        ArgumentNullException.ThrowIfNull(animated);
        if (arrows.Count == 0) throw new ArgumentException("No motion hints given: need at least one x0,y0,x1,y1.", nameof(arrows));
        int width = animated.Width, height = animated.Height;
        var mask = animated.Values;
        if (!(fps > 0) || double.IsInfinity(fps)) throw new ArgumentOutOfRangeException(nameof(fps), $"Frame rate must be positive, got {fps}.");
        if (region.Width <= 0 || region.Height <= 0) throw new ArgumentException($"Region {region.Width}x{region.Height} is empty.", nameof(region));

        double scaleX = (double)width / region.Width, scaleY = (double)height / region.Height;
        string animatedArea = region.IsSquare ? $"{region.Width}-pixel animated square" : $"{region.Width}x{region.Height} animated photo";
        int k = arrows.Count;
        var sx = new double[k];
        var sy = new double[k];
        var vx = new double[k];
        var vy = new double[k];
        for (int i = 0; i < k; i++)
        {
            MotionArrow a = arrows[i];
            if (!(a.X0 >= region.X - 0.5 && a.X0 < region.X + region.Width - 0.5 && a.Y0 >= region.Y - 0.5 && a.Y0 < region.Y + region.Height - 0.5))
            {
                string square = region.IsCentreSquare ? "the centre square that is animated" : "the square that is animated";
                string where = region.IsWhole
                    ? $"the {region.SourceWidth}x{region.SourceHeight} photo"
                    : $"{square} (x {region.X}..{region.X + region.Width - 1}, y {region.Y}..{region.Y + region.Height - 1} of the {region.SourceWidth}x{region.SourceHeight} photo)";
                throw new ArgumentException($"Motion hint {i + 1} ({a}) starts at ({a.X0}, {a.Y0}), outside {where}.", nameof(arrows));
            }
            double perFrame = Math.Sqrt(a.Dx * a.Dx + a.Dy * a.Dy) / fps;
            double limit = MotionFieldReader.SpeedLimit(region.Height, region.Width);
            if (!(perFrame <= limit))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Motion hint {i + 1} ({a}) moves {perFrame:G4} pixels a frame at {fps} fps, farther than the {animatedArea} in one frame; " +
                    $"an arrow is the motion over one second, at most {limit * fps} pixels long here."));
            sx[i] = (a.X0 - region.X + 0.5) * scaleX - 0.5;
            sy[i] = (a.Y0 - region.Y + 0.5) * scaleY - 0.5;
            vx[i] = a.Dx * scaleX / fps;
            vy[i] = a.Dy * scaleY / fps;
        }

        int n = width * height;
        var field = new float[2 * n];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int p = y * width + x;
                float m = mask[p];
                if (m == 0f) continue;
                double wSum = 0, ux = 0, uy = 0;
                int atStart = 0;
                double startX = 0, startY = 0;
                for (int i = 0; i < k; i++)
                {
                    double dx = x - sx[i], dy = y - sy[i];
                    double d2 = dx * dx + dy * dy;
                    if (d2 < 1e-12)
                    {
                        // On a start: the weight is infinite, the value that arrow's (the mean if starts coincide).
                        atStart++;
                        startX += vx[i];
                        startY += vy[i];
                        continue;
                    }
                    double w = 1.0 / d2;
                    wSum += w;
                    ux += w * vx[i];
                    uy += w * vy[i];
                }
                if (atStart > 0)
                {
                    ux = startX / atStart;
                    uy = startY / atStart;
                }
                else
                {
                    ux /= wSum;
                    uy /= wSum;
                }
                field[p] = (float)(m * ux);
                field[n + p] = (float)(m * uy);
            }
        return new MotionField(width, height, field);
    }
}
