namespace CineKernel.Graph;

/// <summary>
/// The scheduler's result: live steps in order (once-per-cinemagraph first, then per-frame),
/// and where every intermediate value lives in the shared arena.
/// </summary>
public sealed class ExecutionPlan
{
    internal ExecutionPlan(ComputeGraph graph, IReadOnlyList<PlanStep> steps, MemoryPlan memory, int removedNodes)
    {
        Graph = graph;
        Steps = steps;
        Memory = memory;
        RemovedNodes = removedNodes;
    }

    public ComputeGraph Graph { get; }
    public IReadOnlyList<PlanStep> Steps { get; }
    public MemoryPlan Memory { get; }

    /// <summary>Graph nodes whose output no graph output depends on (dead work, never run).</summary>
    public int RemovedNodes { get; }

    public IEnumerable<PlanStep> OnceSteps => Steps.Where(s => s.Schedule == Schedule.Once);
    public IEnumerable<PlanStep> PerFrameSteps => Steps.Where(s => s.Schedule == Schedule.PerFrame);

    public double FlopsOnce => OnceSteps.Sum(s => s.Flops);
    public double FlopsPerFrame => PerFrameSteps.Sum(s => s.Flops);

    public double BytesOnce => OnceSteps.Sum(s => s.Bytes);

    public double BytesPerFrame => PerFrameSteps.Sum(s => s.Bytes);

    /// <summary>Bytes of all weights.</summary>
    public long ConstantBytes => Graph.Values.Where(v => v.Kind == ValueKind.Constant && IsUsed(v)).Sum(v => v.Bytes);

    private bool IsUsed(Value v) => Steps.Any(s => s.Inputs.Contains(v));
}
