using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Inversion;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Synthesis;
using CineKernel.Pipeline.Warping;
using CineKernel.Pipeline.Weights;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline.Cinemagraph;

/// <summary>
/// The full method on the tiny weights folder: each stage's result against the network run on its own, and
/// the composite's guarantees (photo where the mask is 0, the generator's frame where it is 1, Eq. 6–7's colour
/// change in the static region with a style).
/// </summary>
public class StyleCineGanRendererTests
{
    private const int G = TinyWeightsFolder.GeneratorSize, M = G / 2, Frames = 3;
    private string dir = "";
    private WeightsFolder weights = null!;
    private RgbPlanes photo = null!, style = null!;

    [OneTimeSetUp]
    public void CreateFolder()
    {
        dir = Path.Combine(Path.GetTempPath(), "cinekernel-tests", "fullmethod-" + Guid.NewGuid().ToString("N")[..8]);
        weights = WeightsFolder.Open(TinyWeightsFolder.Create(dir), FlowNet.Sky, PredictedInputs.Mask | PredictedInputs.Motion);
        photo = new RgbPlanes(G, G, Numerics.Random(3 * G * G, 11).Select(v => 0.5f + 0.5f * v).ToArray());
        style = new RgbPlanes(G, G, Numerics.Random(3 * G * G, 12).Select(v => 0.5f + 0.4f * v).ToArray());
    }

    [OneTimeTearDown]
    public void DeleteFolder()
    {
        weights.Dispose();
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    private static float[] Drift() => AnimateSample.Motion(M);

    private static MotionField? Field(float[]? planes) => planes is null ? null : new MotionField(M, M, planes);

    private static AnimationMask? MaskOf(float[]? values) => values is null ? null : new AnimationMask(M, M, values);

    /// <summary>Left half static (0), right half animated (1), on the M grid.</summary>
    private static float[] HalfMask()
    {
        var mask = new float[M * M];
        for (int y = 0; y < M; y++)
            for (int x = M / 2; x < M; x++) mask[y * M + x] = 1;
        return mask;
    }

    private StyleCineGanRenderer Create(float[]? motion, float[]? mask, RgbPlanes? styleImage = null, int? outputSize = null) =>
        StyleCineGanRenderer.Create(TestDevice.Instance, weights,
            new StyleCineGanInputs { Photo = photo, GridSize = M, Motion = Field(motion), Mask = MaskOf(mask), Style = styleImage },
            new CinemagraphOptions { FrameCount = Frames, Loop = LoopMode.Official }, outputSize);

    private GraphRunner Run(ComputeGraph graph, params (string Name, float[] Data)[] inputs)
    {
        var runner = new GraphRunner(TestDevice.Instance, Scheduler.Plan(graph), Frames);
        foreach (var (name, data) in inputs) runner.SetInput(name, data);
        return runner;
    }

    [Test]
    public void WeightsFolderReadsTheTinyConfiguration()
    {
        Assert.That(weights.GeneratorConfig.Size, Is.EqualTo(G));
        Assert.That(weights.EncoderDownscales, Is.Zero, "a 256 generator needs no halving for D to land at 64");
        Assert.That(FeatureStyleEncoderConfig.DownscalesFor(1024), Is.EqualTo(FeatureStyleEncoderConfig.Downscales), "the release halves twice");
        Assert.That(weights.MaskSources.Sum(s => s.Channels), Is.EqualTo(TinyWeightsFolder.FeatureChannels));
        Assert.That(weights.Classifiers, Has.Count.EqualTo(10));
        Assert.That(weights.AnimatedClasses, Is.EqualTo(CineKernel.Pipeline.Mask.AnimatedClasses.Sky));
    }

    [Test]
    public void GeneratorAndEncoderAloneRenderGivenMaskAndMotionAsTheFullFolderDoes()
    {
        string minimalDir = TinyWeightsFolder.Create(Path.Combine(dir, "minimal"), PredictedInputs.None);
        using var minimal = WeightsFolder.Open(minimalDir, FlowNet.Sky);
        Assert.That(minimal.Loaded, Is.EqualTo(PredictedInputs.None));
        Assert.Throws<InvalidOperationException>(() => _ = minimal.Classifiers, "nothing opened the classifiers");

        using var fromMinimal = StyleCineGanRenderer.Create(TestDevice.Instance, minimal,
            new StyleCineGanInputs { Photo = photo, GridSize = M, Motion = Field(Drift()), Mask = MaskOf(HalfMask()) },
            new CinemagraphOptions { FrameCount = Frames, Loop = LoopMode.Official });
        using var fromFull = Create(Drift(), HalfMask());
        // Not bit-equal on a GPU: the splat's float atomics add in any order.
        Numerics.AssertClose(fromMinimal.RenderFrame(1), fromFull.RenderFrame(1), 1e-6, "frame 1, minimal vs full folder");
        Assert.That(minimal.Loaded, Is.EqualTo(PredictedInputs.None), "given mask and motion open no optional network");
    }

    [Test]
    public void SoftMaskScalesTheMotionAndBlendsTheGeneratedFrameWithThePhoto()
    {
        // A 0.4 mask multiplies the motion and weighs the composite: each frame is 0.4·(the frame of the 0/1 mask with
        // the motion scaled by 0.4) + 0.6·photo (the step resize of the mask to G is linear), and exactly the photo
        // where the mask brought to G is 0.
        using var soft = Create(Drift(), HalfMask().Select(v => 0.4f * v).ToArray());
        using var hard = Create(Drift().Select(v => 0.4f * v).ToArray(), HalfMask());
        int plane = G * G, still = G / 2 - 2; // the step resize blends a pixel or so across the mask's edge
        for (int t = 0; t < Frames; t++)
        {
            float[] frame = soft.RenderFrame(t), reference = hard.RenderFrame(t);
            Numerics.AssertClose(frame, reference.Select((v, i) => 0.4 * v + 0.6 * photo.Data[i]).ToArray(), 1e-5, $"frame {t}");
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < G; y++)
                    for (int x = 0; x < still; x++)
                    {
                        int i = c * plane + y * G + x;
                        if (frame[i] != photo.Data[i]) Assert.Fail($"frame {t} pixel ({c}, {y}, {x}) where m = 0 is {frame[i]}, the photo has {photo.Data[i]}");
                    }
            Assert.That(Enumerable.Range(0, frame.Length).Count(i => Math.Abs(frame[i] - photo.Data[i]) > 1e-3), Is.GreaterThan(plane / 2),
                $"frame {t}: the 40% region shows the generated frame in part");
        }
    }

    [Test]
    public void GeneratorAndEncoderAloneRefuseToPredictNamingTheMissingFilesAndTheAlternatives()
    {
        string minimalDir = TinyWeightsFolder.Create(Path.Combine(dir, "refuse"), PredictedInputs.None);
        using var minimal = WeightsFolder.Open(minimalDir, FlowNet.Fluid);
        StyleCineGanRenderer Render(float[]? motion, float[]? mask) => StyleCineGanRenderer.Create(TestDevice.Instance, minimal,
            new StyleCineGanInputs { Photo = photo, GridSize = M, Motion = Field(motion), Mask = MaskOf(mask) },
            new CinemagraphOptions { FrameCount = Frames });

        var noMask = Assert.Throws<FileNotFoundException>(() => Render(Drift(), mask: null))!;
        Assert.That(noMask.Message, Does.Contain("best_model_number_0.safetensors … best_model_number_9.safetensors"));
        Assert.That(noMask.Message, Does.Contain("--mask"));
        Assert.That(noMask.Message, Does.Not.Contain("\n"));

        var noMotion = Assert.Throws<FileNotFoundException>(() => Render(motion: null, HalfMask()))!;
        Assert.That(noMotion.Message, Does.Contain(Path.Combine("flow-fluid", "latest_net_G.safetensors")));
        Assert.That(noMotion.Message, Does.Contain("--motion").And.Contain("--arrow"));

        var open = Assert.Throws<FileNotFoundException>(() => WeightsFolder.Open(minimalDir, FlowNet.Sky, PredictedInputs.Mask))!;
        Assert.That(open.Message, Does.Contain("best_model_number_0.safetensors"));
    }

    [Test]
    public void InversionIsTheEncoderOnThePhoto()
    {
        using var renderer = Create(Drift(), HalfMask());
        using var encoder = new FeatureStyleEncoder(TestDevice.Instance, weights.Encoder, weights.LatentAverage, new Shape4(1, 3, G, G), downscales: 0);
        encoder.Run(photo.ToSigned());
        Assert.That(renderer.WPlus, Is.EqualTo(encoder.WPlus.ToArray()));
        Assert.That(renderer.Feature, Is.EqualTo(encoder.Feature.ToArray()));
        Assert.That(encoder.Feature.Shape, Is.EqualTo(new Shape4(1, 64, 64, 64)), "D lands on the 64-level");
        Assert.That(renderer.MaskPredicted || renderer.MotionPredicted, Is.False);
    }

    [Test]
    public void PredictedMaskIsTheEnsembleVoteOnFeatureForwardsFeatures()
    {
        using var renderer = Create(Drift(), mask: null);
        Assert.That(renderer.MaskPredicted, Is.True);

        // Reference: feature_forward's features, resized and concatenated before the first layer as the original
        // does (AfterConcat; the pipeline applies the first layer per source), then vote + clean-up.
        using var features = Run(weights.Generator.BuildFeatureForward(), ("wplus", renderer.WPlus), ("feature", renderer.Feature));
        features.Run();
        var config = new MaskPredictorConfig(weights.MaskSources, M);
        using var predictor = Run(MaskPredictor.BuildGraph(config, weights.Classifiers, FirstLayerPlacement.AfterConcat));
        for (int i = 0; i < config.Sources.Count; i++) predictor.SetInput(MaskPredictor.FeatureInput(i), features.Output($"features.{i}").ToArray());
        predictor.Run();
        var expected = MaskPredictor.Mask(predictor, weights.Classifiers.Count, weights.AnimatedClasses);
        Assert.That(renderer.Mask.Values.ToArray(), Is.EqualTo(Array.ConvertAll(expected.Pixels, p => (float)p)));
    }

    [Test]
    public void PredictedMotionIsTheFlowNetworkOnThePhotoAtTheGridZScoreFiltered()
    {
        using var renderer = Create(motion: null, HalfMask());
        Assert.That(renderer.MotionPredicted, Is.True);
        using var network = Run(MotionGenerator.BuildGraph(TinyWeightsFolder.Motion, weights.Motion, M, M));
        using (var full = TestDevice.Instance.Upload(photo.ToSigned(), new Shape4(1, 3, G, G)))
            Resize.Bilinear(full, network.Input(MotionGenerator.ImageInput), alignCorners: false);
        network.Run();
        var raw = network.Output(MotionGenerator.MotionOutput).ToArray();
        Assert.That(renderer.Motion.Planes.ToArray(), Is.EqualTo(MotionZScoreFilter.Apply(raw, new Shape4(1, 2, M, M))));
        Assert.That(renderer.Motion.Planes.ToArray().Any(v => v != 0), Is.True);
    }

    [Test]
    public void FramesArePhotoWhereTheMaskIsZeroAndTheFrameProgramWhereItIsOne()
    {
        var motion = Drift();
        var mask = HalfMask();
        using var renderer = Create(motion, mask);
        var flow = (float[])motion.Clone();
        for (int i = 0; i < M * M; i++)
        {
            flow[i] *= mask[i];
            flow[M * M + i] *= mask[i];
        }
        using var program = Run(weights.Generator.BuildFrames(new FramesOptions(LoopMode: LoopMode.Official, FlowSize: M)),
            ("wplus", renderer.WPlus), ("feature", renderer.Feature), ("flow", flow));
        program.RunOnce();
        int plane = G * G;
        for (int t = 0; t < Frames; t++)
        {
            var frame = renderer.RenderFrame(t);
            program.RunFrame(t);
            var generated = program.Output("image").ToArray();
            // The mask doubled bilinearly: columns ≤ 126 are exactly 0, ≥ 129 exactly 1. The splat sums with
            // atomics, so two runs of the frame program may differ in the last bits: compare those closely.
            var animated = new List<float>();
            var expected = new List<double>();
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < G; y++)
                    for (int x = 0; x < G; x++)
                    {
                        int i = c * plane + y * G + x;
                        if (x <= 126) Assert.That(frame[i], Is.EqualTo(photo.Data[i]), $"static pixel ({x}, {y}) of frame {t}");
                        else if (x >= 129)
                        {
                            animated.Add(frame[i]);
                            expected.Add(generated[i] * 0.5 + 0.5);
                        }
                    }
            Numerics.AssertClose(animated.ToArray(), expected.ToArray(), 1e-5, $"animated region of frame {t}");
        }
        Assert.That(renderer.RenderFrame(0), Is.Not.EqualTo(renderer.RenderFrame(1)), "the animated half moves");
    }

    [Test]
    public void PerFrameTailAtTheGeneratorsResolutionIsTheUpsamplingWithItsEpilogueThenTheComposite()
    {
        // Per frame at G: the skip upsampling adds the warped toRGB, its bias and the [−1, 1] → [0, 1] map in its
        // store; one composite pass follows. With a style, one more pass: the hoisted photo − G(D, w)/2 plus G(D, w_t)/2.
        static List<PlanStep> AtG(ExecutionPlan plan) =>
            plan.PerFrameSteps.Where(s => s.Output.Shape.H == G && s.Op is not FeatureWarpOp).ToList();
        using var plain = Create(Drift(), HalfMask());
        var tail = AtG(plain.FramePlan);
        Assert.That(tail.Select(s => s.Op.Name), Is.EqualTo(new[] { "upsample×2", "composite" }));
        Assert.That(((IEpilogueProducer)tail[0].Op).Epilogue.ToString(), Is.EqualTo("residual·bias·scale(0.5,0.5)"));

        using var styled = Create(Drift(), HalfMask(), style);
        var names = AtG(styled.FramePlan).Select(s => s.Output.Name).ToList();
        Assert.That(names, Does.Contain("background").And.Not.Contain("style.base"), "the style's still part is hoisted");
        Assert.That(styled.FramePlan.OnceSteps.Select(s => s.Output.Name), Does.Contain("style.base"));
    }

    [Test]
    public void StyleMovesTheLatentAndAddsTheSameColourChangeToTheStaticRegion()
    {
        using var plain = Create(Drift(), HalfMask());
        using var styled = Create(Drift(), HalfMask(), style);
        Assert.That(styled.StyleWPlus, Is.Not.Null);
        Numerics.AssertClose(styled.RenderFrame(0), plain.RenderFrame(0), 1e-5, "β = 0 at frame 0: no style yet");
        var last = styled.RenderFrame(Frames - 1);
        Assert.That(last, Is.Not.EqualTo(plain.RenderFrame(Frames - 1)));

        // Official loop: β = 1 at the last frame, so the static region is photo + (G(D, w_s) − G(D, w))/2.
        float[] Unwarped(float[] wplus)
        {
            using var r = Run(weights.Generator.BuildFeatureForward(), ("wplus", wplus), ("feature", styled.Feature));
            r.Run();
            return r.Output("image").ToArray();
        }
        var withStyle = Unwarped(styled.StyleWPlus!);
        var without = Unwarped(styled.WPlus);
        var expected = new List<double>();
        var actual = new List<float>();
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < G; y++)
                for (int x = 0; x < 120; x++)
                {
                    int i = c * G * G + y * G + x;
                    expected.Add(photo.Data[i] + 0.5 * ((double)withStyle[i] - without[i]));
                    actual.Add(last[i]);
                }
        Numerics.AssertClose(actual.ToArray(), expected.ToArray(), 1e-5, "static region with style at β = 1");
    }

    [Test]
    public void OutputSizeHalvesEachFrameByTwoByTwoMeans()
    {
        using var full = Create(Drift(), HalfMask());
        using var half = Create(Drift(), HalfMask(), outputSize: G / 2);
        Assert.That(half.Size, Is.EqualTo(G / 2));
        var big = full.RenderFrame(1);
        var small = half.RenderFrame(1);
        int h = G / 2;
        var expected = new double[3 * h * h];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < h; x++)
                {
                    double sum = 0;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++) sum += big[c * G * G + (2 * y + dy) * G + 2 * x + dx];
                    expected[c * h * h + y * h + x] = sum / 4;
                }
        Numerics.AssertClose(small, expected, 1e-5, "frame at half the generator's size");
    }

    [Test]
    public void InputsOfTheWrongSizeAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => StyleCineGanRenderer.Create(TestDevice.Instance, weights,
            new StyleCineGanInputs { Photo = new RgbPlanes(64, 64), GridSize = M }));
        Assert.That(e!.Message, Does.Contain("256x256"));
        Assert.Throws<ArgumentException>(() => Create(new float[10], null));
        Assert.Throws<ArgumentException>(() => Create(null, new float[10]));
    }
}
