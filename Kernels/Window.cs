namespace CineKernel.Kernels;

/// <summary>
/// A rectangle of every plane of a tensor: rows [Top, Top+Height), columns [Left, Left+Width).
/// </summary>
public readonly record struct Window(int Top, int Left, int Height, int Width)
{
    /// <summary>The whole plane of a tensor.</summary>
    public static Window Of(Tensor t) => new(0, 0, t.H, t.W);

    /// <summary>The plane of a tensor less <paramref name="border"/> pixels on every side (the level cut of DESIGN.md).</summary>
    public static Window Inset(Tensor t, int border) => new(border, border, t.H - 2 * border, t.W - 2 * border);

    public override string ToString() => $"rows {Top}..{Top + Height}, columns {Left}..{Left + Width}";
}
