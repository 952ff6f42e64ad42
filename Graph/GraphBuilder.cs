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
    private readonly Dictionary<string, Value> constants = new();

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
        constants.TryAdd(constantName, v);
        return v;
    }

    /// <summary>Applies an op to values and returns its output.</summary>
    public Value Apply(Op op, params Value[] args) => Apply(op.Name, op, args);

    /// <summary>Applies an op to values and returns its output, named <paramref name="valueName"/>.</summary>
    public Value Apply(string valueName, Op op, params Value[] args) => Apply(valueName, op, args, []);

    /// <summary>
    /// Applies an op to values, ordered after the producers of <paramref name="after"/> (ordering-only edges,
    /// <see cref="Node.After"/>): typically the effect values of the <see cref="EffectOp"/>s whose state the op reads.
    /// Returns the output: an effect value (<see cref="ValueKind.Effect"/>) when <paramref name="op"/> is an effect op.
    /// </summary>
    /// <exception cref="ArgumentException">An argument is an effect value (it holds no data), a value of
    /// <paramref name="after"/> has no producer, or the op refuses the argument shapes.</exception>
    public Value Apply(string valueName, Op op, Value[] args, Value[] after)
    {
        foreach (var a in args)
            if (a.Kind == ValueKind.Effect)
                throw new ArgumentException($"graph '{Name}': {op.Name} reads '{a.Name}', an effect value without data (order after it instead)");
        var order = after.Select(v => v.Producer ?? throw new ArgumentException($"graph '{Name}': {op.Name} cannot be ordered after '{v.Name}', which no node produces"))
            .Distinct().ToArray();
        var node = new Node(nodes.Count, op, args, order);
        var shape = op.OutputShape(args.Select(a => a.Shape).ToArray());
        node.Output = NewValue(valueName, shape, op is EffectOp ? ValueKind.Effect : ValueKind.Intermediate, node);
        nodes.Add(node);
        return node.Output;
    }

    /// <summary>
    /// Copies another graph into this one, as a function call is inlined: its inputs bound to
    /// <paramref name="bindings"/> (by input name) or else to this graph's input of the same name (declared when
    /// missing, with the same shape and per-frame flag), its constants shared with this graph's when name, shape and
    /// data are equal (one upload for the weights two programs of one network share), its nodes and ordering edges
    /// appended. Its outputs are returned by name; they are not outputs of this graph until <see cref="Output"/>
    /// says so. Nodes nobody reads are removed by the scheduler as usual.
    /// </summary>
    /// <exception cref="ArgumentException">A bound value or an input of the same name has another shape.</exception>
    public IReadOnlyDictionary<string, Value> Include(ComputeGraph graph, IReadOnlyDictionary<string, Value>? bindings = null)
    {
        var map = new Dictionary<Value, Value>();
        foreach (var (name, v) in graph.Inputs)
        {
            Value target;
            if (bindings is not null && bindings.TryGetValue(name, out var bound)) target = bound;
            else if (inputs.TryGetValue(name, out var existing)) target = existing;
            else target = Input(name, v.Shape, graph.PerFrameInputs.Contains(v));
            if (target.Shape != v.Shape)
                throw new ArgumentException($"graph '{Name}': '{graph.Name}' input '{name}' is {v.Shape}, bound to '{target.Name}' {target.Shape}");
            map[v] = target;
        }
        foreach (var v in graph.Values.Where(v => v.Kind == ValueKind.Constant))
            map[v] = SharedConstant(v);
        foreach (var n in graph.Nodes)
            map[n.Output] = Apply(n.Output.Name, n.Op, n.Inputs.Select(i => map[i]).ToArray(), n.After.Select(a => map[a.Output]).ToArray());
        return graph.Outputs.ToDictionary(o => o.Key, o => map[o.Value]);
    }

    private Value SharedConstant(Value v)
    {
        var data = v.ConstantData ?? throw new InvalidOperationException($"constant '{v.Name}' has no host data");
        if (constants.TryGetValue(v.Name, out var same) && same.Shape == v.Shape &&
            (ReferenceEquals(same.ConstantData, data) || same.ConstantData.AsSpan().SequenceEqual(data)))
            return same;
        return Constant(v.Name, v.Shape, data);
    }

    /// <summary>Marks a value as a result the caller reads.</summary>
    /// <exception cref="ArgumentException">The name is taken, or the value is an effect value (it holds no data).</exception>
    public void Output(string outputName, Value v)
    {
        if (v.Kind == ValueKind.Effect) throw new ArgumentException($"graph '{Name}': output '{outputName}' would be '{v.Name}', an effect value without data");
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
