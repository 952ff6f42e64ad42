namespace CineKernel.WeightsLoader.Torch;

/// <summary>A Python set or frozenset (kept as a list: nothing here needs set semantics).</summary>
public sealed class PySet(bool frozen) : List<object?>
{
    public bool Frozen { get; } = frozen;
}
