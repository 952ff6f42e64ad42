namespace CineKernel.Graph;

/// <summary>When a node runs (DESIGN.md "Performance": hoist what does not depend on the frame).</summary>
public enum Schedule
{
    /// <summary>Runs once per cinemagraph (or once per call of a plain network).</summary>
    Once,

    /// <summary>Runs for every frame.</summary>
    PerFrame,
}

/// <summary>One op applied to values, producing one value.</summary>
public sealed class Node
{
    internal Node(int id, Op op, Value[] inputs)
    {
        Id = id;
        Op = op;
        Inputs = inputs;
    }

    public int Id { get; }
    public Op Op { get; internal set; }
    public Value[] Inputs { get; internal set; }
    public Value Output { get; internal set; } = null!;

    /// <summary>Set by the scheduler.</summary>
    public Schedule Schedule { get; internal set; }

    /// <summary>Names of the epilogue ops fused into this node, in order (set by the scheduler).</summary>
    public List<string> Fused { get; } = new();

    public override string ToString() => $"#{Id} {Op.Name}({string.Join(", ", Inputs.Select(v => "%" + v.Id))}) -> %{Output.Id}";
}
