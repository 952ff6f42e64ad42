namespace CineKernel.Pipeline.IO;

/// <summary>A photo prepared for the networks: square, at the working size, as float RGB planes.</summary>
/// <param name="Path">The file it came from.</param>
/// <param name="Format">The decoder that read it ("PNG", "JPEG", ...).</param>
/// <param name="Pixels">Size×Size RGB planes in [0, 1]; <see cref="RgbPlanes.ToSigned"/> gives the networks' [−1, 1].</param>
/// <param name="Crop">Which square of the (EXIF-oriented) source was kept; <see cref="SquareCrop.IsCropped"/> says whether anything was cut.</param>
public sealed record InputImage(string Path, string Format, RgbPlanes Pixels, SquareCrop Crop)
{
    public int Size => Pixels.Width;

    /// <summary>True when the source was not square and was centre-cropped; the CLI should say so.</summary>
    public bool WasCropped => Crop.IsCropped;

    /// <summary>
    /// One line each, for the CLI's "note:" lines: an ICC conversion to sRGB done, transparent pixels composited
    /// over black (<see cref="ImageFileReader.Header.Notes"/>). Empty for an opaque sRGB or untagged photo.
    /// </summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>One line each, for the CLI's "warning:" lines and the JSON report: an embedded ICC profile that could not be converted.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
