using System.Text;

namespace CineKernel.Pipeline.Mask;

/// <summary>
/// A binary image, one byte per pixel (0 or 1), row-major: the animation mask (1 = animated, DESIGN.md
/// "Mask": white = animated) and the intermediate masks of its clean-up.
/// </summary>
public sealed class BinaryMask
{
    public BinaryMask(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"mask size {width}×{height} is empty");
        if (pixels.Length != width * height)
            throw new ArgumentException($"a {width}×{height} mask needs {width * height} pixels, got {pixels.Length}");
        foreach (byte p in pixels)
            if (p > 1) throw new ArgumentException($"mask pixels must be 0 or 1, found {p}");
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public static BinaryMask Filled(int width, int height, byte value) =>
        new(width, height, Enumerable.Repeat(value, width * height).ToArray());

    public int Width { get; }
    public int Height { get; }

    /// <summary>Row-major, 0 or 1.</summary>
    public byte[] Pixels { get; }

    public byte this[int x, int y] => Pixels[y * Width + x];

    /// <summary>How many pixels are 1.</summary>
    public int Count => Pixels.Count(p => p != 0);

    public BinaryMask Invert() => new(Width, Height, Array.ConvertAll(Pixels, p => (byte)(1 - p)));

    /// <summary>Rows of '#' (1) and '.' (0), for messages and debugging.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++) text.Append(this[x, y] != 0 ? '#' : '.');
            text.Append('\n');
        }
        return text.ToString();
    }
}
