using ILGPU;

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

/// <summary>
/// A thread's 4×4 output block of a tiled GEMM: rows <c>row + i·side</c>, columns <c>column + j·side</c> of the tile
/// (i, j &lt; 4), strided so that neighbouring threads read neighbouring shared-memory words.
/// </summary>
internal struct Block4x4
{
    public Row4 R0, R1, R2, R3;

    /// <summary>
    /// Adds one staged step: <paramref name="depth"/> rows of the x tile ([k][row], <paramref name="tile"/> wide) times
    /// the w tile ([k][column]). Reads shared memory only; the caller's barriers come before and after.
    /// </summary>
    public void MultiplyAdd(ArrayView<float> xTile, ArrayView<float> wTile, int depth, int tile, int side, int row, int column)
    {
        for (int kk = 0; kk < depth; kk++)
        {
            int xs = kk * tile + row, ws = kk * tile + column;
            float w0 = wTile[ws], w1 = wTile[ws + side], w2 = wTile[ws + 2 * side], w3 = wTile[ws + 3 * side];
            R0.Add(xTile[xs], w0, w1, w2, w3);
            R1.Add(xTile[xs + side], w0, w1, w2, w3);
            R2.Add(xTile[xs + 2 * side], w0, w1, w2, w3);
            R3.Add(xTile[xs + 3 * side], w0, w1, w2, w3);
        }
    }

    /// <summary>The sum at row i, column j of the block.</summary>
    public readonly float Get(int i, int j) => (i == 0 ? R0 : i == 1 ? R1 : i == 2 ? R2 : R3).Get(j);
}
