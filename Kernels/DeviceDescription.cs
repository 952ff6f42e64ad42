namespace CineKernel.Kernels;

/// <summary>
/// One device as <see cref="ComputeDevice.Open"/> would open it, for <c>cinekernel devices</c>: for the CPU, the
/// engine's own CPU device (one multiprocessor per core) and the memory this process may use, not ILGPU's defaults.
/// </summary>
/// <param name="Kind">The backend.</param>
/// <param name="Name">The driver's name for the device.</param>
/// <param name="MemoryBytes">Device memory in bytes; for the CPU, the memory available to this process.</param>
/// <param name="MaxThreadsPerGroup">The largest group the device runs.</param>
/// <param name="Multiprocessors">Multiprocessors (compute units; for the CPU, cores used).</param>
public sealed record DeviceDescription(DeviceKind Kind, string Name, long MemoryBytes, int MaxThreadsPerGroup, int Multiprocessors)
{
    /// <summary>
    /// The threads per group of the engine's explicitly grouped kernels on this device (the reductions of Linear and
    /// Normalization; the tiled GEMM uses the same 256 where allowed): the largest power of two that is at most 256
    /// and <see cref="MaxThreadsPerGroup"/>. The other kernels are grouped by ILGPU per kernel.
    /// </summary>
    public int EngineGroupSize => GroupedKernels.ReductionGroupSizeFor(MaxThreadsPerGroup);
}
