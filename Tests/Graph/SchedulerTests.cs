using CineKernel.Graph;
using CineKernel.Graph.Ops;
using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Graph;

public class SchedulerTests
{
    private static readonly Shape4 S = new(1, 2, 3, 5);

    private static float[] Ones(float v = 1f) => Enumerable.Repeat(v, (int)S.Length).ToArray();

    /// <summary>
    /// x (once) → a = x+x → b = a·2+1 → c = lerp(b, y, t/(N−1)) (per frame) → d = c+b → out;
    /// plus a dead branch e = x+x nobody reads.
    /// </summary>
    private static ComputeGraph Sample()
    {
        var g = new GraphBuilder("sample");
        var x = g.Input("x", S);
        var y = g.Constant("y", S, Ones(10f));
        var a = g.Apply(new AddOp(), x, x);
        var b = g.Apply(new ScaleShiftOp(2f, 1f), a);
        var c = g.Apply(FrameLerpOp.Linear(), b, y);
        var d = g.Apply(new AddOp(), c, b);
        g.Apply(new AddOp(), x, x); // dead
        g.Output("out", d);
        return g.Build();
    }

    [Test]
    public void DeadNodesAreRemoved()
    {
        var plan = Scheduler.Plan(Sample());
        Assert.That(plan.RemovedNodes, Is.EqualTo(1));
    }

    [Test]
    public void WinogradWeightTransformIsOneHoistedStepSharedByTheConvsOfAWeight()
    {
        // Two 3×3 stride-1 convs of one weight on a per-frame input, and a stride-2 conv that keeps the direct kernel.
        var xs = new Shape4(1, 4, 9, 11);
        var ws = new Shape4(4, 4, 3, 3);
        var w = Numerics.Random((int)ws.Length, 5);
        var b = Numerics.Random(4, 6);
        var g = new GraphBuilder("winograd");
        var x = g.Input("x", xs, perFrame: true);
        var weight = g.Constant("w", ws, w);
        var bias = g.Constant("b", new Shape4(1, 1, 1, 4), b);
        var zero = new Conv2dOptions { Padding = Padding2d.Uniform(1), Epilogue = ActivationFunction.Relu };
        var reflect = new Conv2dOptions { Padding = Padding2d.Uniform(1, PaddingMode.Reflect) };
        var strided = new Conv2dOptions { Padding = Padding2d.Uniform(1), Stride = 2 };
        var c1 = g.Apply("c1", new Conv2dOp(zero), x, weight, bias);
        var c2 = g.Apply("c2", new Conv2dOp(reflect), c1, weight);
        var c3 = g.Apply("c3", new Conv2dOp(strided), c2, weight);
        g.Output("out", c3);
        var plan = Scheduler.Plan(g.Build());

        var transform = plan.Steps.Single(s => s.Op is WinogradWeightOp);
        Assert.That(transform.Schedule, Is.EqualTo(Schedule.Once), "the transform reads only the weight: hoisted");
        Assert.That(transform.Inputs, Is.EqualTo(new[] { weight }));
        Assert.That(transform.Output.Shape, Is.EqualTo(new Shape4(4, 4, 4, 4)));
        var convs = plan.Steps.Where(s => s.Op is Conv2dOp).ToList();
        Assert.That(convs.Select(s => ((Conv2dOp)s.Op).ReadsTransformedWeight), Is.EqualTo(new[] { true, true, false }));
        Assert.That(convs.Take(2).Select(s => s.Inputs[^1]), Is.All.EqualTo(transform.Output), "one transform, read by both");
        Assert.That(convs.Select(s => s.Schedule), Is.All.EqualTo(Schedule.PerFrame));

        // The plan's result (Winograd on the CPU, the direct conv elsewhere) against the direct kernels one by one.
        var input = Numerics.Random((int)xs.Length, 7);
        var device = TestDevice.Instance;
        using var runner = new GraphRunner(device, plan, frameCount: 2);
        runner.SetInput("x", input);
        runner.RunFrame(0);
        runner.RunFrame(1);
        using var tx = device.Upload(input, xs);
        using var tw = device.Upload(w, ws);
        using var tb = device.Upload(b, new Shape4(1, 1, 1, 4));
        using var t1 = device.Allocate(xs);
        using var t2 = device.Allocate(xs);
        using var t3 = device.Allocate(Conv2d.OutputShape(xs, ws, 2, strided.Padding));
        Conv2d.Forward(tx, tw, tb, t1, zero);
        Conv2d.Forward(t1, tw, null, t2, reflect);
        Conv2d.Forward(t2, tw, null, t3, strided);
        Numerics.AssertClose(runner.Output("out").ToArray(), t3.ToArray(), 1e-5, "planned convs vs the direct kernels");
        Assert.That(runner.Executions[transform.Index], Is.EqualTo(1), "the transform runs once for both frames");
    }

    [Test]
    public void WeightTransformsArePlannedOnlyForDevicesThatUseThem()
    {
        var g = new GraphBuilder("winograd-target");
        var x = g.Input("x", new Shape4(1, 4, 9, 11), perFrame: true);
        var weight = g.Constant("w", new Shape4(4, 4, 3, 3), Numerics.Random(144, 5));
        g.Output("out", g.Apply("c", new Conv2dOp(new Conv2dOptions { Padding = Padding2d.Uniform(1) }), x, weight));
        var graph = g.Build();

        int Transforms(DeviceKind? target) => Scheduler.Plan(graph, target).Steps.Count(s => s.Op is WinogradWeightOp);
        Assert.That(Transforms(DeviceKind.Cpu), Is.EqualTo(1), "the CPU accelerator runs Winograd");
        Assert.That(Transforms(DeviceKind.Cuda), Is.Zero, "a GPU runs the direct conv: no transformed weight to hold");
        Assert.That(Transforms(DeviceKind.OpenCL), Is.Zero);
        Assert.That(Transforms(null), Is.EqualTo(1), "unknown device: offered, the op picks when it runs");
        var direct = Scheduler.Plan(graph, DeviceKind.OpenCL).Steps.Select(s => s.Op).OfType<Conv2dOp>().Single();
        Assert.That(direct.ReadsTransformedWeight, Is.False);
    }

    [Test]
    public void EpiloguesFuseIntoTheirProducerOnlyWhenAllowed()
    {
        // add → scale fuses only if add can absorb scale; AddOp cannot, ScaleShift→ScaleShift can.
        var g = new GraphBuilder("fuse");
        var x = g.Input("x", S);
        var s1 = g.Apply(new ScaleShiftOp(2f, 1f), x);
        var s2 = g.Apply(new ScaleShiftOp(3f, -1f), s1);
        g.Output("out", s2);
        var plan = Scheduler.Plan(g.Build());
        Assert.That(plan.Steps, Has.Count.EqualTo(1));
        Assert.That(plan.Steps[0].Sources, Has.Count.EqualTo(2));

        using var runner = new GraphRunner(TestDevice.Instance, plan);
        runner.SetInput("x", Ones(0.5f));
        runner.Run();
        Assert.That(runner.Output("out").ToArray(), Is.All.EqualTo((0.5f * 2 + 1) * 3 - 1));

        var unfused = Scheduler.Plan(g.Build(), fuse: false);
        Assert.That(unfused.Steps, Has.Count.EqualTo(2));
    }

    [Test]
    public void OncePerCinemagraphStepsRunOnceAcrossAllFrames()
    {
        var plan = Scheduler.Plan(Sample());
        Assert.That(plan.OnceSteps.Select(s => s.Op.Name), Is.EqualTo(new[] { "add", "scale(2,1)" }));
        Assert.That(plan.PerFrameSteps.Select(s => s.Op.Name), Is.EqualTo(new[] { "lerp[t/(N-1)]", "add" }));

        const int n = 5;
        using var runner = new GraphRunner(TestDevice.Instance, plan, frameCount: n);
        runner.SetInput("x", Ones(1f));
        for (int t = 0; t < n; t++)
        {
            runner.RunFrame(t);
            // b = (1+1)·2+1 = 5; c = 5 + t/4·(10−5); d = c + b.
            float expected = 5f + t / 4f * 5f + 5f;
            Assert.That(runner.Output("out").ToArray(), Is.All.EqualTo(expected).Within(1e-5));
        }
        foreach (var s in plan.Steps)
            Assert.That(runner.Executions[s.Index], Is.EqualTo(s.Schedule == Schedule.Once ? 1 : n), s.ToString());

        // A new input invalidates the hoisted work: it runs again, once.
        runner.SetInput("x", Ones(2f));
        runner.RunFrame(0);
        Assert.That(runner.Executions[plan.OnceSteps.First().Index], Is.EqualTo(2));
    }

    [Test]
    public void MemoryPlanNeverOverlapsLiveValuesAndReusesDeadOnes()
    {
        // A chain of eight values: only neighbours are alive together, so the arena holds ~2 of them.
        var shape = new Shape4(1, 4, 16, 16); // a multiple of the arena alignment
        var g = new GraphBuilder("chain");
        var v = g.Input("x", shape);
        for (int i = 0; i < 8; i++) v = g.Apply(new AddOp(), v, v);
        g.Output("out", v);
        var plan = Scheduler.Plan(g.Build());
        var mem = plan.Memory;
        Assert.That(mem.ArenaBytes, Is.EqualTo(2 * shape.Length * sizeof(float)));
        Assert.That(mem.UnplannedBytes, Is.EqualTo(8 * shape.Length * sizeof(float)));
        var values = mem.Values.ToList();
        foreach (var a in values)
        foreach (var b in values.Where(b => b != a))
        {
            var (af, al) = mem.Lifetimes[a];
            var (bf, bl) = mem.Lifetimes[b];
            bool together = af <= bl && bf <= al;
            bool overlap = mem.OffsetOf(a) < mem.OffsetOf(b) + b.Shape.Length && mem.OffsetOf(b) < mem.OffsetOf(a) + a.Shape.Length;
            Assert.That(together && overlap, Is.False, $"{a} and {b} share memory while both alive");
        }

        using var runner = new GraphRunner(TestDevice.Instance, plan);
        runner.SetInput("x", Enumerable.Repeat(1f, (int)shape.Length).ToArray());
        runner.Run();
        Assert.That(runner.Output("out").ToArray(), Is.All.EqualTo(256f));
    }

    [Test]
    public void OnceValuesReadByFramesLiveToTheEnd()
    {
        var plan = Scheduler.Plan(Sample());
        var b = plan.OnceSteps.Last().Output;
        Assert.That(plan.Memory.Lifetimes[b].Last, Is.EqualTo(plan.Steps.Count));
    }

    /// <summary>Copies its input into a device buffer it owns (an effect); <see cref="ReadStateOp"/> reads it back.</summary>
    private sealed class StoreOp(float[] log) : EffectOp
    {
        public Tensor? State { get; private set; }

        public override string Name => "store";

        protected override void CheckInputs(IReadOnlyList<Shape4> inputs)
        {
            if (inputs.Count != 1) throw new ArgumentException("store takes one value");
        }

        public override void Run(RunContext context, IReadOnlyList<Tensor> inputs)
        {
            State ??= context.Device.Allocate(inputs[0].Shape);
            ElementWise.ScaleShift(inputs[0], 1f, 0f, State);
            log[0]++;
        }

        public override void Release() => State?.Dispose();
    }

    private sealed class ReadStateOp(StoreOp store, Shape4 shape, bool readsFrame) : Op
    {
        public override string Name => "read-state";
        public override bool ReadsFrame => readsFrame;
        public override Shape4 OutputShape(IReadOnlyList<Shape4> inputs) => shape;

        public override void Execute(RunContext context, IReadOnlyList<Tensor> inputs, Tensor output) =>
            ElementWise.ScaleShift(store.State!, 1f, context.Frame < 0 ? 0 : context.Frame, output);
    }

    [Test]
    public void OrderingEdgesKeepEffectsAliveOrderedAndOutOfTheArena()
    {
        var log = new float[1];
        var g = new GraphBuilder("effects");
        var x = g.Input("x", S);
        var store = new StoreOp(log);
        var stored = g.Apply("stored", store, [g.Apply(new ScaleShiftOp(2f), x)], []);
        Assert.That(stored.Kind, Is.EqualTo(ValueKind.Effect));
        Assert.Throws<ArgumentException>(() => g.Apply(new AddOp(), stored, stored), "an effect holds no data");
        Assert.Throws<ArgumentException>(() => g.Output("bad", stored));
        var read = g.Apply("read", new ReadStateOp(store, S, readsFrame: true), [], [stored]);
        g.Output("out", read);
        var plan = Scheduler.Plan(g.Build());

        Assert.That(plan.RemovedNodes, Is.Zero, "the store is live through the ordering edge");
        Assert.That(plan.Steps.Select(s => (s.Output.Name, s.Schedule)), Is.EqualTo(new[]
        {
            ("scale(2,0)", Schedule.Once), ("stored", Schedule.Once), ("read", Schedule.PerFrame),
        }));
        Assert.That(plan.Memory.Contains(stored), Is.False, "an effect takes no arena slot");

        using var runner = new GraphRunner(TestDevice.Instance, plan, frameCount: 3);
        runner.SetInput("x", Ones(1f));
        for (int t = 0; t < 3; t++)
        {
            runner.RunFrame(t);
            Assert.That(runner.Output("out").ToArray(), Is.All.EqualTo(2f + t));
        }
        Assert.That(log[0], Is.EqualTo(1), "the hoisted effect ran once");
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.RunFrame(3), "the frame count is fixed when the runner is built");
    }

    [Test]
    public void NodesOrderedAfterAPerFrameStepRunPerFrame()
    {
        var log = new float[1];
        var g = new GraphBuilder("effects");
        var x = g.Input("x", S);
        var y = g.Constant("y", S, Ones(3f));
        var moving = g.Apply(FrameLerpOp.Linear(), x, y);
        var store = new StoreOp(log);
        var stored = g.Apply("stored", store, [moving], []);
        var read = g.Apply("read", new ReadStateOp(store, S, readsFrame: false), [], [stored]);
        g.Output("out", read);
        var plan = Scheduler.Plan(g.Build());
        Assert.That(plan.Steps.Select(s => s.Schedule), Is.All.EqualTo(Schedule.PerFrame));
    }

    [Test]
    public void IncludedGraphsShareInputsAndEqualConstants()
    {
        var inner = new GraphBuilder("inner");
        inner.Output("y", inner.Apply(new AddOp(), inner.Input("x", S), inner.Constant("w", S, Ones(2f))));
        var innerGraph = inner.Build();

        var g = new GraphBuilder("outer");
        var a = g.Include(innerGraph)["y"];
        var b = g.Include(innerGraph)["y"];
        g.Output("sum", g.Apply(new AddOp(), a, b));
        var graph = g.Build();
        Assert.That(graph.Inputs.Keys, Is.EqualTo(new[] { "x" }));
        Assert.That(graph.Values.Count(v => v.Kind == ValueKind.Constant), Is.EqualTo(1), "one upload of the shared weight");

        using var runner = new GraphRunner(TestDevice.Instance, Scheduler.Plan(graph));
        runner.SetInput("x", Ones(1f));
        runner.Run();
        Assert.That(runner.Output("sum").ToArray(), Is.All.EqualTo(6f));
    }
}
