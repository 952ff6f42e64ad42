using System.Runtime.CompilerServices;

namespace CineKernel.Kernels;

/// <summary>
/// Four floats stored together (OpenCL's float4): a kernel that reads or updates them as one element makes one
/// view access instead of four, which is what the CPU accelerator charges for. The joint splat's accumulator
/// keeps each pixel's sums as groups of four (<see cref="JointSplat.AccumulatorShape"/>).
/// </summary>
internal struct Float4
{
    public float X, Y, Z, W;

    public Float4(float x, float y, float z, float w)
    {
        X = x;
        Y = y;
        Z = z;
        W = w;
    }

    /// <summary>Component k (0..3) of the group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float Get(int k) => k == 0 ? X : k == 1 ? Y : k == 2 ? Z : W;

    /// <summary>cell += v·w, component by component (each sum rounded as the scalar <c>cell += v * w</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaled(ref Float4 cell, Float4 v, float w)
    {
        cell.X += v.X * w;
        cell.Y += v.Y * w;
        cell.Z += v.Z * w;
        cell.W += v.W * w;
    }
}
