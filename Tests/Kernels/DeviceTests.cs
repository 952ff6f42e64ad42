using CineKernel.Kernels;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class DeviceTests
{
    [Test]
    public void UnknownDeviceNameIsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => ComputeDevice.Open("tpu"));
        Assert.That(e!.Message, Does.Contain("unknown device 'tpu'"));
    }

    [Test]
    public void ListIncludesTheCpu() =>
        Assert.That(ComputeDevice.List().Select(d => d.Kind), Does.Contain(DeviceKind.Cpu));

    [Test]
    public void CpuOpensByName()
    {
        using var d = ComputeDevice.Open("cpu");
        Assert.That(d.Kind, Is.EqualTo(DeviceKind.Cpu));
    }

    /// <summary>GPU-shaped kernels (the implicit-GEMM conv) go to GPUs only: never the CPU accelerator; CUDA always;
    /// OpenCL as its driver reports the device (PoCL on a CPU is not a GPU).</summary>
    [Test]
    public void IsGpuFollowsTheHardwareNotTheBackend()
    {
        using (var cpu = ComputeDevice.Open("cpu")) Assert.That(cpu.IsGpu, Is.False);
        var device = Support.TestDevice.Instance;
        if (device.Kind == DeviceKind.Cuda) Assert.That(device.IsGpu, Is.True);
        if (device.Kind == DeviceKind.OpenCL && device.Name.StartsWith("cpu-", StringComparison.Ordinal)) // PoCL's CPU driver
            Assert.That(device.IsGpu, Is.False, $"OpenCL device '{device.Name}'");
    }
}
