using System.Globalization;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// A square asked for by <c>--region x,y,side</c>: its top-left pixel and its side, in pixels of the EXIF-oriented
/// photo, not yet checked against it (<see cref="ImageRegion.Square"/> does).
/// </summary>
/// <param name="X">First column (0-based).</param>
/// <param name="Y">First row (0-based).</param>
/// <param name="Side">Side in pixels.</param>
public readonly record struct SquareRequest(int X, int Y, int Side)
{
    /// <summary>Parses "x,y,side": three integers, invariant culture, spaces allowed.</summary>
    /// <exception cref="FormatException">Not three integers (one line quoting the text).</exception>
    public static SquareRequest Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(',');
        var values = new int[3];
        if (parts.Length != 3 || !parts.Select((p, i) => int.TryParse(p.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out values[i])).All(ok => ok))
            throw new FormatException($"--region must be x,y,side: three integers in photo pixels (the square's top-left corner and its side), got '{text}'");
        return new SquareRequest(values[0], values[1], values[2]);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{X},{Y},{Side}");
}
