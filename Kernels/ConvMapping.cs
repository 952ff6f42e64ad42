namespace CineKernel.Kernels;

/// <summary>
/// How a direct convolution is mapped onto threads. <see cref="Auto"/> picks by device: GPUs
/// (<see cref="ComputeDevice.IsGpu"/>) run the shared-memory implicit GEMM; the CPU accelerator and OpenCL on a CPU
/// run the blocked direct kernel (4 channels × 2 pixels per work item, no groups), which a CPU runs faster than the
/// GEMM's barriers and shared tiles (README "Performance"). Tests force either to check both on any device.
/// </summary>
internal enum ConvMapping
{
    Auto,
    Direct,
    ImplicitGemm,
}
