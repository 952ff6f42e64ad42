using System.Text;

namespace CineKernel.Graph;

/// <summary>
/// A readable listing of a plan for <c>cinekernel inspect --graph</c>: each step with its class
/// (hoisted or per-frame), the epilogues fused into it (their ops, and the arithmetic the kernel does in its store),
/// its output (or "(effect)" for an <see cref="EffectOp"/>) and where that lives in the arena.
/// </summary>
public static class PlanPrinter
{
    public static string Print(ExecutionPlan plan)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"graph '{plan.Graph.Name}': {plan.Graph.Nodes.Count} nodes, {plan.RemovedNodes} removed as dead work, " +
                      $"{plan.Steps.Count} steps after fusion");
        sb.AppendLine($"{"step",5}  {"class",-9}  {"op (+ fused epilogues)",-44}  {"output",-28}  {"arena offset",14}  {"MFLOP",10}");
        foreach (var s in plan.Steps)
        {
            string op = s.Op.Name + (s.Sources.Count > 1 ? " + " + string.Join(" + ", s.Sources.Skip(1).Select(n => n.Op.Name)) : "");
            string cls = s.Schedule == Schedule.Once ? "hoisted" : "per-frame";
            string offset = plan.Memory.Contains(s.Output) ? Mib(plan.Memory.OffsetOf(s.Output) * sizeof(float)) : "-";
            sb.AppendLine($"{s.Index,5}  {cls,-9}  {Trim(op, 44),-44}  {Trim(s.Output.Name + " " + (s.Output.Kind == ValueKind.Effect ? "(effect)" : s.Output.Shape.ToString()), 28),-28}  {offset,14}  {s.Flops / 1e6,10:F1}");
        }
        var fused = plan.Steps.Where(s => s.Sources.Count > 1).ToList();
        sb.AppendLine($"fused groups: {fused.Count}");
        foreach (var s in fused)
            sb.AppendLine($"  step {s.Index}: {string.Join(" → ", s.Sources.Select(n => n.Op.Name))}" +
                          (s.Op is IEpilogueProducer p ? $"   store: out = {Formula(p.Epilogue)}" : ""));
        long ownedByOps = plan.Steps.Sum(s => s.Op.OwnedBytes);
        sb.AppendLine($"memory: arena {Mib(plan.Memory.ArenaBytes)} (unplanned {Mib(plan.Memory.UnplannedBytes)}), " +
                      $"weights {Mib(plan.ConstantBytes)}, inputs {Mib(plan.Graph.Inputs.Values.Sum(v => v.Bytes))}, op state {Mib(ownedByOps)}");
        sb.AppendLine($"work: {plan.FlopsOnce / 1e9:F2} GFLOP once, {plan.FlopsPerFrame / 1e9:F2} GFLOP per frame " +
                      $"({plan.OnceSteps.Count()} hoisted steps, {plan.PerFrameSteps.Count()} per-frame steps)");
        return sb.ToString();
    }

    /// <summary>An epilogue as the arithmetic the kernel does when it stores v, e.g. <c>lrelu√2(v + 0.1·noise + bias)</c>.</summary>
    internal static string Formula(Epilogue e)
    {
        string sum = "v" + (e.HasNoise ? FormattableString.Invariant($" {(e.NoiseWeight < 0 ? "−" : "+")} {Math.Abs(e.NoiseWeight):G4}·noise") : "") +
                     (e.HasBias ? " + bias" : "");
        string activated = e.Activation == Kernels.ActivationFunction.Identity ? sum : $"{Epilogue.Describe(e.Activation)}({sum})";
        if (e.Scale != 1f) activated = FormattableString.Invariant($"{e.Scale:G4}·{(activated == sum && sum != "v" ? $"({sum})" : activated)}");
        return e.Shift == 0f ? activated : FormattableString.Invariant($"{activated} {(e.Shift < 0 ? "−" : "+")} {Math.Abs(e.Shift):G4}");
    }

    private static string Mib(long bytes) => $"{bytes / (1024.0 * 1024.0):F2} MiB";

    private static string Trim(string s, int width) => s.Length <= width ? s : s[..(width - 1)] + "…";
}
