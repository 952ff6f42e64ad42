using CineKernel.Kernels;

namespace CineKernel.Tests.Support;

/// <summary>
/// The one device the suite runs on: CINEKERNEL_DEVICE if set (cuda, opencl, cpu), else auto.
/// Opened once; kernels compile once per test run.
/// </summary>
public static class TestDevice
{
    private static readonly Lazy<ComputeDevice> device = new(ComputeDevice.OpenFromEnvironment);

    public static ComputeDevice Instance => device.Value;
}
