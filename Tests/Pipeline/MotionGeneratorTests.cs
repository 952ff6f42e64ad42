using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Weights;
using CineKernel.Tests.Support;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline;

public class MotionGeneratorTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    /// <summary>
    /// Tests/Data/motion/motion_tiny.safetensors: the original img2flow GlobalGenerator (ngf 8, 4
    /// downsamplings, 2 residual blocks, random weights) run by PyTorch on in.image (1×3×64×64).
    /// </summary>
    private static SafetensorsFile OpenGolden() =>
        SafetensorsFile.Open(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "motion", "motion_tiny.safetensors"));

    [TestCase(true)]
    [TestCase(false)]
    public void GoldenMotionMatchesTheOriginal(bool fuse)
    {
        using var file = OpenGolden();
        var config = MotionGeneratorConfig.FromMetadata(file.Metadata, file.Path);
        Assert.That(config, Is.EqualTo(new MotionGeneratorConfig(3, 2, 8, 4, 2)));
        var image = file.Read("in.image");
        var graph = MotionGenerator.BuildGraph(config, NetworkParameters.From(file), 64, 64);
        var plan = Scheduler.Plan(graph, Device.Kind, fuse);
        using var runner = new GraphRunner(Device, plan);
        runner.SetInput(MotionGenerator.ImageInput, image.Data);
        runner.Run();
        Numerics.AssertClose(runner.Output(MotionGenerator.MotionOutput).ToArray(), file.Read("out.motion").Data, 1e-5, "motion field");
    }

    [Test]
    public void GraphMatchesAFloat64ReferenceOnTheGoldenWeights()
    {
        // The graph against float64 arithmetic on a non-square input, and the golden input: both the graph
        // and PyTorch's float32 output sit a few 1e-6 from float64 (instance norm over the 4×4 bottleneck
        // planes magnifies float32 rounding), so the golden error above is rounding, not semantics.
        using var file = OpenGolden();
        var config = MotionGeneratorConfig.FromMetadata(file.Metadata, file.Path);
        var shape = new Shape4(1, 3, 32, 48);
        var image = Numerics.Random((int)shape.Length, 61);
        using (var runner = new GraphRunner(Device, Scheduler.Plan(MotionGenerator.BuildGraph(config, NetworkParameters.From(file), shape.H, shape.W))))
        {
            runner.SetInput(MotionGenerator.ImageInput, image);
            runner.Run();
            Numerics.AssertClose(runner.Output(MotionGenerator.MotionOutput).ToArray(), MotionReference.Forward(config, file.Read, Numerics.ToDouble(image), shape), 1e-5,
                "32×48 motion field vs float64 reference");
        }

        var golden = file.Read("in.image");
        var reference = MotionReference.Forward(config, file.Read, Numerics.ToDouble(golden.Data), Shape4.FromDims(golden.Shape));
        using (var runner = new GraphRunner(Device, Scheduler.Plan(MotionGenerator.BuildGraph(config, NetworkParameters.From(file), 64, 64))))
        {
            runner.SetInput(MotionGenerator.ImageInput, golden.Data);
            runner.Run();
            Numerics.AssertClose(runner.Output(MotionGenerator.MotionOutput).ToArray(), reference, 1e-5, "golden input: graph vs float64 reference");
        }
        TestContext.Out.WriteLine($"golden input: PyTorch float32 vs float64 reference: relative error {Numerics.RelativeError(file.Read("out.motion").Data, reference):E2}");
    }

    [Test]
    public void EveryGoldenParameterIsOneTheConfigNames()
    {
        using var file = OpenGolden();
        var config = MotionGeneratorConfig.FromMetadata(file.Metadata, file.Path);
        var expected = file.Names.Where(n => n.StartsWith("model.", StringComparison.Ordinal)).Order().ToList();
        var named = config.Parameters().ToList();
        Assert.That(named.Select(p => p.Name).Order(), Is.EqualTo(expected));
        foreach (var (name, shape) in named) Assert.That(file.Entry(name).Shape, Is.EqualTo(shape), name);
    }

    [Test]
    public void MetadataOtherThanInstanceNormOrIncompleteIsRejected()
    {
        var full = new Dictionary<string, string> { ["input_nc"] = "3", ["output_nc"] = "2", ["ngf"] = "8", ["n_downsampling"] = "2", ["n_blocks"] = "1", ["norm"] = "instance" };
        Assert.That(MotionGeneratorConfig.FromMetadata(full, "f").Downsamplings, Is.EqualTo(2));
        var batch = new Dictionary<string, string>(full) { ["norm"] = "batch" };
        Assert.That(() => MotionGeneratorConfig.FromMetadata(batch, "f"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("norm 'batch'"));
        var missing = new Dictionary<string, string>(full);
        missing.Remove("ngf");
        Assert.That(() => MotionGeneratorConfig.FromMetadata(missing, "f"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("'ngf'"));
    }

    [Test]
    public void SizesThatDoNotSurviveTheDownsamplingAreRejected()
    {
        var config = new MotionGeneratorConfig(3, 2, 4, 2, 1);
        var parameters = NetworkParameters.From(RandomWeights.Motion(config, 7), "random");
        Assert.That(() => MotionGenerator.BuildGraph(config, parameters, 18, 16), Throws.ArgumentException.With.Message.Contains("divisible by 4"));
        Assert.That(MotionGenerator.BuildGraph(config, parameters, 12, 8).Outputs[MotionGenerator.MotionOutput].Shape, Is.EqualTo(new Shape4(1, 2, 12, 8)));
    }

    [Test]
    public void AMisshapenParameterNamesTheTensor()
    {
        var config = new MotionGeneratorConfig(3, 2, 4, 1, 1);
        var other = NetworkParameters.From(RandomWeights.Motion(config with { Ngf = 5 }, 3), "random");
        Assert.That(() => MotionGenerator.BuildGraph(config, other, 8, 8),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contains("'model.1.weight' has shape [5, 3, 7, 7], expected [4, 3, 7, 7]"));
    }

    /// <summary>z_score_filtering in float64: magnitudes over channels; mean and population std over the non-zero ones.</summary>
    private static double[] ZScoreReference(float[] flow, int n, int c, int plane)
    {
        var magnitude = new double[n * plane];
        for (int b = 0; b < n; b++)
        for (int p = 0; p < plane; p++)
        {
            double s = 0;
            for (int ch = 0; ch < c; ch++) s += (double)flow[(b * c + ch) * plane + p] * flow[(b * c + ch) * plane + p];
            magnitude[b * plane + p] = Math.Sqrt(s);
        }
        var nonZero = magnitude.Where(m => m != 0).ToArray();
        double mean = nonZero.Average();
        double std = Math.Sqrt(nonZero.Select(m => (m - mean) * (m - mean)).Average());
        var result = Numerics.ToDouble(flow);
        for (int b = 0; b < n; b++)
        for (int p = 0; p < plane; p++)
            if (Math.Abs(magnitude[b * plane + p] - mean) / std > 3)
                for (int ch = 0; ch < c; ch++) result[(b * c + ch) * plane + p] = 0;
        return result;
    }

    [Test]
    public void ZScoreFilterDropsOutliersMeasuredOverNonZeroMagnitudes()
    {
        // 2×2×9×11 flow: a quarter of the pixels still (excluded from the statistics), a few large outliers.
        const int n = 2, c = 2, h = 9, w = 11, plane = h * w;
        var flow = Numerics.Random(n * c * plane, 41);
        for (int b = 0; b < n; b++)
        for (int p = 0; p < plane; p += 4)
            for (int ch = 0; ch < c; ch++) flow[(b * c + ch) * plane + p] = 0;
        int[] outliers = [5, 50, plane + 17];
        foreach (int o in outliers) flow[(o / plane * c) * plane + o % plane] = 25f;
        var filtered = MotionZScoreFilter.Apply(flow, new Shape4(n, c, h, w));
        Numerics.AssertClose(filtered, ZScoreReference(flow, n, c, plane), 0, "z-score filtered flow");
        foreach (int o in outliers) Assert.That(filtered[(o / plane * c) * plane + o % plane], Is.Zero, $"outlier at {o}");
        Assert.That(filtered.Count(v => v != 0), Is.GreaterThan(filtered.Length / 2), "ordinary motion survives");
    }

    [Test]
    public void ZScoreFilterLeavesStillOrUniformFlowAlone()
    {
        var still = new float[2 * 4 * 4];
        Assert.That(MotionZScoreFilter.Apply(still, new Shape4(1, 2, 4, 4)), Is.EqualTo(still));
        var uniform = Enumerable.Repeat(1.5f, 2 * 4 * 4).ToArray();
        uniform[3] = uniform[16 + 3] = 0;
        Assert.That(MotionZScoreFilter.Apply(uniform, new Shape4(1, 2, 4, 4)), Is.EqualTo(uniform));
    }
}
