using CineKernel.Graph.Ops;
using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Weights;
using CineKernel.Tests.Support;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline;

public class MaskPredictorTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    /// <summary>
    /// Tests/Data/mask_mlp_subset.safetensors: classifier 0 of the golden mask_mlp.safetensors (the original
    /// DatasetGAN pixel_classifier in eval mode, run by PyTorch) with rows 0–63 of in.features and out.logits.0.
    /// </summary>
    private static SafetensorsFile OpenGolden() =>
        SafetensorsFile.Open(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "mask_mlp_subset.safetensors"));

    [Test]
    public void GoldenClassifierMatchesTheOriginalOnRowsAndPerPixel()
    {
        using var file = OpenGolden();
        var features = file.Read("in.features");
        int rows = (int)features.Shape[0], inFeatures = (int)features.Shape[1];
        var models = MaskClassifier.LoadEnsemble(NetworkParameters.From(file), inFeatures);
        Assert.That(models, Has.Count.EqualTo(1));
        var expected = file.Read("out.logits.0").Data;

        // Rows layout (eval mask-mlp).
        var g = new GraphBuilder("rows");
        g.Output("logits", models[0].Build(g, g.Input("x", new Shape4(1, 1, rows, inFeatures)), 0, perPixel: false));
        using (var runner = new GraphRunner(Device, Scheduler.Plan(g.Build())))
        {
            runner.SetInput("x", features.Data);
            runner.Run();
            Numerics.AssertClose(runner.Output("logits").ToArray(), expected, 1e-5, "golden logits, rows");
        }

        // Per-pixel layout (the mask predictor): the 64 rows as an 8×8 map with the features along C.
        var map = new float[features.Data.Length];
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < inFeatures; k++) map[k * rows + r] = features.Data[r * inFeatures + k];
        var p = new GraphBuilder("per pixel");
        p.Output("logits", models[0].Build(p, p.Input("x", new Shape4(1, inFeatures, 8, 8)), 0, perPixel: true));
        using (var runner = new GraphRunner(Device, Scheduler.Plan(p.Build())))
        {
            runner.SetInput("x", map);
            runner.Run();
            Numerics.AssertClose(runner.Output("logits").ToArray(), SmallOpsReference.RowsToPixels(Numerics.ToDouble(expected), 1, 3, 8, 8), 1e-5,
                "golden logits, per pixel");
        }
    }

    /// <summary>An ensemble of random classifiers in the original's state-dict layout (BatchNorms unfolded).</summary>
    private static Dictionary<string, TensorData> RandomEnsemble(int models, int inFeatures, int hidden1, int hidden2, int seed)
    {
        var t = new Dictionary<string, TensorData>();
        void Put(string name, float[] data, params long[] shape) => t[name] = new TensorData(shape, data);
        for (int m = 0; m < models; m++)
        {
            string p = MaskClassifier.Prefix(m);
            int s = seed + 20 * m;
            Put($"{p}.0.weight", Numerics.Random(hidden1 * inFeatures, s, 0.4f), hidden1, inFeatures);
            Put($"{p}.0.bias", Numerics.Random(hidden1, s + 1, 0.3f), hidden1);
            Put($"{p}.3.weight", Numerics.Random(hidden2 * hidden1, s + 2, 0.5f), hidden2, hidden1);
            Put($"{p}.3.bias", Numerics.Random(hidden2, s + 3, 0.3f), hidden2);
            Put($"{p}.6.weight", Numerics.Random(3 * hidden2, s + 4, 0.5f), 3, hidden2);
            Put($"{p}.6.bias", Numerics.Random(3, s + 5, 0.3f), 3);
            foreach (var (bn, c) in new[] { ("2", hidden1), ("5", hidden2) })
            {
                Put($"{p}.{bn}.weight", Numerics.Random(c, s + 6, 2f), c);
                Put($"{p}.{bn}.bias", Numerics.Random(c, s + 7), c);
                Put($"{p}.{bn}.running_mean", Numerics.Random(c, s + 8, 0.5f), c);
                Put($"{p}.{bn}.running_var", Array.ConvertAll(Numerics.Random(c, s + 9), v => Math.Abs(v) + 0.1f), c);
                s += 10;
            }
        }
        return t;
    }

    /// <summary>
    /// The original in float64: every source resized to the grid (align_corners=False), concatenated per
    /// pixel, Linear → ReLU → BN → Linear → ReLU → BN → Linear with the unfolded parameters; class planes.
    /// </summary>
    private static double[] ReferenceLogits(MaskPredictorConfig config, IReadOnlyList<float[]> sources, Dictionary<string, TensorData> t, int model)
    {
        int size = config.OutputSize, pixels = size * size, total = config.TotalChannels;
        var rows = new double[pixels * total];
        for (int i = 0; i < sources.Count; i++)
        {
            var s = config.Sources[i];
            var resized = DfwReference.Bilinear(Numerics.ToDouble(sources[i]), new Shape4(1, s.Channels, s.Size, s.Size), size, size, alignCorners: false);
            for (int c = 0; c < s.Channels; c++)
                for (int px = 0; px < pixels; px++) rows[px * total + config.ColumnOffset(i) + c] = resized[c * pixels + px];
        }
        float[] P(string name) => t[$"{MaskClassifier.Prefix(model)}.{name}"].Data;
        double[] Bn(double[] x, string layer, int channels) =>
            SmallOpsReference.BatchNorm(x, k => k % channels, P($"{layer}.weight"), P($"{layer}.bias"), P($"{layer}.running_mean"), P($"{layer}.running_var"), 1e-5);
        double[] Relu(double[] x) => Array.ConvertAll(x, v => Math.Max(v, 0));
        int hidden1 = P("0.bias").Length, hidden2 = P("3.bias").Length;
        var h = Bn(Relu(SmallOpsReference.Linear(rows, pixels, total, P("0.weight"), hidden1, P("0.bias"))), "2", hidden1);
        h = Bn(Relu(SmallOpsReference.Linear(h, pixels, hidden1, P("3.weight"), hidden2, P("3.bias"))), "5", hidden2);
        return SmallOpsReference.RowsToPixels(SmallOpsReference.Linear(h, pixels, hidden2, P("6.weight"), 3, P("6.bias")), 1, 3, size, size);
    }

    /// <summary>Sources below, at and above a 16 grid (two per resolution at 8, as convs[8] and convs[9]); or all below it.</summary>
    private static readonly object[] Configs =
    [
        new object[] { new MaskPredictorConfig([new(5, 4), new(3, 8), new(4, 8), new(2, 16), new(3, 16), new(2, 32), new(3, 32)], 16) },
        new object[] { new MaskPredictorConfig([new(4, 5), new(3, 10), new(2, 10)], 20) },
    ];

    [TestCaseSource(nameof(Configs))]
    public void FirstLayerPerSourceMatchesConcatThenLinearAndTheReference(MaskPredictorConfig config)
    {
        var tensors = RandomEnsemble(2, config.TotalChannels, 7, 5, 300);
        var models = MaskClassifier.LoadEnsemble(NetworkParameters.From(tensors, "random"), config.TotalChannels);
        var sources = config.Sources.Select((s, i) => Numerics.Random(s.Channels * s.Size * s.Size, 400 + i)).ToList();

        List<float[]> Run(FirstLayerPlacement placement)
        {
            using var runner = new GraphRunner(Device, Scheduler.Plan(MaskPredictor.BuildGraph(config, models, placement)));
            for (int i = 0; i < sources.Count; i++) runner.SetInput(MaskPredictor.FeatureInput(i), sources[i]);
            runner.Run();
            return Enumerable.Range(0, models.Count).Select(m => runner.Output(MaskPredictor.LogitsOutput(m)).ToArray()).ToList();
        }

        var naive = Run(FirstLayerPlacement.AfterConcat);
        var perSource = Run(FirstLayerPlacement.PerSource);
        for (int m = 0; m < models.Count; m++)
        {
            var reference = ReferenceLogits(config, sources, tensors, m);
            Numerics.AssertClose(naive[m], reference, 1e-5, $"model {m}, concat then linear");
            Numerics.AssertClose(perSource[m], reference, 1e-5, $"model {m}, per source");
            Numerics.AssertClose(perSource[m], Numerics.ToDouble(naive[m]), 1e-5, $"model {m}, per source vs concat then linear");
        }
    }

    [Test]
    public void PerSourceGraphRunsTheFirstLayerAtTheSourceResolutions()
    {
        var config = MaskPredictorConfig.ConfigF;
        var perSource = MaskPredictor.FirstLayerFlops(config, 128, FirstLayerPlacement.PerSource);
        var naive = MaskPredictor.FirstLayerFlops(config, 128, FirstLayerPlacement.AfterConcat);
        Assert.That(naive, Is.EqualTo(2.0 * 512 * 512 * 1472 * 128));
        // 64²·512 + 128²·512 + 256²·256 + 512²·128 at their own size, the two 1024 sources (64 channels) on the 512 grid.
        Assert.That(perSource, Is.EqualTo(2.0 * 128 * (64 * 64 * 512 + 128 * 128 * 512 + 256 * 256 * 256 + 512 * 512 * 128 + 512 * 512 * 64)));

        // The same split in the graph itself: the first-layer steps of one model add up to the count above.
        var small = new MaskPredictorConfig([new(5, 4), new(3, 8), new(4, 8), new(2, 16), new(3, 32)], 16);
        var models = MaskClassifier.LoadEnsemble(NetworkParameters.From(RandomEnsemble(1, small.TotalChannels, 7, 5, 9), "random"), small.TotalChannels);
        var plan = Scheduler.Plan(MaskPredictor.BuildGraph(small, models, FirstLayerPlacement.PerSource));
        var firstLayer = plan.Steps.Where(s => s.Op is LinearOp && s.Output.Name.StartsWith("classifier.0.layers.0[", StringComparison.Ordinal));
        Assert.That(firstLayer.Sum(s => s.Flops), Is.EqualTo(MaskPredictor.FirstLayerFlops(small, 7, FirstLayerPlacement.PerSource)));
    }

    [Test]
    public void MaskVotesTheModelsAndRefines()
    {
        // 3 models on a 32 grid: the mask is the vote of the reference logits, then MaskRefinement.
        var config = new MaskPredictorConfig([new(4, 8), new(3, 16), new(2, 32)], 32);
        var tensors = RandomEnsemble(3, config.TotalChannels, 6, 4, 700);
        var models = MaskClassifier.LoadEnsemble(NetworkParameters.From(tensors, "random"), config.TotalChannels);
        var sources = config.Sources.Select((s, i) => Numerics.Random(s.Channels * s.Size * s.Size, 800 + i, 2f)).ToList();
        using var runner = new GraphRunner(Device, Scheduler.Plan(MaskPredictor.BuildGraph(config, models, FirstLayerPlacement.PerSource)));
        for (int i = 0; i < sources.Count; i++) runner.SetInput(MaskPredictor.FeatureInput(i), sources[i]);
        runner.Run();

        var referenceLogits = Enumerable.Range(0, 3).Select(m => Array.ConvertAll(ReferenceLogits(config, sources, tensors, m), v => (float)v)).ToList();
        var expected = MaskVote.InitialMask(referenceLogits, 32, 32, AnimatedClasses.SkyAndFluid, LogitLayout.ClassPlanes);
        var initial = MaskPredictor.Mask(runner, 3, AnimatedClasses.SkyAndFluid, refine: false);
        Assert.That(initial.Pixels, Is.EqualTo(expected.Pixels));
        Assert.That(initial.Count, Is.InRange(1, 32 * 32 - 1), "the random ensemble animates part of the grid");
        Assert.That(MaskPredictor.Mask(runner, 3, AnimatedClasses.SkyAndFluid).Pixels, Is.EqualTo(MaskRefinement.Refine(expected).Pixels));
    }
}
