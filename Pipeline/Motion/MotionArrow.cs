using System.Globalization;

namespace CineKernel.Pipeline.Motion;

/// <summary>
/// A motion hint drawn by the user: things at (X0, Y0) move toward (X1, Y1). Coordinates are pixels of
/// the input photo as the user sees it (after EXIF orientation, before cropping); integer values are
/// pixel centres.
/// </summary>
public readonly record struct MotionArrow(double X0, double Y0, double X1, double Y1)
{
    public double Dx => X1 - X0;

    public double Dy => Y1 - Y0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{X0},{Y0},{X1},{Y1}");
}
