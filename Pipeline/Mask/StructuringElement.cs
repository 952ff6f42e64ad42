namespace CineKernel.Pipeline.Mask;

/// <summary>
/// A structuring element for <see cref="MaskRefinement.Dilate"/> and <see cref="MaskRefinement.Erode"/>:
/// a width×height grid of cells and the anchor cell that sits on the output pixel.
/// </summary>
public sealed class StructuringElement
{
    private StructuringElement(int width, int height, int anchorX, int anchorY, bool[] cells)
    {
        Width = width;
        Height = height;
        AnchorX = anchorX;
        AnchorY = anchorY;
        Cells = cells;
    }

    public int Width { get; }
    public int Height { get; }
    public int AnchorX { get; }
    public int AnchorY { get; }

    /// <summary>Row-major.</summary>
    public bool[] Cells { get; }

    public bool this[int x, int y] => Cells[y * Width + x];

    /// <summary>
    /// OpenCV's getStructuringElement(MORPH_ELLIPSE, (width, height)) with the default anchor
    /// (width/2, height/2): with r = height/2 and c = width/2, row i spans columns c − dx … c + dx
    /// (clipped) where dx = round(c·√(1 − (i − r)²/r²)), rounding half to even as cvRound does.
    /// For 3×3 that is the cross; for 4×4 the top row keeps only column 2 and the other three rows are
    /// full, anchored at (2, 2) — so the element reaches two pixels up and left but one down and right.
    /// </summary>
    public static StructuringElement Ellipse(int width, int height)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"structuring element {width}×{height} is empty");
        int r = height / 2, c = width / 2;
        double inverseR2 = r != 0 ? 1.0 / ((double)r * r) : 0;
        var cells = new bool[width * height];
        for (int i = 0; i < height; i++)
        {
            int dy = i - r;
            if (Math.Abs(dy) > r) continue;
            int dx = (int)Math.Round(c * Math.Sqrt((r * r - dy * dy) * inverseR2), MidpointRounding.ToEven);
            int j1 = Math.Max(c - dx, 0), j2 = Math.Min(c + dx + 1, width);
            for (int j = j1; j < j2; j++) cells[i * width + j] = true;
        }
        return new StructuringElement(width, height, c, r, cells);
    }
}
