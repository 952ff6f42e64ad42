using CineKernel.WeightsLoader;

namespace CineKernel.Pipeline.Weights;

/// <summary>
/// Where a network's parameters come from (a safetensors file, or tensors made in memory for a test or
/// benchmark), read by their PyTorch state_dict names with the shape the layer expects checked.
/// </summary>
public sealed class NetworkParameters
{
    private readonly Func<string, bool> contains;
    private readonly Func<string, TensorData> read;

    private NetworkParameters(string source, Func<string, bool> contains, Func<string, TensorData> read)
    {
        Source = source;
        this.contains = contains;
        this.read = read;
    }

    /// <summary>Names the origin in error messages (a file path, or "random").</summary>
    public string Source { get; }

    public static NetworkParameters From(SafetensorsFile file) => new(file.Path, file.Contains, file.Read);

    public static NetworkParameters From(IReadOnlyDictionary<string, TensorData> tensors, string source) =>
        new(source, tensors.ContainsKey, name => tensors[name]);

    public bool Contains(string name) => contains(name);

    /// <summary>The stored shape of a tensor (to size a layer from its weights).</summary>
    public long[] Peek(string name) =>
        contains(name) ? read(name).Shape : throw new InvalidDataException($"{Source}: missing tensor '{name}'");

    /// <summary>The tensor's values; throws naming the source and the tensor if it is missing or its shape is not <paramref name="shape"/>.</summary>
    public float[] Read(string name, params long[] shape)
    {
        if (!contains(name)) throw new InvalidDataException($"{Source}: missing tensor '{name}'");
        var t = read(name);
        if (!t.Shape.SequenceEqual(shape))
            throw new InvalidDataException($"{Source}: tensor '{name}' has shape [{string.Join(", ", t.Shape)}], expected [{string.Join(", ", shape)}]");
        return t.Data;
    }
}
