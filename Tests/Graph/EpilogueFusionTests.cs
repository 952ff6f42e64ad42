using CineKernel.Graph;
using CineKernel.Graph.Ops;
using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Graph;

/// <summary>
/// The one fusion rule: an epilogue op merges into its input's producer when that input has one reader, is not a
/// graph output, the producer applies epilogues and the two compose (<see cref="Epilogue.Then"/>).
/// </summary>
public class EpilogueFusionTests
{
    private static readonly Shape4 X = new(1, 3, 6, 7);

    [Test]
    public void ThenComposesInStoreOrderAndRefusesWhatTheFormCannotHold()
    {
        var styled = Epilogue.Noise(0.5f).Then(Epilogue.Bias(ActivationFunction.FusedLeakyRelu));
        Assert.That(styled, Is.Not.Null);
        Assert.That((styled!.NoiseInput, styled.BiasInput, styled.InputCount), Is.EqualTo((0, 1, 2)));
        Assert.That(styled.ToString(), Is.EqualTo("noise×0.5·bias·lrelu√2"));

        var biasFirst = Epilogue.Bias().Then(Epilogue.Noise(2f))!;
        Assert.That((biasFirst.BiasInput, biasFirst.NoiseInput), Is.EqualTo((0, 1)), "inputs follow the order the ops were fused");

        var affine = Epilogue.Affine(2f, 1f).Then(Epilogue.Affine(3f, -1f))!;
        Assert.That((affine.Scale, affine.Shift), Is.EqualTo((6f, 2f)));
        Assert.That(Epilogue.Activate(ActivationFunction.Relu).Then(Epilogue.Affine(2f, 0f))!.Scale, Is.EqualTo(2f));

        Assert.Multiple(() =>
        {
            Assert.That(Epilogue.Bias().Then(Epilogue.Bias()), Is.Null, "a second bias");
            Assert.That(styled.Then(Epilogue.Noise(1f)), Is.Null, "a second noise");
            Assert.That(Epilogue.Activate(ActivationFunction.Relu).Then(Epilogue.Bias()), Is.Null, "a bias after the activation");
            Assert.That(Epilogue.Affine(2f, 0f).Then(Epilogue.Activate(ActivationFunction.Relu)), Is.Null, "an activation after a scale");
            Assert.That(Epilogue.Activate(ActivationFunction.Relu).Then(Epilogue.Activate(ActivationFunction.Relu)), Is.Null, "two activations");
        });
    }

    [Test]
    public void AResidualSumIsAnEpilogueThatComesFirstAndOnlyOnce()
    {
        var sum = Epilogue.Residual().Then(Epilogue.Bias(ActivationFunction.FusedLeakyRelu))!;
        Assert.That((sum.ResidualInput, sum.BiasInput, sum.InputCount, sum.ToString()), Is.EqualTo((0, 1, 2, "residual·bias·lrelu√2")));
        var afterBias = Epilogue.Bias().Then(Epilogue.Residual())!;
        Assert.That((afterBias.BiasInput, afterBias.ResidualInput), Is.EqualTo((0, 1)), "reassociated: added first, read second");
        Assert.Multiple(() =>
        {
            Assert.That(Epilogue.Residual().Then(Epilogue.Residual()), Is.Null, "a second residual");
            Assert.That(Epilogue.Activate(ActivationFunction.Relu).Then(Epilogue.Residual()), Is.Null, "a residual after the activation");
            Assert.That(Epilogue.Affine(0.5f, 0f).Then(Epilogue.Residual()), Is.Null, "a residual after a scale");
        });
        Assert.That(new AddOp().AsEpilogue, Is.EqualTo(Epilogue.Residual()), "a + b is a's residual epilogue");
        Assert.That(new AddOp(0.5f).AsEpilogue, Is.Null, "a + ½b is not of the form");
    }

    /// <summary>
    /// up(x) + r → ×0.5+0.5 (r made before the upsampling unless <paramref name="residualLate"/>); the sum's β and
    /// whether the upsampling has an activation are parameters.
    /// </summary>
    private static ComputeGraph UpsampleSum(float beta, bool activation, bool residualLate)
    {
        var g = new GraphBuilder("sum");
        var x = g.Input("x", X);
        var kernel = g.Constant("k", new Shape4(1, 1, 4, 4), Upfirdn2d.SeparableKernel([1f, 3f, 3f, 1f], 4f));
        var upShape = Upfirdn2d.OutputShape(X, 4, 4, UpfirdnParams.Symmetric(2, 1, 2, 1));
        Value Residual() => g.Apply(new ScaleShiftOp(1f, 0.25f), g.Input("r", upShape));
        var early = residualLate ? null : Residual();
        var up = g.Apply(new UpfirdnOp(UpfirdnParams.Symmetric(2, 1, 2, 1), activation ? Epilogue.Activate(ActivationFunction.Relu) : null), x, kernel);
        var r = early ?? Residual();
        g.Output("out", g.Apply(new ScaleShiftOp(0.5f, 0.5f), g.Apply(new AddOp(beta), up, r)));
        return g.Build();
    }

    [TestCase(1f, false, false, true)]
    [TestCase(0.5f, false, false, false)]
    [TestCase(1f, true, false, false)]
    [TestCase(1f, false, true, false)]
    public void AnAddFusesIntoItsFirstInputsProducerAsTheResidualAndGivesTheUnfusedResult(float beta, bool activation, bool residualLate, bool fuses)
    {
        var graph = UpsampleSum(beta, activation, residualLate);
        var plan = Scheduler.Plan(graph);
        var upsample = plan.Steps.Single(s => s.Op is UpfirdnOp);
        if (fuses)
        {
            Assert.That(upsample.Sources.Select(n => n.Op.GetType().Name), Is.EqualTo(new[] { "UpfirdnOp", "AddOp", "ScaleShiftOp" }));
            Assert.That(((IEpilogueProducer)upsample.Op).Epilogue.ToString(), Is.EqualTo("residual·scale(0.5,0.5)"));
        }
        else
        {
            Assert.That(upsample.Sources, Has.Count.EqualTo(1), "the add stays a pass of its own");
            Assert.That(plan.Steps.Count(s => s.Op is AddOp), Is.EqualTo(1));
        }

        var upShape = Upfirdn2d.OutputShape(X, 4, 4, UpfirdnParams.Symmetric(2, 1, 2, 1));
        var x = Numerics.Random((int)X.Length, 5);
        var r = Numerics.Random((int)upShape.Length, 6);
        float[] Result(ExecutionPlan p)
        {
            using var runner = new GraphRunner(TestDevice.Instance, p);
            runner.SetInput("x", x);
            runner.SetInput("r", r);
            runner.Run();
            return runner.Output("out").ToArray();
        }
        Numerics.AssertClose(Result(plan), Result(Scheduler.Plan(graph, fuse: false)), 1e-6, "fused vs unfused");
    }

    /// <summary>x → conv (bias-free unless <paramref name="convBias"/>) → bias·lrelu → ×2−0.5 → out.</summary>
    private static ComputeGraph ConvChain(bool convBias)
    {
        var g = new GraphBuilder("chain");
        var x = g.Input("x", X);
        var w = g.Constant("w", new Shape4(4, 3, 3, 3), Numerics.Random(4 * 3 * 9, 1));
        var conv = convBias
            ? g.Apply(new Conv2dOp(new Conv2dOptions { Padding = Padding2d.Uniform(1) }), x, w, g.Constant("cb", new Shape4(1, 1, 1, 4), Numerics.Random(4, 2)))
            : g.Apply(new Conv2dOp(new Conv2dOptions { Padding = Padding2d.Uniform(1) }), x, w);
        var biased = g.Apply(new FusedLeakyReluOp(), conv, g.Constant("b", new Shape4(1, 1, 1, 4), Numerics.Random(4, 3)));
        g.Output("out", g.Apply(new ScaleShiftOp(2f, -0.5f), biased));
        return g.Build();
    }

    private static float[] Run(ExecutionPlan plan, float[] x)
    {
        using var runner = new GraphRunner(TestDevice.Instance, plan);
        runner.SetInput("x", x);
        runner.Run();
        return runner.Output("out").ToArray();
    }

    [Test]
    public void BiasActivationAndScaleFuseIntoAConvAndGiveTheUnfusedResult()
    {
        var graph = ConvChain(convBias: false);
        var plan = Scheduler.Plan(graph, transformWeights: false); // the fusion's steps only (no Winograd weight step)
        Assert.That(plan.Steps, Has.Count.EqualTo(1));
        Assert.That(plan.Steps[0].Sources.Select(n => n.Op.GetType().Name), Is.EqualTo(new[] { "Conv2dOp", "FusedLeakyReluOp", "ScaleShiftOp" }));
        var fused = (IEpilogueProducer)plan.Steps[0].Op;
        Assert.That(fused.Epilogue, Is.EqualTo(Epilogue.Bias(ActivationFunction.FusedLeakyRelu) with { Scale = 2f, Shift = -0.5f }));

        var x = Numerics.Random((int)X.Length, 4);
        Numerics.AssertClose(Run(plan, x), Run(Scheduler.Plan(graph, fuse: false), x), 1e-5, "fused vs unfused");
    }

    [Test]
    public void ASecondBiasStaysOutButWhatFollowsItFusesThere()
    {
        // The conv has its own bias: FusedLeakyReLU's bias cannot join it, so it runs as its own pass, which then
        // absorbs the scale.
        var graph = ConvChain(convBias: true);
        var plan = Scheduler.Plan(graph, transformWeights: false); // the fusion's steps only (no Winograd weight step)
        Assert.That(plan.Steps.Select(s => s.Sources.Count), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(plan.Steps[1].Op, Is.InstanceOf<EpilogueOp>());
        var x = Numerics.Random((int)X.Length, 5);
        Numerics.AssertClose(Run(plan, x), Run(Scheduler.Plan(graph, fuse: false), x), 1e-5, "fused vs unfused");
    }

    [Test]
    public void AnInputWithOtherReadersOrAGraphOutputIsNotFusedInto()
    {
        var g = new GraphBuilder("shared");
        var x = g.Input("x", X);
        var up = g.Apply(new UpfirdnOp(UpfirdnParams.Symmetric(1, 1, 1, 1)), x, g.Constant("k", new Shape4(1, 1, 2, 2), [0.25f, 0.25f, 0.25f, 0.25f]));
        var scaled = g.Apply(new ScaleShiftOp(2f), up);
        g.Output("a", g.Apply(new AddOp(), scaled, up)); // up has two readers
        g.Output("up2", g.Apply(new ScaleShiftOp(3f), scaled)); // scaled is read twice too
        var plan = Scheduler.Plan(g.Build());
        Assert.That(plan.Steps.All(s => s.Sources.Count == 1), Is.True, string.Join("; ", plan.Steps));

        var h = new GraphBuilder("output");
        var y = h.Input("x", X);
        var u = h.Apply(new UpfirdnOp(UpfirdnParams.Symmetric(1, 1, 1, 1)), y, h.Constant("k", new Shape4(1, 1, 2, 2), [0.25f, 0.25f, 0.25f, 0.25f]));
        h.Output("up", u);
        h.Output("scaled", h.Apply(new ScaleShiftOp(2f), u));
        Assert.That(Scheduler.Plan(h.Build()).Steps, Has.Count.EqualTo(2), "a graph output keeps its own buffer");
    }

    [Test]
    public void AnEpilogueWhoseTensorIsComputedAfterTheProducerStaysOut()
    {
        // The bias is an op's output computed after the conv: fused, the conv would read it before it exists.
        var g = new GraphBuilder("late bias");
        var x = g.Input("x", X);
        var conv = g.Apply(new Conv2dOp(new Conv2dOptions { Padding = Padding2d.Uniform(1) }), x,
            g.Constant("w", new Shape4(4, 3, 3, 3), Numerics.Random(4 * 3 * 9, 8)));
        var bias = g.Apply(new ScaleShiftOp(2f, 1f), g.Input("b", new Shape4(1, 1, 1, 4)));
        g.Output("out", g.Apply(new BiasOp(), conv, bias));
        var plan = Scheduler.Plan(g.Build());
        Assert.That(plan.Steps.All(s => s.Sources.Count == 1), Is.True, string.Join("; ", plan.Steps));

        var early = new GraphBuilder("early bias");
        var b = early.Apply(new ScaleShiftOp(2f, 1f), early.Input("b", new Shape4(1, 1, 1, 4)));
        var c = early.Apply(new Conv2dOp(new Conv2dOptions { Padding = Padding2d.Uniform(1) }), early.Input("x", X),
            early.Constant("w", new Shape4(4, 3, 3, 3), Numerics.Random(4 * 3 * 9, 8)));
        early.Output("out", early.Apply(new BiasOp(), c, b));
        Assert.That(Scheduler.Plan(early.Build(), transformWeights: false).Steps.Select(s => s.Sources.Count), Is.EqualTo(new[] { 1, 2 }), "computed before the conv: fused");
    }

    [Test]
    public void ALinearTakesNoNoise()
    {
        var g = new GraphBuilder("linear");
        var x = g.Input("x", X);
        var h = g.Apply(new LinearOp(LinearOptions.Plain, perPixel: true), x, g.Constant("w", new Shape4(1, 1, 2, 3), Numerics.Random(6, 6)));
        var noised = g.Apply(new NoiseOp(0.1f), h, g.Constant("n", new Shape4(1, 1, X.H, X.W), Numerics.Random(X.H * X.W, 7)));
        g.Output("out", g.Apply(new ActivationOp(ActivationFunction.Relu), noised));
        var plan = Scheduler.Plan(g.Build());
        Assert.That(plan.Steps.Select(s => s.Sources.Select(n => n.Op.Name)), Is.EqualTo(new[] { new[] { "linear/px" }, new[] { "noise", "relu" } }));
    }

    [Test]
    public void ThePlanShowsWhatEachFusedStoreComputes()
    {
        string text = PlanPrinter.Print(Scheduler.Plan(ConvChain(convBias: false)));
        Assert.That(text, Does.Contain("conv1:1 → bias·lrelu√2 → scale(2,-0.5)   store: out = 2·lrelu√2(v + bias) − 0.5"));
    }
}
