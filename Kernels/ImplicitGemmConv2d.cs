using ILGPU;
using ILGPU.Runtime;

namespace CineKernel.Kernels;

/// <summary>
/// The direct convolution as an implicit GEMM for GPU backends (<see cref="ConvMapping.ImplicitGemm"/>): per image n,
/// out[o, p] = Σ_k W[o, k] · X[k, p] with p an output pixel and k = (ci, ky, kx) a tap, X never formed (im2col is
/// read on the fly). A group of side×side threads (16×16 where the device allows 256 per group, else the largest power
/// of two that fits) computes a (4·side)-pixel × (4·side)-channel tile, staging 16 taps of both operands at a time in
/// shared memory, so each value read from global memory feeds 4·side multiply-adds instead of one; a thread keeps a
/// 4×4 block of outputs in registers (<see cref="Block4x4"/>: pixels tp + i·side, channels to + j·side, strided so that
/// neighbouring threads read neighbouring input pixels and write neighbouring outputs).
/// <para>
/// Same maths and fusion as <see cref="Conv2d"/>'s direct kernel (<see cref="ConvFusion"/>: weight scale, the
/// modulated conv's style on the input channels and demod on the outputs, the epilogue in the store), any kernel
/// size, stride and zero or reflect padding; only the association of the sums differs (the style scales each input
/// value as it is staged, not each channel's partial sum).
/// </para>
/// </summary>
internal static class ImplicitGemmConv2d
{
    /// <summary>Taps staged per step (the GEMM's K tile).</summary>
    private const int TileDepth = 16;

    /// <summary>Outputs per thread along each side of the tile.</summary>
    private const int PerThread = 4;

    private const int MaxTileSide = 16;
    private const int MaxTile = PerThread * MaxTileSide;

    public static void Launch(Tensor input, Tensor weight, Tensor? style, Tensor? demod, Tensor output, ConvGeometry g,
        ConvFusion fusion)
    {
        var device = input.Device;
        int side = MaxTileSide;
        while (side > 1 && side * side > device.Accelerator.MaxNumThreadsPerGroup) side /= 2;
        int tile = side * PerThread;
        var tiling = new GemmTiling(side, (g.OH * g.OW + tile - 1) / tile, (g.Cout + tile - 1) / tile);
        var empty = ArrayView<float>.Empty;
        var views = new ConvViews(input.View, weight.View, style?.View ?? empty, demod?.View ?? empty, output.View);
        GroupedKernels.Load<ConvViews, ConvGeometry, ConvFusion, GemmTiling>(device, TileKernel)(
            new KernelConfig(checked(g.N * tiling.PixelTiles * tiling.ChannelTiles), side * side), views, g, fusion, tiling);
    }

    /// <summary>Threads per tile side, and tiles along the pixels and the output channels.</summary>
    internal readonly record struct GemmTiling(int Side, int PixelTiles, int ChannelTiles);

    /// <summary>The conv's tensors; absent style or demod are empty views (never read: <see cref="ConvFusion"/> says which exist).</summary>
    internal readonly struct ConvViews(ArrayView<float> input, ArrayView<float> weight, ArrayView<float> style, ArrayView<float> demod,
        ArrayView<float> output)
    {
        public readonly ArrayView<float> Input = input, Weight = weight, Style = style, Demod = demod, Output = output;
    }

    private static void TileKernel(ConvViews v, ConvGeometry g, ConvFusion f, GemmTiling t)
    {
        var xTile = SharedMemory.Allocate<float>(TileDepth * MaxTile); // [tap][pixel]
        var wTile = SharedMemory.Allocate<float>(TileDepth * MaxTile); // [tap][output channel]
        int side = t.Side, tile = side * PerThread, tid = Group.IdxX;
        int groupIndex = Grid.IdxX;
        int channel0 = groupIndex % t.ChannelTiles * tile;
        groupIndex /= t.ChannelTiles;
        int pixel0 = groupIndex % t.PixelTiles * tile;
        int n = groupIndex / t.PixelTiles;
        int tp = tid % side, to = tid / side;
        int taps = g.KH * g.KW, depth = g.Cin * taps, pixels = g.OH * g.OW, plane = g.H * g.W;

        var block = new Block4x4(); // pixels tp + i·side, channels to + j·side
        for (int k0 = 0; k0 < depth; k0 += TileDepth)
        {
            for (int e = tid; e < tile * TileDepth; e += side * side)
            {
                int mm = e % tile, kk = e / tile;
                xTile[kk * tile + mm] = InputTap(v, g, f, n, pixel0 + mm, k0 + kk, taps, depth, pixels, plane);
                int oo = e / TileDepth, kw = e % TileDepth;
                int o = channel0 + oo, k = k0 + kw;
                float w = 0f;
                if (o < g.Cout && k < depth)
                {
                    int ci = k / taps;
                    w = v.Weight[o * g.WeightOutStride + ci * g.WeightInStride + (k - ci * taps)];
                }
                wTile[kw * tile + oo] = w;
            }
            Group.Barrier();

            block.MultiplyAdd(xTile, wTile, TileDepth, tile, side, tp, to);
            Group.Barrier();
        }

        for (int j = 0; j < PerThread; j++)
        {
            int o = channel0 + to + j * side;
            if (o >= g.Cout) break;
            for (int i = 0; i < PerThread; i++) Store(v, g, f, n, o, pixel0 + tp + i * side, pixels, block.Get(i, j));
        }
    }

    /// <summary>X[k, m] of image n: the input under tap k = (ci, ky, kx) of output pixel m, times the style of ci; 0 past the
    /// GEMM's edges and on zero padding.</summary>
    private static float InputTap(ConvViews v, ConvGeometry g, ConvFusion f, int n, int m, int k, int taps, int depth, int pixels,
        int plane)
    {
        if (m >= pixels || k >= depth) return 0f;
        int ci = k / taps, r = k - ci * taps, ky = r / g.KW, kx = r - ky * g.KW;
        int oy = m / g.OW, ox = m - oy * g.OW;
        int iy = oy * g.Stride - g.PadTop + ky, ix = ox * g.Stride - g.PadLeft + kx;
        if (g.Reflect != 0)
        {
            iy = Conv2d.Reflect(iy, g.H);
            ix = Conv2d.Reflect(ix, g.W);
        }
        else if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) return 0f;
        float x = v.Input[(n * g.Cin + ci) * plane + iy * g.W + ix];
        return f.HasStyle != 0 ? x * v.Style[n * g.Cin + ci] : x;
    }

    private static void Store(ConvViews v, ConvGeometry g, ConvFusion f, int n, int o, int m, int pixels, float sum)
    {
        if (m >= pixels) return;
        int at = (n * g.Cout + o) * pixels + m;
        v.Output[at] = f.Finish(sum, n, o, g.Cout, v.Demod, f.Epilogue.NoiseAt(n, m, pixels), at);
    }
}
