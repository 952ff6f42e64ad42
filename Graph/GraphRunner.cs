using CineKernel.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace CineKernel.Graph;

/// <summary>
/// Runs an execution plan on a device. Constants are uploaded once; inputs get their own buffers;
/// every intermediate is a view into one planned arena. <see cref="RunOnce"/> runs the hoisted steps,
/// <see cref="RunFrame"/> only the per-frame steps: no host↔device traffic happens in between.
/// </summary>
public sealed class GraphRunner : IDisposable
{
    private readonly Dictionary<Value, Tensor> tensors = new();
    private readonly List<IDisposable> owned = new();
    private readonly RunContext context;
    private readonly int[] executions;
    private bool onceDone;

    public GraphRunner(ComputeDevice device, ExecutionPlan plan)
    {
        Device = device;
        Plan = plan;
        context = new RunContext(device);
        executions = new int[plan.Steps.Count];
        try
        {
            var used = plan.Steps.SelectMany(s => s.Inputs).Concat(plan.Graph.Outputs.Values).ToHashSet();
            foreach (var v in plan.Graph.Values.Where(v => v.Kind == ValueKind.Constant && used.Contains(v)))
            {
                var t = device.Upload(v.ConstantData!, v.Shape);
                owned.Add(t);
                tensors[v] = t;
            }
            foreach (var v in plan.Graph.Inputs.Values)
            {
                var t = device.Allocate(v.Shape);
                owned.Add(t);
                tensors[v] = t;
            }
            if (plan.Memory.ArenaFloats > 0)
            {
                var arena = device.Accelerator.Allocate1D<float>(plan.Memory.ArenaFloats);
                owned.Add(arena);
                foreach (var v in plan.Memory.Values)
                    tensors[v] = new Tensor(device, arena.View.SubView(plan.Memory.OffsetOf(v), v.Shape.Length), v.Shape);
            }
            foreach (var s in plan.Steps) s.Op.Prepare(device, s.Inputs.Select(v => v.Shape).ToArray());
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public ComputeDevice Device { get; }
    public ExecutionPlan Plan { get; }

    /// <summary>How often each step has run (tests prove the hoisting with it).</summary>
    public IReadOnlyList<int> Executions => executions;

    /// <summary>Copies host data into an input; the once-per-cinemagraph steps rerun on the next call.</summary>
    public void SetInput(string name, ReadOnlySpan<float> data)
    {
        var v = Plan.Graph.Inputs.TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"graph '{Plan.Graph.Name}' has no input '{name}'");
        tensors[v].CopyFrom(data);
        if (!Plan.Graph.PerFrameInputs.Contains(v)) onceDone = false;
    }

    /// <summary>The device tensor of an input, to fill without a host round trip.</summary>
    public Tensor Input(string name)
    {
        onceDone = false;
        return tensors[Plan.Graph.Inputs[name]];
    }

    /// <summary>An output tensor (valid until the next run).</summary>
    public Tensor Output(string name) =>
        Plan.Graph.Outputs.TryGetValue(name, out var v) ? tensors[v] : throw new KeyNotFoundException($"graph '{Plan.Graph.Name}' has no output '{name}'");

    /// <summary>Runs the steps that do not depend on the frame.</summary>
    public void RunOnce(int frameCount = 0)
    {
        context.Frame = -1;
        context.FrameCount = frameCount;
        foreach (var s in Plan.Steps.Where(s => s.Schedule == Schedule.Once)) Execute(s);
        onceDone = true;
    }

    /// <summary>Runs the per-frame steps for frame t of N (after <see cref="RunOnce"/>).</summary>
    public void RunFrame(int t, int frameCount)
    {
        if (!onceDone) RunOnce(frameCount);
        if (t < 0 || t >= frameCount) throw new ArgumentOutOfRangeException(nameof(t), $"frame {t} is outside [0, {frameCount})");
        context.Frame = t;
        context.FrameCount = frameCount;
        foreach (var s in Plan.Steps.Where(s => s.Schedule == Schedule.PerFrame)) Execute(s);
    }

    /// <summary>Runs everything (a graph without frames, such as the motion network).</summary>
    public void Run()
    {
        RunOnce();
        if (Plan.PerFrameSteps.Any()) RunFrame(0, 1);
    }

    private void Execute(PlanStep s)
    {
        var inputs = new Tensor[s.Inputs.Length];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = tensors[s.Inputs[i]];
        s.Op.Execute(context, inputs, tensors[s.Output]);
        executions[s.Index]++;
    }

    public void Dispose()
    {
        foreach (var s in Plan.Steps) s.Op.Release();
        foreach (var d in owned) d.Dispose();
        owned.Clear();
    }
}
