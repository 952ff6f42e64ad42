using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// Pictures for looking at the intermediate results (the original's <c>--vis</c> output): the motion field
/// as a colour wheel, the mask over the photo, and a contact sheet of frames. Each is a PNG written
/// atomically (temporary file beside it, renamed), replacing an existing file.
/// </summary>
public static class Previews
{
    /// <summary>
    /// Saves the flow (2×H×W: x displacements, then y; +y points down the image) as a colour-wheel PNG.
    /// </summary>
    /// <returns>The largest magnitude, which maps to full saturation (worth printing beside the picture).</returns>
    public static float SaveFlow(string path, ReadOnlySpan<float> flow, int width, int height)
    {
        var (colours, max) = FlowColours(flow, width, height);
        Save(path, colours);
        return max;
    }

    /// <summary>
    /// The flow as colours on the Middlebury colour wheel (Baker et al., "A Database and Evaluation
    /// Methodology for Optical Flow", 2011): hue is the direction (right red, down yellow, left cyan,
    /// up blue-violet, in image coordinates), saturation the magnitude divided by the field's largest,
    /// so the fastest pixel is fully saturated and zero motion is white. Non-finite vectors are black.
    /// </summary>
    public static (RgbPlanes Colours, float MaxMagnitude) FlowColours(ReadOnlySpan<float> flow, int width, int height)
    {
        int n = width * height;
        if (width <= 0 || height <= 0 || flow.Length != 2 * n)
            throw new ArgumentException($"A {width}x{height} flow needs 2*{width}*{height} = {2L * width * height} floats (x plane, y plane), got {flow.Length}.", nameof(flow));
        ReadOnlySpan<float> u = flow[..n], v = flow[n..];
        float max = 0;
        for (int i = 0; i < n; i++)
        {
            float m = MathF.Sqrt(u[i] * u[i] + v[i] * v[i]);
            if (float.IsFinite(m) && m > max) max = m;
        }

        var result = new RgbPlanes(width, height);
        float[] rgb = result.Data;
        ReadOnlySpan<byte> wheel = ColourWheel.Value;
        int wheelColours = wheel.Length / 3;
        for (int i = 0; i < n; i++)
        {
            if (!float.IsFinite(u[i]) || !float.IsFinite(v[i])) continue; // black
            float radius = max > 0 ? MathF.Sqrt(u[i] * u[i] + v[i] * v[i]) / max : 0f;
            // Angle measured so that pointing left (−x) is the wheel's middle and right its two ends.
            float angle = MathF.Atan2(-v[i], -u[i]) / MathF.PI;        // (−1, 1]
            float position = (angle + 1f) / 2f * (wheelColours - 1);   // [0, colours − 1]
            int k0 = (int)MathF.Floor(position);
            int k1 = k0 + 1 == wheelColours ? 0 : k0 + 1;
            float f = position - k0;
            for (int c = 0; c < 3; c++)
            {
                float colour = ((1 - f) * wheel[3 * k0 + c] + f * wheel[3 * k1 + c]) / 255f;
                rgb[c * n + i] = 1f - radius * (1f - colour); // desaturate toward white as the magnitude falls
            }
        }
        return (result, max);
    }

    /// <summary>
    /// Saves the photo with the animated region tinted in proportion to the mask: where the mask is 1 the pixel is
    /// blended 45% toward magenta-red, where it is m by 45%·m, where it is 0 it is left alone. The mask
    /// (maskWidth×maskHeight, values in [0, 1]) is sampled at the nearest position, so it may be at the motion's
    /// resolution while the photo is larger.
    /// </summary>
    public static void SaveMaskOverlay(string path, RgbPlanes image, ReadOnlySpan<float> mask, int maskWidth, int maskHeight)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (maskWidth <= 0 || maskHeight <= 0 || mask.Length != maskWidth * maskHeight)
            throw new ArgumentException($"A {maskWidth}x{maskHeight} mask needs {(long)maskWidth * maskHeight} floats, got {mask.Length}.", nameof(mask));
        ReadOnlySpan<float> tint = [1f, 0.15f, 0.45f];
        const float strength = 0.45f;
        int n = image.PlaneLength;
        var overlay = new RgbPlanes(image.Width, image.Height, (float[])image.Data.Clone());
        for (int y = 0; y < image.Height; y++)
        {
            // Centre-aligned nearest sampling: output pixel centre (y + ½) in mask pixels, rounded down.
            int my = Math.Min(maskHeight - 1, (int)((y + 0.5) * maskHeight / image.Height));
            for (int x = 0; x < image.Width; x++)
            {
                int mx = Math.Min(maskWidth - 1, (int)((x + 0.5) * maskWidth / image.Width));
                float m = strength * Math.Clamp(mask[my * maskWidth + mx], 0f, 1f);
                if (!(m > 0f)) continue;
                int i = y * image.Width + x;
                for (int c = 0; c < 3; c++)
                    overlay.Data[c * n + i] = (1 - m) * image.Data[c * n + i] + m * tint[c];
            }
        }
        Save(path, overlay);
    }

    /// <summary>
    /// <paramref name="count"/> frame indices spread evenly over <paramref name="frameCount"/> frames, first
    /// and last included (fewer if there are fewer frames): which frames a contact sheet shows.
    /// </summary>
    public static int[] ContactSheetFrames(int frameCount, int count)
    {
        if (frameCount <= 0 || count <= 0)
            throw new ArgumentOutOfRangeException(nameof(frameCount), $"Need frames and tiles, got {frameCount} frames and {count} tiles.");
        if (count >= frameCount) return Enumerable.Range(0, frameCount).ToArray();
        if (count == 1) return [0];
        return Enumerable.Range(0, count).Select(i => (int)Math.Round((double)i * (frameCount - 1) / (count - 1), MidpointRounding.AwayFromZero)).ToArray();
    }

    /// <summary>
    /// Saves a grid of frames, row by row, <paramref name="columns"/> wide; each frame is shrunk so its width is
    /// <paramref name="tileWidth"/> (height in proportion; bicubic), with a 4-pixel dark grey gap around tiles.
    /// Frames are in [0, 1] and must all have one size.
    /// </summary>
    public static void SaveContactSheet(string path, IReadOnlyList<RgbPlanes> frames, int columns, int tileWidth)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0) throw new ArgumentException("A contact sheet needs at least one frame.", nameof(frames));
        if (columns <= 0 || tileWidth <= 0)
            throw new ArgumentOutOfRangeException(nameof(columns), $"Columns and tile width must be positive, got {columns} and {tileWidth}.");
        int width = frames[0].Width, height = frames[0].Height;
        for (int i = 1; i < frames.Count; i++)
            if (frames[i].Width != width || frames[i].Height != height)
                throw new ArgumentException($"Frame {i} is {frames[i].Width}x{frames[i].Height}, frame 0 is {width}x{height}.", nameof(frames));

        const int gap = 4;
        int tileHeight = Math.Max(1, (int)Math.Round((double)height * tileWidth / width));
        columns = Math.Min(columns, frames.Count);
        int rows = (frames.Count + columns - 1) / columns;
        using var sheet = new Image<Rgb24>(gap + columns * (tileWidth + gap), gap + rows * (tileHeight + gap), new Rgb24(40, 40, 40));
        for (int i = 0; i < frames.Count; i++)
        {
            using Image<Rgb24> tile = frames[i].ToImage();
            if (tile.Width != tileWidth || tile.Height != tileHeight)
                tile.Mutate(x => x.Resize(tileWidth, tileHeight, KnownResamplers.Bicubic));
            var at = new Point(gap + i % columns * (tileWidth + gap), gap + i / columns * (tileHeight + gap));
            sheet.Mutate(x => x.DrawImage(tile, at, 1f));
        }
        OutputTarget.WriteFile(path, stream => sheet.SaveAsPng(stream));
    }

    /// <summary>Writes one frame as a PNG at its own size (values in [0, 1]).</summary>
    /// <exception cref="MediaFileException">The file cannot be written.</exception>
    public static void SaveFrame(string path, RgbPlanes frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        Save(path, frame);
    }

    private static void Save(string path, RgbPlanes planes)
    {
        using Image<Rgb24> image = planes.ToImage();
        OutputTarget.WriteFile(path, stream => image.SaveAsPng(stream));
    }

    /// <summary>
    /// The Middlebury wheel's 55 colours: red→yellow (15 steps), yellow→green (6), green→cyan (4),
    /// cyan→blue (11), blue→magenta (13), magenta→red (6); steps sized by how fast the eye sees hue change.
    /// </summary>
    private static readonly Lazy<byte[]> ColourWheel = new(() =>
    {
        (int Steps, int From, int To, int Rising)[] segments =
        [
            (15, 0, 1, 1), // R stays 255, G rises
            (6, 1, 0, 0),  // G stays, R falls
            (4, 1, 2, 1),  // G stays, B rises
            (11, 2, 1, 0), // B stays, G falls
            (13, 2, 0, 1), // B stays, R rises
            (6, 0, 2, 0),  // R stays, B falls
        ];
        var wheel = new List<byte>();
        foreach (var (steps, full, changing, rising) in segments)
            for (int i = 0; i < steps; i++)
            {
                var colour = new byte[3];
                colour[full] = 255;
                int ramp = 255 * i / steps;
                colour[changing] = (byte)(rising == 1 ? ramp : 255 - ramp);
                wheel.AddRange(colour);
            }
        return wheel.ToArray();
    });
}
