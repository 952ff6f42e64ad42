using CineKernel.Kernels;

namespace CineKernel.Graph;

/// <summary>
/// Builds a graph: inputs, constants (weights) and ops applied to values, in topological order.
/// Networks use it through the op helpers in Graph/Ops, so a network file reads like its layers.
/// </summary>
public sealed class GraphBuilder(string name)
{
    private readonly List<Node> nodes = new();
    private readonly List<Value> values = new();
    private readonly Dictionary<string, Value> inputs = new();
    private readonly Dictionary<string, Value> outputs = new();
    private readonly HashSet<Value> perFrameInputs = new();

    public string Name { get; } = name;

    /// <summary>A value the caller feeds; <paramref name="perFrame"/> if it changes every frame.</summary>
    public Value Input(string inputName, Shape4 shape, bool perFrame = false)
    {
        if (inputs.ContainsKey(inputName)) throw new ArgumentException($"graph '{Name}' already has an input '{inputName}'");
        var v = NewValue(inputName, shape, ValueKind.Input, null);
        inputs[inputName] = v;
        if (perFrame) perFrameInputs.Add(v);
        return v;
    }

    /// <summary>A weight, uploaded once when the graph is compiled.</summary>
    public Value Constant(string constantName, Shape4 shape, float[] data)
    {
        if (data.Length != shape.Length)
            throw new ArgumentException($"constant '{constantName}': {data.Length} values do not fill shape {shape}");
        var v = NewValue(constantName, shape, ValueKind.Constant, null);
        v.ConstantData = data;
        return v;
    }

    /// <summary>Applies an op to values and returns its output.</summary>
    public Value Apply(Op op, params Value[] args) => Apply(op.Name, op, args);

    public Value Apply(string valueName, Op op, params Value[] args)
    {
        var node = new Node(nodes.Count, op, args);
        var shape = op.OutputShape(args.Select(a => a.Shape).ToArray());
        node.Output = NewValue(valueName, shape, ValueKind.Intermediate, node);
        nodes.Add(node);
        return node.Output;
    }

    /// <summary>Marks a value as a result the caller reads.</summary>
    public void Output(string outputName, Value v)
    {
        if (!outputs.TryAdd(outputName, v)) throw new ArgumentException($"graph '{Name}' already has an output '{outputName}'");
    }

    public ComputeGraph Build() => new(Name, nodes.ToList(), values.ToList(), new(inputs), new(outputs), perFrameInputs.ToHashSet());

    private Value NewValue(string valueName, Shape4 shape, ValueKind kind, Node? producer)
    {
        var v = new Value(values.Count, valueName, shape, kind, producer);
        values.Add(v);
        return v;
    }
}

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
