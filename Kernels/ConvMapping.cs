namespace CineKernel.Kernels;

/// <summary>
/// How a direct convolution is mapped onto threads. <see cref="Auto"/> picks by device: the CPU accelerator runs
/// the blocked direct kernel (4 channels × 2 pixels per work item, no groups), GPU backends the shared-memory
/// implicit GEMM. Tests force either to check both on any device.
/// </summary>
internal enum ConvMapping
{
    Auto,
    Direct,
    ImplicitGemm,
}
