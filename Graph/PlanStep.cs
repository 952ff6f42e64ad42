namespace CineKernel.Graph;

/// <summary>One kernel launch of a plan: a node, or a node with epilogues fused into it.</summary>
public sealed class PlanStep
{
    internal PlanStep(int index, Op op, Value[] inputs, Value output, Schedule schedule, IReadOnlyList<Node> sources)
    {
        Index = index;
        Op = op;
        Inputs = inputs;
        Output = output;
        Schedule = schedule;
        Sources = sources;
    }

    public int Index { get; }
    public Op Op { get; }
    public Value[] Inputs { get; }
    public Value Output { get; }
    public Schedule Schedule { get; }

    /// <summary>The graph nodes this step computes: the producer first, then the fused epilogues.</summary>
    public IReadOnlyList<Node> Sources { get; }

    public double Flops => Op.Flops(Inputs.Select(v => v.Shape).ToArray(), Output.Shape);

    /// <summary>The least bytes the step moves (<see cref="Op.Bytes"/>).</summary>
    public double Bytes => Op.Bytes(Inputs.Select(v => v.Shape).ToArray(), Output.Shape);

    public override string ToString() =>
        $"{Op.Name}{(Sources.Count > 1 ? "+" + string.Join("+", Sources.Skip(1).Select(s => s.Op.Name)) : "")} -> {Output.Name} {Output.Shape}";
}
