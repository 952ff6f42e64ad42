namespace CineKernel.Kernels;

/// <summary>Per-side padding of a 2-D conv.</summary>
public readonly record struct Padding2d(int Top, int Bottom, int Left, int Right, PaddingMode Mode = PaddingMode.Zeros)
{
    /// <summary>The same padding on every side (torch's <c>padding=p</c>, or ReflectionPad2d(p) + conv).</summary>
    public static Padding2d Uniform(int pad, PaddingMode mode = PaddingMode.Zeros) => new(pad, pad, pad, pad, mode);

    public override string ToString() => $"(top {Top}, bottom {Bottom}, left {Left}, right {Right}, {Mode})";
}
