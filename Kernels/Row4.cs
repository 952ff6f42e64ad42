namespace CineKernel.Kernels;

/// <summary>
/// Four accumulators of one row of a thread's 4×4 output block in a shared-memory tiled GEMM (the tiled
/// <see cref="Linear"/> and the implicit-GEMM convolution): each x value read from the tile feeds four
/// multiply-adds, one per output column.
/// </summary>
internal struct Row4
{
    public float A, B, C, D;

    public void Add(float x, float wa, float wb, float wc, float wd)
    {
        A += x * wa;
        B += x * wb;
        C += x * wc;
        D += x * wd;
    }

    public readonly float Get(int j) => j == 0 ? A : j == 1 ? B : j == 2 ? C : D;
}
