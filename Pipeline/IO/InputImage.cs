namespace CineKernel.Pipeline.IO;

/// <summary>A photo prepared for rendering: a region of the source (the whole photo, or a square) at the working size, as float RGB planes.</summary>
/// <param name="Path">The file it came from.</param>
/// <param name="Format">The decoder that read it ("PNG", "JPEG", ...).</param>
/// <param name="Pixels">W×H RGB planes in [0, 1]; <see cref="RgbPlanes.ToSigned"/> gives the networks' [−1, 1].</param>
/// <param name="Region">Which part of the (EXIF-oriented) source was kept, in its pixels.</param>
public sealed record InputImage(string Path, string Format, RgbPlanes Pixels, ImageRegion Region)
{
    /// <summary>A square photo from a <see cref="SquareCrop"/> (the centre square).</summary>
    public InputImage(string path, string format, RgbPlanes pixels, SquareCrop crop) : this(path, format, pixels, ImageRegion.Of(crop)) { }

    /// <summary>The long side of <see cref="Pixels"/> (its side when square).</summary>
    public int Size => Math.Max(Pixels.Width, Pixels.Height);

    /// <summary>The square kept, when the region is square.</summary>
    /// <exception cref="InvalidOperationException">The region is not square (the whole of a non-square photo).</exception>
    public SquareCrop Crop => Region.ToSquareCrop();

    /// <summary>True when part of the source was cut away; the CLI should say so.</summary>
    public bool WasCropped => !Region.IsWhole;

    /// <summary>
    /// One line each, for the CLI's "note:" lines: an ICC conversion to sRGB done, transparent pixels composited
    /// over black (<see cref="ImageFileReader.Header.Notes"/>). Empty for an opaque sRGB or untagged photo.
    /// </summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>One line each, for the CLI's "warning:" lines and the JSON report: an embedded ICC profile that could not be converted.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
