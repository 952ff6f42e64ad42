using CineKernel.Kernels;

namespace CineKernel.Graph;

/// <summary>Where a value's data comes from.</summary>
public enum ValueKind
{
    /// <summary>Fed by the caller before a run (an image, a latent, a motion field).</summary>
    Input,

    /// <summary>A weight: uploaded once when the graph is compiled, never written.</summary>
    Constant,

    /// <summary>Produced by a node.</summary>
    Intermediate,

    /// <summary>
    /// The result of an <see cref="EffectOp"/>: no data and no arena slot. No node reads it; nodes ordered after its
    /// producer name it in their ordering edges (<see cref="Node.After"/>).
    /// </summary>
    Effect,
}

/// <summary>A tensor in the graph: a shape and the node that produces it.</summary>
public sealed class Value
{
    internal Value(int id, string name, Shape4 shape, ValueKind kind, Node? producer)
    {
        Id = id;
        Name = name;
        Shape = shape;
        Kind = kind;
        Producer = producer;
    }

    public int Id { get; }
    public string Name { get; }
    public Shape4 Shape { get; }
    public ValueKind Kind { get; }
    public Node? Producer { get; internal set; }

    /// <summary>Host data of a constant (dropped once uploaded).</summary>
    internal float[]? ConstantData { get; set; }

    public long Bytes => Shape.Length * sizeof(float);

    public override string ToString() => $"%{Id} {Name} {Shape}";
}
