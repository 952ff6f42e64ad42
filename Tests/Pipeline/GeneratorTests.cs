using CineKernel.Graph.Ops;
using CineKernel.Graph;
using CineKernel.Kernels;
using CineKernel.Pipeline.Weights;
using CineKernel.Pipeline.Synthesis;
using CineKernel.Pipeline.Warping;
using CineKernel.Tests.Support;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Pipeline;

/// <summary>The fixture generator_tiny.safetensors (size 256, style_dim 64, n_mlp 2), trimmed, in Tests/Data/generator.</summary>
public static class GeneratorGolden
{
    public static string Path => System.IO.Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "generator", "generator_tiny.safetensors");

    public static SafetensorsFile Open() => SafetensorsFile.Open(Path);
}

/// <summary>
/// Parity of the generator's programs with the original (models/stylegan2/model.py) on the golden fixture,
/// and the frame program's schedule: what is hoisted, what runs per frame.
/// </summary>
public class GeneratorTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    private static GraphRunner Runner(ComputeGraph graph, int frameCount = 1) => new(Device, Scheduler.Plan(graph), frameCount);

    private static void Feed(GraphRunner runner, SafetensorsFile golden, string input, string tensor) =>
        runner.SetInput(input, golden.Read(tensor).Data);

    private static void AssertOutput(GraphRunner runner, string output, SafetensorsFile golden, string reference, double tolerance)
    {
        var actual = runner.Output(output);
        var expected = golden.Read(reference);
        Assert.That(actual.Length, Is.EqualTo(expected.Data.Length), $"{reference}: element count ({actual.Shape} vs {expected})");
        Numerics.AssertClose(actual.ToArray(), expected.Data, tolerance, reference);
    }

    [Test]
    public void ConfigComesFromTheFixtureMetadata()
    {
        using var golden = GeneratorGolden.Open();
        var c = GeneratorConfig.FromFile(golden);
        Assert.That((c.Size, c.StyleDim, c.MappingLayers, c.MappingLrMul), Is.EqualTo((256, 64, 2, 0.01f)));
        Assert.That((c.NumLayers, c.LatentCount, c.Blocks, c.ChannelsAt(128)), Is.EqualTo((13, 14, 6, 32)));
        var f = GeneratorConfig.ConfigF();
        Assert.That((f.Size, f.StyleDim, f.MappingLayers, f.NumLayers, f.LatentCount, f.ChannelsAt(1024)), Is.EqualTo((1024, 512, 8, 17, 18, 32)));
    }

    [Test]
    public void MappingMatchesTheOriginal()
    {
        using var golden = GeneratorGolden.Open();
        using var runner = Runner(Generator.FromFile(golden).BuildMapping());
        Feed(runner, golden, "z", "in.z");
        runner.Run();
        AssertOutput(runner, "w", golden, "out.w", 1e-5);
    }

    [Test]
    public void ForwardMatchesTheOriginal()
    {
        using var golden = GeneratorGolden.Open();
        using var runner = Runner(Generator.FromFile(golden).BuildForward());
        Feed(runner, golden, "wplus", "in.wplus");
        runner.Run();
        AssertOutput(runner, "image", golden, "out.forward", 1e-5);
    }

    [Test]
    public void FeatureForwardMatchesTheOriginal()
    {
        using var golden = GeneratorGolden.Open();
        var graph = Generator.FromFile(golden).BuildFeatureForward();
        using var runner = Runner(graph);
        Assert.That(runner.Plan.RemovedNodes, Is.GreaterThan(0), "the blocks below D are dead work");
        Feed(runner, golden, "wplus", "in.wplus");
        Feed(runner, golden, "feature", "in.feature");
        runner.Run();
        AssertOutput(runner, "image", golden, "out.feature_forward", 1e-5);
        Assert.That(runner.Output("features.0").ToArray(), Is.EqualTo(golden.Read("in.feature").Data), "features.0 is D itself");
        AssertOutput(runner, "features.1", golden, "out.feature_forward.features.1", 1e-5);
        AssertOutput(runner, "features.2", golden, "out.feature_forward.features.2", 1e-5);
        Assert.That(graph.Outputs.Keys.Count(k => k.StartsWith("features.", StringComparison.Ordinal)), Is.EqualTo(5), "D and convs[8..11]");
    }

    private static GraphRunner FramesRunner(SafetensorsFile golden, int frameCount)
    {
        var runner = Runner(Generator.FromFile(golden).BuildFrames(), frameCount);
        Feed(runner, golden, "wplus", "in.wplus");
        Feed(runner, golden, "feature", "in.feature");
        Feed(runner, golden, "flow", "in.flow");
        return runner;
    }

    [Test]
    public void FramesMatchTheOriginal()
    {
        using var golden = GeneratorGolden.Open();
        int frames = int.Parse(golden.Metadata["n_frames"]);
        using var runner = FramesRunner(golden, frames);
        runner.RunOnce(); // the displacement fields for the runner's frame count
        foreach (int t in new[] { 0, 1, 7, 12, 23 })
        {
            runner.RunFrame(t);
            AssertOutput(runner, "image", golden, $"out.frame.{t}", 1e-4);
        }
    }

    /// <summary>
    /// The float64 frame (GeneratorReference, the original's order: warp the feature, then toRGB) agrees with the
    /// original's output, so the self-test's frame expectation, made by it for another generator, can be trusted.
    /// </summary>
    [Test]
    public void Float64ReferenceFrameMatchesTheOriginal()
    {
        using var golden = GeneratorGolden.Open();
        var config = GeneratorConfig.FromFile(golden);
        const int t = 12;
        var frame = GeneratorReference.Frame(config, golden.Read, golden.Read("in.wplus").Data, golden.Read("in.feature").Data,
            golden.Read("in.flow").Data, config.Size, t, int.Parse(golden.Metadata["n_frames"]));
        Numerics.AssertClose(golden.Read($"out.frame.{t}").Data, frame, 1e-4, $"out.frame.{t} vs the float64 reference");
    }

    /// <summary>The displacement fields are traced for the runner's frame count, fixed when it is built: never re-traced.</summary>
    [Test]
    public void FramesUseTheRunnersFixedFrameCount()
    {
        using var golden = GeneratorGolden.Open();
        using (var single = FramesRunner(golden, 1))
            Assert.Throws<ArgumentOutOfRangeException>(() => single.RunOnce(), "a loop needs two frames");
        using var runner = FramesRunner(golden, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.RunFrame(4));
        runner.RunFrame(3);
        Assert.That(runner.Plan.OnceSteps.Where(s => s.Output.Name.StartsWith("dfw-fields@", StringComparison.Ordinal))
            .Select(s => runner.Executions[s.Index]), Is.All.EqualTo(1));
    }

    [Test]
    public void FramesHoistTheUnwarpedChainAndRunOnlyTheWarpedTailPerFrame()
    {
        using var golden = GeneratorGolden.Open();
        const int frames = 3;
        using var runner = FramesRunner(golden, frames);
        var plan = runner.Plan;
        for (int t = 0; t < frames; t++) runner.RunFrame(t);

        // Once per cinemagraph: everything unwarped, the styles, demods and the displacement fields, exactly once.
        var once = plan.OnceSteps.ToList();
        Assert.That(once.Select(s => runner.Executions[s.Index]), Is.All.EqualTo(1), "every hoisted step runs once");
        var onceNames = once.Select(s => s.Output.Name).ToList();
        Assert.That(onceNames, Does.Contain("convs.8").And.Contain("convs.9").And.Contain("convs.11").And.Contain("dfw-fields@128").And.Contain("dfw-fields@256")
            .And.Contain("dfw-pad@128").And.Contain("dfw-pad@256").And.Contain("to_rgbs.5.conv"));

        // Per frame: the warps, convs[9] on the warped 128 feature, its toRGB, and above 128 the skip upsampling that
        // adds the warped 3-channel conv output and the toRGB's bias in its store (the 1×1 conv itself is hoisted:
        // Generator.WarpedToRgb); nothing else.
        var perFrame = plan.PerFrameSteps.ToList();
        Assert.That(perFrame.Select(s => runner.Executions[s.Index]), Is.All.EqualTo(frames), "every per-frame step runs once a frame");
        Assert.That(perFrame.Select(s => s.Output.Name), Is.EquivalentTo(new[]
        {
            "warp@128", "convs.9/warped", "to_rgbs.4.conv",
            "warp@256", "to_rgbs.5",
        }));
        var tail = perFrame.Single(s => s.Output.Name == "to_rgbs.5");
        Assert.That(tail.Sources.Select(n => n.Output.Name), Is.EqualTo(new[] { "to_rgbs.5.upsample", "to_rgbs.5.sum", "to_rgbs.5" }),
            "the skip sum and the bias after the warp fuse into the upsampling");
        Assert.That(tail.Op.Name, Is.EqualTo("upsample×2"));
        Assert.That(((IEpilogueProducer)tail.Op).Epilogue.ToString(), Is.EqualTo("residual·bias"));

        // Dead work: the blocks below D (convs[0..7]) and their toRGBs are never planned.
        var planned = plan.Steps.Select(s => s.Output.Name).ToList();
        for (int k = 0; k < 8; k++) Assert.That(planned, Has.None.StartsWith($"convs.{k}."), $"convs[{k}] is dead work");
        Assert.That(planned, Has.None.StartsWith("to_rgb1").And.None.StartsWith("to_rgbs.0"));

        // Fusion: noise and FusedLeakyReLU joined the upsampling convs; noise and activation one pass otherwise.
        var convs8 = plan.Steps.Single(s => s.Output.Name == "convs.8");
        Assert.That(convs8.Sources.Select(n => n.Op.GetType().Name), Is.EqualTo(new[] { "ModulatedConvOp", "NoiseOp", "FusedLeakyReluOp" }));
    }

    [Test]
    public void ParameterListIsExactlyTheOriginalStateDict()
    {
        // The fixture holds the official Generator's state_dict (plus in.* / out.* tensors): the list the weights
        // folder checks against must name every tensor with its stored shape, and nothing else.
        using var golden = GeneratorGolden.Open();
        var listed = GeneratorConfig.FromFile(golden).Parameters().ToList();
        var stored = golden.Names.Where(n => !n.StartsWith("in.", StringComparison.Ordinal) && !n.StartsWith("out.", StringComparison.Ordinal)).ToList();
        Assert.That(listed.Select(p => p.Name), Is.EquivalentTo(stored));
        foreach (var (name, shape) in listed) Assert.That(golden.Entry(name).Shape, Is.EqualTo(shape), name);
    }

    [Test]
    public void StyleInterpolationRerunsOnlyTheLatentDependentNodes()
    {
        using var golden = GeneratorGolden.Open();
        var graph = Generator.FromFile(golden).BuildFrames(new FramesOptions(StyleInterpolation: true));
        using var runner = Runner(graph, frameCount: 24);
        var wplus = golden.Read("in.wplus").Data;
        runner.SetInput("wplus", wplus);
        runner.SetInput("wplus_target", wplus); // a target equal to the source: the frames of the fixture
        Feed(runner, golden, "feature", "in.feature");
        Feed(runner, golden, "flow", "in.flow");
        runner.RunFrame(12);
        AssertOutput(runner, "image", golden, "out.frame.12", 1e-4);

        var plan = runner.Plan;
        string[] once = plan.OnceSteps.Select(s => s.Output.Name).ToArray();
        string[] perFrame = plan.PerFrameSteps.Select(s => s.Output.Name).ToArray();
        Assert.That(once, Is.EquivalentTo(new[]
        {
            "dfw-fields@128", "dfw-fields@256",
            "convs.9.conv.weight.winograd-weight", "convs.11.conv.weight.winograd-weight", // the plain 3×3 convs' G g Gᵀ: weights only
        }), "only the flow's work and the weights' transforms stay hoisted");
        Assert.That(perFrame, Does.Contain("wplus@t").And.Contain("w[9]").And.Contain("convs.8.conv.demod").And.Contain("convs.8")
            .And.Contain("dfw-pad@128").And.Contain("convs.11"));
    }

    /// <summary>
    /// The latent schedule follows the loop: t/(N−1) in the official loop (the original's), (1 − cos 2πt/N)/2 in a
    /// seamless one, which starts at the photo's style, reaches the target half way and comes back, so frame N
    /// (= frame 0 of the next period) continues frame N−1 without a jump.
    /// </summary>
    [Test]
    public void StyleScheduleFollowsTheLoopMode()
    {
        using var golden = GeneratorGolden.Open();
        var g = Generator.FromFile(golden);
        string LerpName(LoopMode mode) =>
            Scheduler.Plan(g.BuildFrames(new FramesOptions(LoopMode: mode, StyleInterpolation: true))).Steps
                .Single(s => s.Output.Name == "wplus@t").Op.Name;
        Assert.That(LerpName(LoopMode.Official), Is.EqualTo("lerp[t/(N-1)]"));
        Assert.That(LerpName(LoopMode.Seamless), Is.EqualTo("lerp[(1-cos(2πt/N))/2]"));

        var beta = SchedulePoints(FrameLerpOp.ThereAndBack(), 24);
        Assert.That(beta[0], Is.EqualTo(0f));
        Assert.That(beta[12], Is.EqualTo(1f).Within(1e-6));
        for (int t = 1; t < 24; t++) Assert.That(beta[t], Is.EqualTo(beta[24 - t]).Within(1e-6), $"symmetric at {t}: β(N − t) = β(t), so β(N) = β(0)");
        Assert.That(beta[23], Is.LessThan(0.02f), "the last frame is next to the first");
        var linear = SchedulePoints(FrameLerpOp.Linear(), 24);
        Assert.That((linear[0], linear[23]), Is.EqualTo((0f, 1f)));
    }

    /// <summary>β(t), t = 0..N−1, of a schedule, read back by running it in a graph on a = 0, b = 1.</summary>
    private static float[] SchedulePoints(FrameLerpOp op, int frames)
    {
        var b = new GraphBuilder("schedule");
        var one = new Shape4(1, 1, 1, 1);
        b.Output("beta", b.Apply("beta", op, b.Input("a", one), b.Input("b", one)));
        using var runner = new GraphRunner(TestDevice.Instance, Scheduler.Plan(b.Build()), frames);
        runner.SetInput("a", [0f]);
        runner.SetInput("b", [1f]);
        var beta = new float[frames];
        for (int t = 0; t < frames; t++)
        {
            runner.RunFrame(t);
            beta[t] = runner.Output("beta").ToArray()[0];
        }
        return beta;
    }

    [Test]
    public void BadConfigurationsAreRejected()
    {
        using var golden = GeneratorGolden.Open();
        var g = Generator.FromFile(golden);
        Assert.That(() => g.BuildFrames(new FramesOptions(10, 10)), Throws.ArgumentException.With.Message.Contains("odd"));
        Assert.That(() => g.BuildFeatureForward(48), Throws.ArgumentException.With.Message.Contains("48"));
        var missing = new Generator(g.Config, NetworkParameters.From(name => throw new KeyNotFoundException($"missing '{name}'"), "missing"));
        Assert.That(() => missing.BuildMapping(), Throws.TypeOf<KeyNotFoundException>().With.Message.Contains("style.1.weight"));
    }
}
