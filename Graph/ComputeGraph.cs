namespace CineKernel.Graph;

/// <summary>A finished graph: nodes in topological order, named inputs and outputs.</summary>
public sealed class ComputeGraph
{
    internal ComputeGraph(string name, List<Node> nodes, List<Value> values, Dictionary<string, Value> inputs,
        Dictionary<string, Value> outputs, HashSet<Value> perFrameInputs)
    {
        Name = name;
        Nodes = nodes;
        Values = values;
        Inputs = inputs;
        Outputs = outputs;
        PerFrameInputs = perFrameInputs;
    }

    public string Name { get; }
    public IReadOnlyList<Node> Nodes { get; }
    public IReadOnlyList<Value> Values { get; }
    public IReadOnlyDictionary<string, Value> Inputs { get; }
    public IReadOnlyDictionary<string, Value> Outputs { get; }
    public IReadOnlySet<Value> PerFrameInputs { get; }
}
