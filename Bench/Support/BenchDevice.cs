using CineKernel.Kernels;

namespace CineKernel.Bench.Support;

/// <summary>
/// The device every benchmark runs on: the one <c>CINEKERNEL_DEVICE</c> names (<c>cuda</c>, <c>opencl</c>, <c>cpu</c>
/// or <c>auto</c>), else ILGPU's CPU accelerator, where the numbers in the benchmarks' comments were measured.
/// <c>Tools/gpu-check/gpu-check.sh</c> sets it to run them on a GPU.
/// </summary>
public static class BenchDevice
{
    /// <summary>Opens the device; an unknown name is an <see cref="ArgumentException"/>, an absent device an <see cref="InvalidOperationException"/>.</summary>
    public static ComputeDevice Open()
    {
        string? name = Environment.GetEnvironmentVariable(ComputeDevice.EnvironmentVariable);
        return ComputeDevice.Open(string.IsNullOrWhiteSpace(name) ? "cpu" : name.Trim());
    }
}
