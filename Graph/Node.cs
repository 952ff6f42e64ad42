namespace CineKernel.Graph;

/// <summary>One op applied to values, producing one value (an effect value for an <see cref="EffectOp"/>).</summary>
public sealed class Node
{
    internal Node(int id, Op op, Value[] inputs, Node[] after)
    {
        Id = id;
        Op = op;
        Inputs = inputs;
        After = after;
    }

    public int Id { get; }
    public Op Op { get; internal set; }
    public Value[] Inputs { get; internal set; }

    /// <summary>
    /// Ordering-only edges: nodes that must run before this one although it reads none of their outputs (it reads
    /// state they wrote, e.g. a warp level's padded feature). They count as dependencies for dead-code removal and
    /// hoisting (a node after a per-frame node is per-frame) but take no memory. Always earlier nodes of the graph.
    /// </summary>
    public IReadOnlyList<Node> After { get; }

    /// <summary>The value the node writes (an effect value for an <see cref="EffectOp"/>).</summary>
    public Value Output { get; internal set; } = null!;

    public override string ToString() =>
        $"#{Id} {Op.Name}({string.Join(", ", Inputs.Select(v => "%" + v.Id))}){(After.Count > 0 ? $" after {string.Join(", ", After.Select(n => "#" + n.Id))}" : "")} -> %{Output.Id}";
}
