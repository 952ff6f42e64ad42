using CineKernel.Graph.Ops;
using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Inversion;
using CineKernel.Pipeline.Weights;
using CineKernel.Tests.Support;
using CineKernel.Tests.Tools;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline;

/// <summary>
/// The feature-style encoder at its released widths (IResNet-50 stages 64/128/256/512 with 3/4/14/3 blocks,
/// 18 heads of 8640 → 512, content 64 → 512 → 512) with random weights and BatchNorm statistics, on a
/// 34×26 image: the halvings give 17×13 (odd) and 8×6, the stages 4×3, 2×2, 1×1 and 1×1, so the 3×3
/// pools see windows that overlap, differ in size and repeat one pixel, and every conv meets its zero
/// padding (where an unfoldable BatchNorm would show); D is 512×2×2. The weights (115 M values, 80 M
/// of them the heads) are made once per fixture, and the folded encoder runs once for all tests.
/// </summary>
public class FeatureStyleEncoderTests
{
    private static readonly Shape4 ImageShape = new(1, 3, 34, 26);

    private Dictionary<string, TensorData> weights = null!;
    private float[] latentAverage = null!;
    private float[] image = null!;
    private float[] foldedWPlus = null!;
    private float[] foldedFeature = null!;
    private FeatureStyleEncoder folded = null!;

    private static ComputeDevice Device => TestDevice.Instance;

    [OneTimeSetUp]
    public void RunTheFoldedEncoder()
    {
        weights = RandomWeights.Encoder(FeatureStyleEncoderConfig.Release, seed: 100);
        latentAverage = Numerics.Random(512, 7);
        image = Numerics.Random((int)ImageShape.Length, 8);
        folded = new FeatureStyleEncoder(Device, Parameters(weights), latentAverage, ImageShape);
        folded.Run(image);
        foldedWPlus = folded.WPlus.ToArray();
        foldedFeature = folded.Feature.ToArray();
    }

    /// <summary>In-memory encoder weights, named "encoder weights" in errors.</summary>
    private static NetworkParameters Parameters(IReadOnlyDictionary<string, TensorData> tensors) => NetworkParameters.From(tensors, "encoder weights");

    [OneTimeTearDown]
    public void Release()
    {
        folded.Dispose();
        weights = null!;
    }

    [Test]
    public void ReleaseWidthsAreReadBackFromTheStateDict()
    {
        var config = FeatureStyleEncoderConfig.FromWeights(Parameters(weights));
        Assert.That(config.StageWidths, Is.EqualTo(new[] { 64, 128, 256, 512 }));
        Assert.That(config.StageBlocks, Is.EqualTo(new[] { 3, 4, 14, 3 }));
        Assert.That((config.StemWidth, config.ContentWidth, config.ContentChannels, config.Styles, config.StyleDim, config.PooledFeatures),
            Is.EqualTo((64, 512, 512, 18, 512, 8640)));
        Assert.That(weights, Has.Count.EqualTo(config.Parameters().Count()));
        Assert.That(weights.Keys, Has.Member("block_1.0.bn1.running_var").And.Member("styles.17.weight").And.Member("content_layer.4.weight")
            .And.Member("block_4.0.downsample.1.running_mean").And.No.Member("block_4.1.downsample.0.weight"));
    }

    [Test]
    public void MatchesTheFloat64ReferenceOfTheOriginalForward()
    {
        var (wplus, feature) = EncoderReference.Forward(weights, latentAverage, image, ImageShape);
        Assert.That(folded.Feature.Shape, Is.EqualTo(feature.Shape));
        Assert.That(folded.Feature.Shape, Is.EqualTo(new Shape4(1, 512, 2, 2)));
        Assert.That(folded.WPlus.Shape, Is.EqualTo(new Shape4(1, 1, 18, 512)));
        Numerics.AssertClose(foldedWPlus, wplus, 1e-5, "w+");
        Numerics.AssertClose(foldedFeature, feature.Data, 1e-5, "D");
    }

    [Test]
    public void FoldedBatchNormsMatchTheUnfoldedGraph()
    {
        using var unfolded = new FeatureStyleEncoder(Device, Parameters(weights), latentAverage, ImageShape, foldBatchNorm: false);
        unfolded.Run(image);
        Numerics.AssertClose(foldedWPlus, Numerics.ToDouble(unfolded.WPlus.ToArray()), 1e-5, "w+ folded vs unfolded");
        Numerics.AssertClose(foldedFeature, Numerics.ToDouble(unfolded.Feature.ToArray()), 1e-5, "D folded vs unfolded");

        // 24 blocks with 3 BNs each + 4 downsample BNs + stem + 3 in the content layer = 80 BatchNorms; folded,
        // only the 24 bn1 and content_layer.0 (each before a zero-padded conv) remain affines.
        int Affines(ExecutionPlan plan) => plan.Steps.Count(s => s.Op is ChannelAffineOp);
        Assert.That(Affines(unfolded.Plan), Is.EqualTo(80));
        Assert.That(Affines(folded.Plan), Is.EqualTo(25));
        Assert.That(folded.Plan.Steps.Count(s => s.Op is Conv2dOp), Is.EqualTo(unfolded.Plan.Steps.Count(s => s.Op is Conv2dOp)));
    }

    /// <summary>The spatial path at the pipeline's size (a narrow network: building the release's graph copies 460 MB).</summary>
    [Test]
    public void AThousandPixelImageGivesA64SquareFeature()
    {
        var narrow = EncoderEvalOpTests.Narrow;
        var graph = FeatureStyleEncoder.BuildGraph(narrow, Parameters(RandomWeights.Encoder(narrow, 1)), new float[narrow.StyleDim], new Shape4(1, 3, 1024, 1024));
        Assert.That(graph.Outputs[FeatureStyleEncoder.WPlusOutput].Shape, Is.EqualTo(new Shape4(1, 1, narrow.Styles, narrow.StyleDim)));
        Assert.That(graph.Outputs[FeatureStyleEncoder.FeatureOutput].Shape, Is.EqualTo(new Shape4(1, narrow.ContentChannels, 64, 64)));
        var pooledFrom = graph.Nodes.Where(n => n.Op is AdaptiveAveragePoolOp).Select(n => (n.Inputs[0].Shape.H, n.Inputs[0].Shape.W));
        Assert.That(pooledFrom, Is.EqualTo(new[] { (128, 128), (64, 64), (32, 32), (16, 16) }));
        var resized = graph.Nodes.Where(n => n.Op is ResizeByFactorOp).Select(n => n.Output.Shape).ToArray();
        Assert.That(resized, Is.EqualTo(new[] { new Shape4(1, 3, 512, 512), new Shape4(1, 3, 256, 256) }));
    }

    [Test]
    public void BadWeightsAreNamed()
    {
        var withoutOne = new Dictionary<string, TensorData>(weights);
        withoutOne.Remove("block_3.13.bn1.running_var");
        var missing = Parameters(withoutOne);
        var e = Assert.Throws<InvalidDataException>(() => FeatureStyleEncoder.BuildGraph(FeatureStyleEncoderConfig.Release, missing, latentAverage, ImageShape));
        Assert.That(e!.Message, Is.EqualTo("encoder weights: missing tensor 'block_3.13.bn1.running_var'"));

        var wrong = Parameters(new Dictionary<string, TensorData>(weights) { ["content_layer.3.weight"] = new TensorData([500], new float[500]) });
        e = Assert.Throws<InvalidDataException>(() => FeatureStyleEncoder.BuildGraph(FeatureStyleEncoderConfig.Release, wrong, latentAverage, ImageShape));
        Assert.That(e!.Message, Is.EqualTo("encoder weights: tensor 'content_layer.3.weight' has shape [500], expected [512]"));

        var a = Assert.Throws<ArgumentException>(() => FeatureStyleEncoder.BuildGraph(FeatureStyleEncoderConfig.Release, Parameters(weights), new float[100], ImageShape));
        Assert.That(a!.Message, Is.EqualTo("encoder: the mean latent has 100 values, expected 512 or 9216"));
    }
}

/// <summary><c>cinekernel eval encoder</c> on a small generated file: a narrow encoder of the same topology.</summary>
public class EncoderEvalOpTests : CliTestBase
{
    internal static readonly FeatureStyleEncoderConfig Narrow = new(3, 5, [4, 6, 8, 7], [2, 2, 3, 1], 9, 6, 3, 8);

    [Test]
    public void WritesWPlusAndTheFeatureAsTheReference()
    {
        var weights = RandomWeights.Encoder(Narrow, seed: 40);
        var latent = Numerics.Random(3 * 8, 41); // one mean row per head
        var shape = new Shape4(2, 3, 37, 45);
        var image = Numerics.Random((int)shape.Length, 42);
        var tensors = weights.Select(kv => kv).ToList();
        tensors.Add(KeyValuePair.Create("in.image", new TensorData([2, 3, 37, 45], image)));
        tensors.Add(KeyValuePair.Create("latent_avg", new TensorData([3, 8], latent)));
        string input = PathOf("encoder.safetensors"), output = PathOf("out.safetensors");
        SafetensorsWriter.Write(input, tensors, new Dictionary<string, string>());

        var (exit, stdout, stderr) = Run("eval", "encoder", "--inputs", input, "--output", output);
        Assert.That(exit, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("encoder: wrote 2 tensors"));

        var (wplus, feature) = EncoderReference.Forward(weights, latent, image, shape);
        using var result = SafetensorsFile.Open(output);
        var w = result.Read("out.wplus");
        var d = result.Read("out.feature");
        Assert.That(w.Shape, Is.EqualTo(new long[] { 2, 3, 8 }));
        Assert.That(d.Shape, Is.EqualTo(new long[] { 2, 6, feature.Shape.H, feature.Shape.W }));
        Assert.That((feature.Shape.H, feature.Shape.W), Is.EqualTo((3, 3)), "37×45 → 18×22 → 9×11 → stage 1 5×6 → D 3×3");
        Numerics.AssertClose(w.Data, wplus, 1e-5, "eval w+");
        Numerics.AssertClose(d.Data, feature.Data, 1e-5, "eval D");
    }

    [Test]
    public void MissingMeanLatentAndBadWeightsFailWithOneLine()
    {
        var weights = RandomWeights.Encoder(Narrow, seed: 50);
        var tensors = weights.Where(kv => kv.Key != "block_2.1.conv2.weight").ToList();
        tensors.Add(KeyValuePair.Create("in.image", new TensorData([1, 3, 16, 16], new float[768])));
        string input = PathOf("broken.safetensors");
        SafetensorsWriter.Write(input, tensors, new Dictionary<string, string>());
        var (exit, _, stderr) = Run("eval", "encoder", "--inputs", input, "--output", PathOf("o.safetensors"));
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr.Trim(), Is.EqualTo($"cinekernel: error: {input}: encoder weights: missing tensor 'block_2.1.conv2.weight'"));

        tensors = weights.Select(kv => kv).ToList();
        tensors.Add(KeyValuePair.Create("in.image", new TensorData([1, 3, 16, 16], new float[768])));
        SafetensorsWriter.Write(input, tensors, new Dictionary<string, string>());
        (exit, _, stderr) = Run("eval", "encoder", "--inputs", input, "--output", PathOf("o.safetensors"));
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("no 'latent_avg'"));
    }
}
