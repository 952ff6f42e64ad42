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
}
