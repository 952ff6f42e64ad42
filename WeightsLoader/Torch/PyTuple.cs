using System.Collections;

namespace CineKernel.WeightsLoader.Torch;

/// <summary>An immutable Python tuple; equal by contents, so it can key a dict.</summary>
public sealed class PyTuple(IReadOnlyList<object?> items) : IReadOnlyList<object?>
{
    public static readonly PyTuple Empty = new([]);

    public IReadOnlyList<object?> Items { get; } = items;
    public int Count => Items.Count;
    public object? this[int index] => Items[index];
    public IEnumerator<object?> GetEnumerator() => Items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override bool Equals(object? obj) => obj is PyTuple t && PyKeyComparer.Instance.Equals(this, t);
    public override int GetHashCode() => PyKeyComparer.Instance.GetHashCode(this);
}
