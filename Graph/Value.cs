using CineKernel.Kernels;

namespace CineKernel.Graph;

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
