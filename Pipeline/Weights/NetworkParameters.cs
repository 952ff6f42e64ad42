using CineKernel.WeightsLoader;

namespace CineKernel.Pipeline.Weights;

/// <summary>
/// A network's parameters by PyTorch state_dict name, from one source (a safetensors file, or tensors made in
/// memory for a test, benchmark or self-test): the one type through which weights reach a network. A source is
/// read only once it has been <see cref="Checked"/> against the network's <see cref="ParameterList"/>: every
/// declared tensor present with its declared shape, before any graph is built. Tensors the list does not declare
/// are ignored (a generator file's <c>latent_avg</c>, a fixture's inputs), as the loaders always did.
/// </summary>
public sealed class NetworkParameters
{
    private readonly Func<string, long[]?> shapeOf;
    private readonly Func<string, TensorData> read;

    private NetworkParameters(string source, Func<string, long[]?> shapeOf, Func<string, TensorData> read, ParameterList? declared)
    {
        Source = source;
        this.shapeOf = shapeOf;
        this.read = read;
        Declared = declared;
    }

    /// <summary>Names the origin in error messages (a file path, or a label such as "random").</summary>
    public string Source { get; }

    /// <summary>The list this instance was checked against; null for a source not checked yet (which cannot be read).</summary>
    public ParameterList? Declared { get; }

    /// <summary>The tensors of a safetensors file (kept open while the network is built); errors name <paramref name="source"/>, by default the file's path.</summary>
    public static NetworkParameters From(SafetensorsFile file, string? source = null) =>
        new(source ?? file.Path, name => file.Contains(name) ? file.Entry(name).Shape : null, file.Read, null);

    /// <summary>Tensors held in memory; errors name <paramref name="source"/>.</summary>
    public static NetworkParameters From(IReadOnlyDictionary<string, TensorData> tensors, string source) =>
        new(source, name => tensors.TryGetValue(name, out var t) ? t.Shape : null, name => tensors[name], null);

    /// <summary>
    /// Tensors looked up on demand by <paramref name="read"/>, which throws for a name it does not have (its
    /// exception propagates from <see cref="Checked"/>); each tensor is read to learn its shape, so keep this for
    /// small in-memory sources.
    /// </summary>
    public static NetworkParameters From(Func<string, TensorData> read, string source) => new(source, name => read(name).Shape, read, null);

    /// <summary>Whether the source holds <paramref name="name"/> (to count repeated modules, such as an ensemble's models).</summary>
    public bool Contains(string name) => shapeOf(name) is not null;

    /// <summary>The stored shape of <paramref name="name"/>, or null if absent: for configurations sized from the stored weights.</summary>
    public long[]? ShapeOf(string name) => shapeOf(name);

    /// <summary>The stored shape of <paramref name="name"/>, which must have <paramref name="rank"/> dimensions: to size a layer from its weights.</summary>
    /// <exception cref="InvalidDataException">The tensor is absent or of another rank; the message names the source and the tensor.</exception>
    public long[] ShapeOf(string name, int rank)
    {
        var shape = shapeOf(name) ?? throw new InvalidDataException($"{Source}: missing tensor '{name}'");
        return shape.Length == rank ? shape
            : throw new InvalidDataException($"{Source}: tensor '{name}' has shape [{string.Join(", ", shape)}], expected {rank} dimensions");
    }

    /// <summary>
    /// These parameters checked against <paramref name="declared"/>, in its order; the result reads exactly the
    /// declared tensors.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// One line naming the source and the first declared tensor that is absent (<c>{source}: missing tensor 'name'</c>)
    /// or has another shape (<c>{source}: tensor 'name' has shape [actual], expected [declared]</c>).
    /// </exception>
    public NetworkParameters Checked(ParameterList declared)
    {
        foreach (var (name, shape) in declared)
        {
            var actual = shapeOf(name) ?? throw new InvalidDataException($"{Source}: missing tensor '{name}'");
            if (!actual.SequenceEqual(shape))
                throw new InvalidDataException($"{Source}: tensor '{name}' has shape [{string.Join(", ", actual)}], expected [{string.Join(", ", shape)}]");
        }
        return new NetworkParameters(Source, shapeOf, read, declared);
    }

    /// <summary>A declared tensor (its shape the declared one).</summary>
    /// <exception cref="InvalidOperationException">These parameters are not checked, or <paramref name="name"/> is not declared (a network reading what its list omits).</exception>
    public TensorData Read(string name)
    {
        if (Declared is null) throw new InvalidOperationException($"{Source}: parameters are read only after being checked against the network's parameter list");
        if (!Declared.Contains(name)) throw new InvalidOperationException($"{Source}: tensor '{name}' is not in the network's parameter list");
        return read(name);
    }
}
