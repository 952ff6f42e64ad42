using System.Collections;

namespace CineKernel.Pipeline.Weights;

/// <summary>
/// The tensors a network reads, by PyTorch state_dict name, each with the shape its configuration implies, in
/// state_dict order: what <see cref="NetworkParameters.Checked"/> verifies a weights source against before any
/// graph is built, and what <see cref="RandomWeights"/> fills. The layer helpers declare a torch module's
/// parameters under its prefix with the module's own names and layouts.
/// </summary>
public sealed class ParameterList : IReadOnlyList<(string Name, long[] Shape)>
{
    private readonly List<(string Name, long[] Shape)> entries = [];
    private readonly Dictionary<string, long[]> shapes = new(StringComparer.Ordinal);

    public int Count => entries.Count;

    public (string Name, long[] Shape) this[int index] => entries[index];

    /// <summary>Whether <paramref name="name"/> is declared.</summary>
    public bool Contains(string name) => shapes.ContainsKey(name);

    /// <summary>The declared shape of <paramref name="name"/>, or null when it is not declared.</summary>
    public long[]? ShapeOf(string name) => shapes.GetValueOrDefault(name);

    /// <summary>Declares one tensor.</summary>
    /// <exception cref="ArgumentException">The name is declared already, or a dimension is negative.</exception>
    public ParameterList Add(string name, params long[] shape)
    {
        if (shape.Any(d => d < 0)) throw new ArgumentException($"parameter '{name}': negative dimension in [{string.Join(", ", shape)}]");
        if (!shapes.TryAdd(name, shape)) throw new ArgumentException($"parameter '{name}' is declared twice");
        entries.Add((name, shape));
        return this;
    }

    /// <summary>Declares every tensor of <paramref name="other"/>, in its order.</summary>
    public ParameterList Add(ParameterList other)
    {
        foreach (var (name, shape) in other.entries) Add(name, shape);
        return this;
    }

    /// <summary>nn.Linear: <c>{prefix}.weight</c> out×in and, with <paramref name="bias"/>, <c>{prefix}.bias</c> out.</summary>
    public ParameterList Linear(string prefix, long outFeatures, long inFeatures, bool bias = true)
    {
        Add($"{prefix}.weight", outFeatures, inFeatures);
        return bias ? Add($"{prefix}.bias", outFeatures) : this;
    }

    /// <summary>nn.Conv2d with a square kernel: <c>{prefix}.weight</c> out×in×k×k and, with <paramref name="bias"/>, <c>{prefix}.bias</c> out.</summary>
    public ParameterList Conv2d(string prefix, long outChannels, long inChannels, long kernel, bool bias)
    {
        Add($"{prefix}.weight", outChannels, inChannels, kernel, kernel);
        return bias ? Add($"{prefix}.bias", outChannels) : this;
    }

    /// <summary>nn.BatchNorm1d/2d with affine and running statistics: <c>weight</c>, <c>bias</c>, <c>running_mean</c>, <c>running_var</c>, each of <paramref name="channels"/>.</summary>
    public ParameterList BatchNorm(string prefix, long channels) =>
        Add($"{prefix}.weight", channels).Add($"{prefix}.bias", channels)
            .Add($"{prefix}.running_mean", channels).Add($"{prefix}.running_var", channels);

    public IEnumerator<(string Name, long[] Shape)> GetEnumerator() => entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
