using CineKernel.Graph;
using CineKernel.Graph.Ops;
using CineKernel.Kernels;
using CineKernel.Tests.Support;
using NUnit.Framework;

namespace CineKernel.Tests.Graph;

/// <summary>The graph ops networks are built from: fused and unfused plans agree with the kernels run by hand.</summary>
public class NetworkOpsTests
{
    private static ComputeDevice Device => TestDevice.Instance;

    /// <summary>reflect-pad conv 3×3 + bias → ReLU → instance norm → bilinear ×2 (align corners) → linear/px.</summary>
    private static ComputeGraph Sample(float[] w, float[] b, float[] lw)
    {
        var g = new GraphBuilder("ops");
        var x = g.Input("x", new Shape4(1, 3, 9, 7));
        var conv = new Conv2dOp(new Conv2dOptions { Padding = Padding2d.Uniform(1, PaddingMode.Reflect) });
        var h = g.Apply(conv, x, g.Constant("w", new Shape4(4, 3, 3, 3), w), g.Constant("b", new Shape4(1, 1, 1, 4), b));
        h = g.Apply(new ActivationOp(ActivationFunction.Relu), h);
        h = g.Apply(new InstanceNormOp(), h);
        h = g.Apply(new ResizeOp(18, 14, alignCorners: true), h);
        h = g.Apply(new LinearOp(LinearOptions.Plain, perPixel: true), h, g.Constant("lw", new Shape4(1, 1, 2, 4), lw));
        g.Output("y", h);
        return g.Build();
    }

    [Test]
    public void FusedPlanMatchesUnfusedAndTheKernelsByHand()
    {
        var x = Numerics.Random(3 * 9 * 7, 1);
        var w = Numerics.Random(4 * 3 * 9, 2, 0.5f);
        var b = Numerics.Random(4, 3);
        var lw = Numerics.Random(8, 4);
        var graph = Sample(w, b, lw);
        var fused = Scheduler.Plan(graph, transformWeights: false); // the fusion's steps only (no Winograd weight step)
        var unfused = Scheduler.Plan(graph, fuse: false, transformWeights: false);
        Assert.That(fused.Steps, Has.Count.EqualTo(unfused.Steps.Count - 1));
        Assert.That(fused.Steps[0].Op.Name, Does.Contain("relu"));

        float[] Run(ExecutionPlan plan)
        {
            using var runner = new GraphRunner(Device, plan);
            runner.SetInput("x", x);
            runner.Run();
            return runner.Output("y").ToArray();
        }

        using var tx = Device.Upload(x, new Shape4(1, 3, 9, 7));
        using var tw = Device.Upload(w, new Shape4(4, 3, 3, 3));
        using var tb = Device.Upload(b, new Shape4(1, 1, 1, 4));
        using var tlw = Device.Upload(lw, new Shape4(1, 1, 2, 4));
        using var c = Device.Allocate(1, 4, 9, 7);
        using var n = Device.Allocate(1, 4, 9, 7);
        using var r = Device.Allocate(1, 4, 18, 14);
        using var y = Device.Allocate(1, 2, 18, 14);
        Conv2d.Forward(tx, tw, tb, c, new Conv2dOptions { Padding = Padding2d.Uniform(1, PaddingMode.Reflect), Epilogue = ActivationFunction.Relu });
        Normalization.InstanceNorm(c, n);
        Resize.Bilinear(n, r, alignCorners: true);
        Linear.ForwardPerPixel(r, tlw, null, y, LinearOptions.Plain);
        var expected = Numerics.ToDouble(y.ToArray());

        Numerics.AssertClose(Run(fused), expected, 1e-6, "fused plan");
        Numerics.AssertClose(Run(unfused), expected, 1e-6, "unfused plan");
    }
}
