using System.Diagnostics;
using CineKernel.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace CineKernel.Graph;

/// <summary>
/// Runs an execution plan on a device. Constants are uploaded once; inputs get their own buffers;
/// every intermediate is a view into one planned arena. <see cref="RunOnce"/> runs the hoisted steps,
/// <see cref="RunFrame"/> only the per-frame steps: no host↔device traffic happens in between.
/// The frame count N is a parameter of the runner, fixed when it is built: the hoisted steps (a loop's displacement
/// fields) are made for it and <see cref="RunFrame"/> refuses a frame outside [0, N).
/// </summary>
public sealed class GraphRunner : IDisposable
{
    private readonly Dictionary<Value, Tensor> tensors = new();
    private readonly List<IDisposable> owned = new();
    private readonly RunContext context;
    private readonly int[] executions;
    private readonly double[] stepSeconds;
    private bool onceDone;

    /// <summary>Uploads the plan's constants and allocates its inputs and arena.</summary>
    /// <param name="device">Where the plan runs.</param>
    /// <param name="plan">The scheduler's plan.</param>
    /// <param name="frameCount">Frames in the loop, N ≥ 1 (1 for a plain network, which runs frame 0 only).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frameCount"/> is below 1.</exception>
    public GraphRunner(ComputeDevice device, ExecutionPlan plan, int frameCount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frameCount, 1);
        Device = device;
        Plan = plan;
        FrameCount = frameCount;
        context = new RunContext(device, frameCount);
        executions = new int[plan.Steps.Count];
        stepSeconds = new double[plan.Steps.Count];
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
                var arena = device.AllocateFloats(plan.Memory.ArenaFloats);
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

    /// <summary>Frames in the loop (N), fixed when the runner was built.</summary>
    public int FrameCount { get; }

    /// <summary>How often each step has run (tests prove the hoisting with it).</summary>
    public IReadOnlyList<int> Executions => executions;

    /// <summary>
    /// Indices of the steps to time: the device is waited for before and after each, and its wall-clock seconds add up
    /// in <see cref="StepSeconds"/>. Empty by default (no waiting).
    /// </summary>
    public ISet<int> TimedSteps { get; } = new HashSet<int>();

    /// <summary>Seconds spent in each timed step so far (0 for the others).</summary>
    public IReadOnlyList<double> StepSeconds => stepSeconds;

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

    /// <summary>Runs the steps that do not depend on the frame (for the runner's frame count).</summary>
    public void RunOnce()
    {
        context.Frame = -1;
        foreach (var s in Plan.Steps.Where(s => s.Schedule == Schedule.Once)) Execute(s);
        onceDone = true;
    }

    /// <summary>Runs the per-frame steps for frame t of N (after <see cref="RunOnce"/>, which runs first if an input changed).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="t"/> is outside [0, <see cref="FrameCount"/>).</exception>
    public void RunFrame(int t)
    {
        if (t < 0 || t >= FrameCount) throw new ArgumentOutOfRangeException(nameof(t), t, $"frame {t} is outside [0, {FrameCount}) (the runner's frame count)");
        if (!onceDone) RunOnce();
        context.Frame = t;
        foreach (var s in Plan.Steps.Where(s => s.Schedule == Schedule.PerFrame)) Execute(s);
    }

    /// <summary>Runs everything for frame 0 (a graph without frames, such as the motion network).</summary>
    public void Run()
    {
        RunOnce();
        if (Plan.PerFrameSteps.Any()) RunFrame(0);
    }

    private void Execute(PlanStep s)
    {
        var inputs = new Tensor[s.Inputs.Length];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = tensors[s.Inputs[i]];
        bool timed = TimedSteps.Count > 0 && TimedSteps.Contains(s.Index);
        if (timed) Device.Synchronize(); // the work queued before the step is not the step's
        long start = Stopwatch.GetTimestamp();
        if (s.Op is EffectOp effect) effect.Run(context, inputs);
        else s.Op.Execute(context, inputs, tensors[s.Output]);
        if (timed)
        {
            Device.Synchronize();
            stepSeconds[s.Index] += Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        executions[s.Index]++;
    }

    public void Dispose()
    {
        foreach (var s in Plan.Steps) s.Op.Release();
        foreach (var d in owned) d.Dispose();
        owned.Clear();
    }
}
