namespace CineKernel.Kernels;

/// <summary>
/// The shape of every tensor in the engine: N×C×H×W, row-major (PyTorch's NCHW).
/// Vectors and matrices use the trailing dimensions (a linear weight is Out×In×1×1).
/// </summary>
public readonly record struct Shape4(int N, int C, int H, int W)
{
    public long Length => (long)N * C * H * W;

    /// <summary>Elements in one image (C·H·W).</summary>
    public int ImageLength => C * H * W;

    /// <summary>Elements in one plane (H·W).</summary>
    public int PlaneLength => H * W;

    public static Shape4 Image(int c, int h, int w) => new(1, c, h, w);

    /// <summary>Builds a Shape4 from 1 to 4 dimensions, right-aligned (so [a, b] is 1×1×a×b).</summary>
    public static Shape4 FromDims(ReadOnlySpan<long> dims)
    {
        if (dims.Length > 4)
            throw new ArgumentException($"a tensor of rank {dims.Length} does not fit the engine's rank-4 layout");
        Span<int> d = stackalloc int[] { 1, 1, 1, 1 };
        for (int i = 0; i < dims.Length; i++)
        {
            long v = dims[dims.Length - 1 - i];
            if (v < 0 || v > int.MaxValue) throw new ArgumentException($"dimension {v} is out of range");
            d[3 - i] = (int)v;
        }
        return new Shape4(d[0], d[1], d[2], d[3]);
    }

    public override string ToString() => $"{N}×{C}×{H}×{W}";
}
