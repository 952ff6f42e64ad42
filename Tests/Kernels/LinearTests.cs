using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Kernels;

public class LinearTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    private static readonly LinearMapping[] ExplicitMappings =
        [LinearMapping.ThreadPerOutput, LinearMapping.GroupPerOutput, LinearMapping.Tiled];

    /// <summary>
    /// Every explicit mapping on each size. The CPU accelerator pays about a millisecond per group
    /// barrier, so group-per-output (one group per output value) only gets the cases with few outputs,
    /// which is what it is for.
    /// </summary>
    private static IEnumerable<TestCaseData> Mapped(string label, Func<int[], int> outputCount, params int[][] sizes) =>
        from mapping in ExplicitMappings
        from size in sizes
        where mapping != LinearMapping.GroupPerOutput || outputCount(size) <= 100
        select new TestCaseData(new object[] { mapping }.Concat(size.Cast<object>()).ToArray())
            .SetName($"{label} {mapping} {string.Join("×", size)}");

    // (rows, in, out)
    private static IEnumerable<TestCaseData> RowCases() =>
        Mapped("rows", s => s[0] * s[2], [1, 67, 29], [2, 131, 5], [37, 45, 19], [16, 3, 70]);

    // (n, h, w), 21 → 11 features
    private static IEnumerable<TestCaseData> PerPixelCases() => Mapped("per pixel", s => s[0] * s[1] * s[2] * 11, [2, 5, 7], [2, 1, 3], [2, 9, 4]);

    // (rows), 20 → 9 features
    private static IEnumerable<TestCaseData> SliceCases() => Mapped("column slice", s => s[0] * 9, [3], [40]);

    // Sizes fill no tile evenly: partial tiles in rows, outputs and the 16-deep feature steps.
    [TestCaseSource(nameof(RowCases))]
    public void RowsMatchReference(LinearMapping mapping, int rows, int inFeatures, int outFeatures) =>
        CheckRows(mapping, rows, inFeatures, outFeatures);

    [Test]
    public void MaskMlpFirstLayerShapeMatchesReference() => CheckRows(LinearMapping.Auto, 100, 1472, 128);

    private static void CheckRows(LinearMapping mapping, int rows, int inFeatures, int outFeatures)
    {
        var x = Numerics.Random(rows * inFeatures, 11);
        var w = Numerics.Random(outFeatures * inFeatures, 12, 0.2f);
        var b = Numerics.Random(outFeatures, 13);
        using var tx = Device.Upload(x, new Shape4(1, 1, rows, inFeatures));
        using var tw = Device.Upload(w, new Shape4(1, 1, outFeatures, inFeatures));
        using var tb = Device.Upload(b, new Shape4(1, 1, 1, outFeatures));
        using var ty = Device.Allocate(new Shape4(1, 1, rows, outFeatures));
        Linear.Forward(tx, tw, tb, ty, LinearOptions.Plain with { Mapping = mapping });
        var expected = SmallOpsReference.Linear(x, rows, inFeatures, w, outFeatures, inFeatures, b);
        Numerics.AssertClose(ty.ToArray(), expected, 1e-5, $"linear {mapping} {rows}×{inFeatures}→{outFeatures}");
    }

    [TestCase(2, TestName = "mapping layer, two latents")]
    [TestCase(18, TestName = "mapping layer, 18 latents")]
    public void EqualLinearWithFusedLeakyReluMatchesReference(int rows)
    {
        // StyleGAN2 mapping layer: EqualLinear(512, 512, lr_mul=0.01, activation="fused_lrelu"),
        // weights stored unscaled (randn / lr_mul at init, so large), bias inside the activation.
        const int features = 512;
        const float lrMul = 0.01f;
        var x = Numerics.Random(rows * features, 21);
        var w = Numerics.Random(features * features, 22, 100f);
        var b = Numerics.Random(features, 23, 50f);
        using var tx = Device.Upload(x, new Shape4(rows, features, 1, 1));
        using var tw = Device.Upload(w, new Shape4(features, features, 1, 1));
        using var tb = Device.Upload(b, new Shape4(1, 1, 1, features));
        using var ty = Device.Allocate(new Shape4(rows, features, 1, 1));
        var options = LinearOptions.Equalized(features, lrMul, fusedLeakyRelu: true);
        Linear.Forward(tx, tw, tb, ty, options);
        var expected = SmallOpsReference.Linear(x, rows, features, w, features, features, b,
            weightScale: lrMul / Math.Sqrt(features), biasScale: lrMul, negativeSlope: 0.2, gain: Math.Sqrt(2));
        Numerics.AssertClose(ty.ToArray(), expected, 1e-5, "equal linear + fused lrelu");
        Assert.That(expected.Count(v => v < 0), Is.GreaterThan(expected.Length / 4), "both branches of the activation are exercised");
    }

    // 2×9×4: the 16-row tiles of the CPU accelerator's tiled mapping span both images.
    [TestCaseSource(nameof(PerPixelCases))]
    public void PerPixelMatchesReference(LinearMapping mapping, int n, int h, int w)
    {
        const int inFeatures = 21, outFeatures = 11;
        var x = Numerics.Random(n * inFeatures * h * w, 31);
        var weight = Numerics.Random(outFeatures * inFeatures, 32, 0.3f);
        var bias = Numerics.Random(outFeatures, 33);
        using var tx = Device.Upload(x, new Shape4(n, inFeatures, h, w));
        using var tw = Device.Upload(weight, new Shape4(outFeatures, inFeatures, 1, 1));
        using var tb = Device.Upload(bias, new Shape4(outFeatures, 1, 1, 1));
        using var ty = Device.Allocate(new Shape4(n, outFeatures, h, w));
        Linear.ForwardPerPixel(tx, tw, tb, ty, LinearOptions.Plain with { Activation = ActivationFunction.Relu, Mapping = mapping });
        var rows = SmallOpsReference.PixelsToRows(x, n, inFeatures, h, w);
        var expectedRows = SmallOpsReference.Linear(rows, n * h * w, inFeatures, weight, outFeatures, inFeatures, bias,
            negativeSlope: 0, gain: 1);
        Numerics.AssertClose(ty.ToArray(), SmallOpsReference.RowsToPixels(expectedRows, n, outFeatures, h, w), 1e-5, "per-pixel linear + relu");
    }

    [TestCaseSource(nameof(SliceCases))]
    public void WeightColumnSliceUsesOnlyThoseColumns(LinearMapping mapping, int rows)
    {
        // A 50-column layer applied to the 20 features that meet columns 13..32, without a bias
        // (the caller adds it once after summing the slices).
        const int totalColumns = 50, offset = 13, inFeatures = 20, outFeatures = 9;
        var x = Numerics.Random(rows * inFeatures, 41);
        var w = Numerics.Random(outFeatures * totalColumns, 42);
        using var tx = Device.Upload(x, new Shape4(1, 1, rows, inFeatures));
        using var tw = Device.Upload(w, new Shape4(1, 1, outFeatures, totalColumns));
        using var ty = Device.Allocate(new Shape4(1, 1, rows, outFeatures));
        Linear.Forward(tx, tw, null, ty, LinearOptions.Plain with { WeightColumnOffset = offset, WeightScale = 0.5f, Mapping = mapping });
        var expected = SmallOpsReference.Linear(x, rows, inFeatures, w, outFeatures, totalColumns, null, weightScale: 0.5, columnOffset: offset);
        Numerics.AssertClose(ty.ToArray(), expected, 1e-5, "column slice");
    }

    [Test]
    public void MismatchedShapesAreRejected()
    {
        using var x = Device.Allocate(new Shape4(1, 1, 4, 10));
        using var w = Device.Allocate(new Shape4(1, 1, 6, 12));
        using var wide = Device.Allocate(new Shape4(1, 1, 6, 10));
        using var y = Device.Allocate(new Shape4(1, 1, 4, 6));
        using var badBias = Device.Allocate(new Shape4(1, 1, 1, 5));
        using var notMatrix = Device.Allocate(new Shape4(2, 3, 4, 5));
        Assert.Multiple(() =>
        {
            Assert.That(() => Linear.Forward(x, w, null, y, LinearOptions.Plain), Throws.ArgumentException.With.Message.Contains("12 columns"));
            Assert.That(() => Linear.Forward(x, wide, badBias, y, LinearOptions.Plain), Throws.ArgumentException.With.Message.Contains("bias"));
            Assert.That(() => Linear.Forward(x, notMatrix, null, y, LinearOptions.Plain), Throws.ArgumentException.With.Message.Contains("not a matrix"));
            Assert.That(() => Linear.Forward(x, wide, null, x, LinearOptions.Plain), Throws.ArgumentException.With.Message.Contains("output"));
            Assert.That(() => Linear.Forward(x, w, null, y, LinearOptions.Plain with { WeightColumnOffset = 3 }),
                Throws.ArgumentException.With.Message.Contains("slice from column 3"));
            Assert.That(() => Linear.Forward(x, wide, null, y, LinearOptions.Plain with { WeightColumnOffset = 1 }),
                Throws.ArgumentException.With.Message.Contains("slice from column 1"));
        });
    }

    [Test]
    public void EqualizedScalesFollowStyleGan2()
    {
        var o = LinearOptions.Equalized(512, 0.01f, fusedLeakyRelu: true);
        Assert.That(o.WeightScale, Is.EqualTo((float)(0.01 / Math.Sqrt(512))));
        Assert.That(o.BiasScale, Is.EqualTo(0.01f));
        Assert.That(o.Activation, Is.EqualTo(ActivationFunction.FusedLeakyRelu));
        Assert.That(LinearOptions.Equalized(960).Activation, Is.EqualTo(ActivationFunction.Identity));
    }
}
