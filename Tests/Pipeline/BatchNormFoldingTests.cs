using CineKernel.Kernels;
using CineKernel.Tests.Support;
using CineKernel.WeightsLoader;
using NUnit.Framework;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tests.Pipeline;

public class BatchNormFoldingTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    /// <summary>Random eval-mode statistics: γ, β, mean anywhere, variance positive.</summary>
    private static BatchNormParameters RandomBatchNorm(int channels, int seed, double epsilon = 1e-5) => new(
        Numerics.Random(channels, seed, 2f),
        Numerics.Random(channels, seed + 1, 1f),
        Numerics.Random(channels, seed + 2, 3f),
        Array.ConvertAll(Numerics.Random(channels, seed + 3), v => Math.Abs(v) * 4 + 0.05f),
        epsilon);

    private static double[] Bn(double[] x, Func<int, int> channelOf, BatchNormParameters bn) =>
        SmallOpsReference.BatchNorm(x, channelOf, bn.Gamma, bn.Beta, bn.RunningMean, bn.RunningVar, bn.Epsilon);

    private static double[] Relu(double[] x) => Array.ConvertAll(x, v => Math.Max(v, 0));

    [TestCase(true)]
    [TestCase(false)]
    public void FoldingIntoThePrecedingConvMatchesConvThenBatchNorm(bool convHasBias)
    {
        // conv 3→5, 3×3, on a 2×3×6×7 input (valid convolution), then BatchNorm2d(5).
        const int n = 2, cin = 3, cout = 5, k = 3, h = 6, w = 7;
        var x = Numerics.ToDouble(Numerics.Random(n * cin * h * w, 91));
        var weight = Numerics.Random(cout * cin * k * k, 92, 0.5f);
        float[]? bias = convHasBias ? Numerics.Random(cout, 93) : null;
        var bn = RandomBatchNorm(cout, 94);
        int plane = (h - k + 1) * (w - k + 1);

        var unfolded = Bn(SmallOpsReference.Conv2dValid(x, n, cin, h, w, weight, cout, k, bias), i => i / plane % cout, bn);
        var (foldedWeight, foldedBias) = BatchNormFolding.FoldIntoPreceding(weight, bias, bn);
        var folded = SmallOpsReference.Conv2dValid(x, n, cin, h, w, foldedWeight, cout, k, foldedBias);

        Assert.That(foldedBias, Has.Length.EqualTo(cout), "a conv without bias gets one");
        Numerics.AssertClose(Array.ConvertAll(folded, v => (float)v), unfolded, 1e-5, "conv with folded BN");
    }

    [Test]
    public void FoldingIntoThePrecedingLinearMatchesOnTheDevice()
    {
        // Linear(23→6) then BatchNorm1d(6), 37 rows; the folded layer runs on our Linear kernel.
        const int rows = 37, inFeatures = 23, outFeatures = 6;
        var x = Numerics.Random(rows * inFeatures, 101);
        var weight = Numerics.Random(outFeatures * inFeatures, 102, 0.4f);
        var bias = Numerics.Random(outFeatures, 103);
        var bn = RandomBatchNorm(outFeatures, 104);
        var unfolded = Bn(SmallOpsReference.Linear(Numerics.ToDouble(x), rows, inFeatures, weight, outFeatures, bias), i => i % outFeatures, bn);

        var (fw, fb) = BatchNormFolding.FoldIntoPreceding(weight, bias, bn);
        using var tx = Device.Upload(x, new Shape4(1, 1, rows, inFeatures));
        using var tw = Device.Upload(fw, new Shape4(1, 1, outFeatures, inFeatures));
        using var tb = Device.Upload(fb, new Shape4(1, 1, 1, outFeatures));
        using var ty = Device.Allocate(new Shape4(1, 1, rows, outFeatures));
        Linear.Forward(tx, tw, tb, ty, LinearOptions.Plain);
        Numerics.AssertClose(ty.ToArray(), unfolded, 1e-5, "linear with folded BN");
    }

    [Test]
    public void DatasetGanClassifierFoldsEachBatchNormIntoTheNextLinear()
    {
        // pixel_classifier layout: Linear(45→16) → ReLU → BN(16) → Linear(16→8) → ReLU → BN(8) → Linear(8→3),
        // on 41 pixels. Folded: Linear+ReLU → Linear'+ReLU → Linear', all on the device.
        const int rows = 41, d0 = 45, d1 = 16, d2 = 8, d3 = 3;
        var x = Numerics.Random(rows * d0, 111);
        var w1 = Numerics.Random(d1 * d0, 112, 0.3f); var b1 = Numerics.Random(d1, 113);
        var w2 = Numerics.Random(d2 * d1, 114, 0.5f); var b2 = Numerics.Random(d2, 115);
        var w3 = Numerics.Random(d3 * d2, 116, 0.7f); var b3 = Numerics.Random(d3, 117);
        var bn1 = RandomBatchNorm(d1, 118);
        var bn2 = RandomBatchNorm(d2, 122);

        var h1 = Bn(Relu(SmallOpsReference.Linear(Numerics.ToDouble(x), rows, d0, w1, d1, b1)), i => i % d1, bn1);
        var h2 = Bn(Relu(SmallOpsReference.Linear(h1, rows, d1, w2, d2, b2)), i => i % d2, bn2);
        var logits = SmallOpsReference.Linear(h2, rows, d2, w3, d3, b3);

        var (fw2, fb2) = BatchNormFolding.FoldIntoFollowingLinear(w2, b2, bn1);
        var (fw3, fb3) = BatchNormFolding.FoldIntoFollowingLinear(w3, b3, bn2);
        using var t0 = Device.Upload(x, new Shape4(1, 1, rows, d0));
        using var t1 = Device.Allocate(new Shape4(1, 1, rows, d1));
        using var t2 = Device.Allocate(new Shape4(1, 1, rows, d2));
        using var t3 = Device.Allocate(new Shape4(1, 1, rows, d3));
        var relu = LinearOptions.Plain with { Activation = ActivationFunction.Relu };
        Linear.Forward(t0, Upload(w1, d1, d0), Upload(b1, 1, d1), t1, relu);
        Linear.Forward(t1, Upload(fw2, d2, d1), Upload(fb2, 1, d2), t2, relu);
        Linear.Forward(t2, Upload(fw3, d3, d2), Upload(fb3, 1, d3), t3, LinearOptions.Plain);
        Numerics.AssertClose(t3.ToArray(), logits, 1e-5, "classifier with folded BNs");
    }

    [Test]
    public void GoldenDatasetGanClassifierMatchesWithFoldedBatchNorms()
    {
        // Tests/Data/mask_mlp_subset.safetensors: classifier 0 of the golden mask_mlp.safetensors (the
        // original pixel_classifier run by PyTorch in eval mode) and the first 64 of its input rows and logits.
        using var file = SafetensorsFile.Open(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "mask_mlp_subset.safetensors"));
        float[] P(string name) => file.Read("classifier.0.layers." + name).Data;
        BatchNormParameters Bn(int layer) => new(P($"{layer}.weight"), P($"{layer}.bias"), P($"{layer}.running_mean"), P($"{layer}.running_var"));
        var features = file.Read("in.features");
        int rows = (int)features.Shape[0];

        var (w3, b3) = BatchNormFolding.FoldIntoFollowingLinear(P("3.weight"), P("3.bias"), Bn(2));
        var (w6, b6) = BatchNormFolding.FoldIntoFollowingLinear(P("6.weight"), P("6.bias"), Bn(5));
        using var t0 = Device.Upload(features.Data, new Shape4(1, 1, rows, 1472));
        using var t1 = Device.Allocate(new Shape4(1, 1, rows, 128));
        using var t2 = Device.Allocate(new Shape4(1, 1, rows, 32));
        using var t3 = Device.Allocate(new Shape4(1, 1, rows, 3));
        var relu = LinearOptions.Plain with { Activation = ActivationFunction.Relu };
        Linear.Forward(t0, Upload(P("0.weight"), 128, 1472), Upload(P("0.bias"), 1, 128), t1, relu);
        Linear.Forward(t1, Upload(w3, 32, 128), Upload(b3, 1, 32), t2, relu);
        Linear.Forward(t2, Upload(w6, 3, 32), Upload(b6, 1, 3), t3, LinearOptions.Plain);
        Numerics.AssertClose(t3.ToArray(), file.Read("out.logits.0").Data, 1e-5, "golden classifier logits");
    }

    private readonly List<Tensor> uploads = [];

    private Tensor Upload(float[] data, int rows, int columns)
    {
        var t = Device.Upload(data, new Shape4(1, 1, rows, columns));
        uploads.Add(t);
        return t;
    }

    [TearDown]
    public void DisposeUploads()
    {
        foreach (var t in uploads) t.Dispose();
        uploads.Clear();
    }

    [Test]
    public void StandaloneBatchNormBecomesAChannelAffine()
    {
        var shape = new Shape4(2, 5, 3, 7);
        var x = Numerics.Random((int)shape.Length, 131, 3f);
        var bn = RandomBatchNorm(5, 132, epsilon: 1e-3);
        var (scale, shift) = BatchNormFolding.ToScaleShift(bn);
        using var tx = Device.Upload(x, shape);
        using var ts = Device.Upload(scale, new Shape4(1, 5, 1, 1));
        using var tb = Device.Upload(shift, new Shape4(1, 5, 1, 1));
        using var ty = Device.Allocate(shape);
        Normalization.ChannelAffine(tx, ts, tb, ty);
        Numerics.AssertClose(ty.ToArray(), Bn(Numerics.ToDouble(x), i => i / 21 % 5, bn), 1e-5, "standalone BN");
    }

    [Test]
    public void MismatchedSizesAreRejected()
    {
        var bn = RandomBatchNorm(4, 141);
        Assert.Multiple(() =>
        {
            Assert.That(() => new BatchNormParameters(new float[4], new float[4], new float[3], new float[4]),
                Throws.ArgumentException.With.Message.Contains("4, 4, 3, 4"));
            Assert.That(() => BatchNormFolding.FoldIntoPreceding(new float[10], null, bn),
                Throws.ArgumentException.With.Message.Contains("4 output channels"));
            Assert.That(() => BatchNormFolding.FoldIntoPreceding(new float[12], new float[3], bn),
                Throws.ArgumentException.With.Message.Contains("bias has 3 values"));
            Assert.That(() => BatchNormFolding.FoldIntoFollowingLinear(new float[10], null, bn),
                Throws.ArgumentException.With.Message.Contains("4 input columns"));
        });
    }
}
