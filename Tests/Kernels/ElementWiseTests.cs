using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class ElementWiseTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    [TestCase(1, 3, 7, 5)]
    [TestCase(2, 1, 1, 13)]
    public void AddScaledMatchesReference(int n, int c, int h, int w)
    {
        var shape = new Shape4(n, c, h, w);
        var a = Numerics.Random((int)shape.Length, 1);
        var b = Numerics.Random((int)shape.Length, 2);
        using var ta = Device.Upload(a, shape);
        using var tb = Device.Upload(b, shape);
        using var to = Device.Allocate(shape);
        ElementWise.AddScaled(ta, tb, -0.75f, to);
        var expected = new double[a.Length];
        for (int i = 0; i < a.Length; i++) expected[i] = a[i] + -0.75 * (double)b[i];
        Numerics.AssertClose(to.ToArray(), expected, 1e-6, "add-scaled");
    }

    [Test]
    public void ScaleShiftInPlace()
    {
        var shape = new Shape4(1, 2, 3, 5);
        var x = Numerics.Random(30, 3);
        using var t = Device.Upload(x, shape);
        ElementWise.ScaleShift(t, 2.5f, -1f, t);
        var expected = Array.ConvertAll(x, v => v * 2.5 - 1);
        Numerics.AssertClose(t.ToArray(), expected, 1e-6, "scale-shift");
    }

    [Test]
    public void CompositeBroadcastsTheMaskOverChannels()
    {
        var shape = new Shape4(2, 3, 5, 7);
        var fg = Numerics.Random((int)shape.Length, 4);
        var bg = Numerics.Random((int)shape.Length, 5);
        var mask = Array.ConvertAll(Numerics.Random(2 * 35, 6), v => (v + 1) / 2);
        using var tf = Device.Upload(fg, shape);
        using var tb = Device.Upload(bg, shape);
        using var tm = Device.Upload(mask, new Shape4(2, 1, 5, 7));
        using var to = Device.Allocate(shape);
        ElementWise.Composite(tf, tb, tm, to);
        var expected = new double[fg.Length];
        for (int n = 0; n < 2; n++)
        for (int c = 0; c < 3; c++)
        for (int p = 0; p < 35; p++)
        {
            int i = (n * 3 + c) * 35 + p;
            double m = mask[n * 35 + p];
            expected[i] = m * fg[i] + (1 - m) * bg[i];
        }
        Numerics.AssertClose(to.ToArray(), expected, 1e-6, "composite");
    }

    [Test]
    public void KernelsCompileOncePerDevice()
    {
        using var t = Device.Allocate(new Shape4(1, 1, 2, 2));
        t.Fill(1f);
        int before = Device.CompiledKernelCount;
        t.Fill(2f);
        Assert.That(Device.CompiledKernelCount, Is.EqualTo(before));
        Assert.That(t.ToArray(), Is.All.EqualTo(2f));
    }
}
