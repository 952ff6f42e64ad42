using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class Upfirdn2dTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    private static IEnumerable<TestCaseData> Cases()
    {
        // Random, asymmetric kernels so that a missing flip shows.
        yield return new TestCaseData(new Shape4(2, 3, 7, 9), 4, 4, UpfirdnParams.Symmetric(1, 1, 1, 1), false)
            .SetName("blur after the transposed conv: up 1, pad (1,1), 4×4, N=2");
        yield return new TestCaseData(new Shape4(1, 2, 6, 5), 4, 4, new UpfirdnParams(1, 1, 2, -1, -1, 3), true)
            .SetName("up 1, down 1, 4×4 (four outputs per item): asymmetric pads and crops, width not a multiple of 4, epilogue");
        yield return new TestCaseData(new Shape4(1, 3, 5, 6), 4, 4, UpfirdnParams.Symmetric(2, 1, 2, 1), false)
            .SetName("toRGB skip upsampling: up 2, pad (2,1)");
        yield return new TestCaseData(new Shape4(1, 2, 9, 8), 4, 4, UpfirdnParams.Symmetric(1, 2, 1, 1), true)
            .SetName("downsample: down 2, pad (1,1), bias and epilogue");
        yield return new TestCaseData(new Shape4(2, 2, 6, 5), 3, 2, new UpfirdnParams(3, 2, -1, 2, 1, -2), true)
            .SetName("up 3, down 2, negative pads crop, 3×2 kernel, N=2");
        yield return new TestCaseData(new Shape4(1, 1, 6, 7), 5, 3, new UpfirdnParams(2, 3, 0, -3, -4, 0), false)
            .SetName("up 2, down 3, large crops on the other sides, 5×3 kernel");
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesTheLiteralDefinition(Shape4 xs, int kh, int kw, UpfirdnParams p, bool withBias)
    {
        var x = Numerics.Random((int)xs.Length, 31);
        var k = Numerics.Random(kh * kw, 32);
        var b = withBias ? Numerics.Random(xs.C, 33) : null;
        var epilogue = withBias ? ActivationFunction.FusedLeakyRelu : ActivationFunction.Identity;

        using var tx = Device.Upload(x, xs);
        using var tk = Device.Upload(k, new Shape4(1, 1, kh, kw));
        using var tb = b is null ? null : Device.Upload(b, new Shape4(1, 1, 1, xs.C));
        var os = Upfirdn2d.OutputShape(xs, kh, kw, p);
        using var to = Device.Allocate(os);
        Upfirdn2d.Forward(tx, tk, to, p, tb, epilogue);

        var expected = ConvReference.Upfirdn2d(Numerics.ToDouble(x), xs, Numerics.ToDouble(k), kh, kw, p,
            b is null ? null : Numerics.ToDouble(b), epilogue);
        Assert.That(expected, Has.Length.EqualTo(os.Length), "reference output size");
        Numerics.AssertClose(to.ToArray(), expected, 1e-5, "upfirdn2d");
    }

    [Test]
    public void SeparableKernelIsMakeKernelTimesGain()
    {
        float[] taps = [1, 3, 3, 1];
        var k = Upfirdn2d.SeparableKernel(taps, 4f);
        var expected = new double[16];
        for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++)
            expected[y * 4 + x] = taps[y] * taps[x] / 64.0 * 4;
        Numerics.AssertClose(k, expected, 1e-7, "make_kernel([1,3,3,1]) × 4");
    }

    [Test]
    public void UpsamplingByTwoKeepsAConstantImageConstant()
    {
        // The ×4 gain makes up for the three zeros inserted per input pixel (Upsample in model.py);
        // away from the border every output of a constant image equals the constant.
        var xs = new Shape4(1, 1, 6, 6);
        using var tx = Device.Upload(Enumerable.Repeat(0.5f, 36).ToArray(), xs);
        using var tk = Device.Upload(Upfirdn2d.SeparableKernel([1, 3, 3, 1], 4f), new Shape4(1, 1, 4, 4));
        var p = UpfirdnParams.Symmetric(2, 1, 2, 1);
        using var to = Device.Allocate(Upfirdn2d.OutputShape(xs, 4, 4, p));
        Upfirdn2d.Forward(tx, tk, to, p);
        var y = to.ToArray();
        Assert.That(to.Shape, Is.EqualTo(new Shape4(1, 1, 12, 12)));
        for (int r = 2; r < 10; r++)
        for (int c = 2; c < 10; c++)
            Assert.That(y[r * 12 + c], Is.EqualTo(0.5f).Within(1e-6), $"pixel ({r},{c})");
    }

    [Test]
    public void RejectsAKernelLargerThanThePaddedInput()
    {
        using var x = Device.Allocate(1, 1, 2, 2);
        using var k = Device.Allocate(1, 1, 4, 4);
        using var o = Device.Allocate(1, 1, 1, 1);
        Assert.That(() => Upfirdn2d.Forward(x, k, o, UpfirdnParams.Symmetric(1, 1, 0, 0)),
            Throws.ArgumentException.With.Message.Contains("larger than the padded input"));
    }
}
