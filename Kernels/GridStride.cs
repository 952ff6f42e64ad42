using System.Runtime.CompilerServices;

// ILGPU's CPU accelerator emits its kernel tasks into a dynamic assembly named ILGPURuntime; kernels
// whose parameter structs are internal (implementation details of an op family) need it to see them.
// (InternalsVisibleTo allows repeats, so another file declaring it too is harmless.)
[assembly: InternalsVisibleTo("ILGPURuntime")]

namespace CineKernel.Kernels;

/// <summary>
/// Launch width of the grid-stride kernels of the warp family (Resize, Padding, EulerIntegrator, JointSplat,
/// HoleFill): at most the accelerator's thread count, each thread looping over i, i + stride, ….
/// ILGPU's CPU accelerator pays several µs per launched thread whatever the thread does (a 147k-element
/// fill: 0.9 s with a thread per element, 0.7 ms with 16 threads), so a thread per element makes
/// 1024-level tensors cost minutes on the CPU; a GPU is filled either way.
/// </summary>
internal static class GridStride
{
    public static int Threads(ComputeDevice device, long count) => (int)Math.Min(count, device.Accelerator.MaxNumThreads);
}
