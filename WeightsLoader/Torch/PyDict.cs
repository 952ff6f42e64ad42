using System.Collections;

namespace CineKernel.WeightsLoader.Torch;

/// <summary>
/// A Python dict or OrderedDict: insertion-ordered, keyed by hashable Python values with Python's
/// equality (1 == 1.0 == True). Attributes set by BUILD (a state_dict's <c>_metadata</c>) are kept aside.
/// </summary>
public sealed class PyDict : IEnumerable<KeyValuePair<object?, object?>>
{
    private static readonly object NoneKey = new();
    private readonly List<KeyValuePair<object?, object?>> items = new();
    private readonly Dictionary<object, int> index = new(PyKeyComparer.Instance);

    public PyDict(bool ordered) => Ordered = ordered;

    /// <summary>True for collections.OrderedDict, false for a plain dict.</summary>
    public bool Ordered { get; }

    public int Count => items.Count;

    /// <summary>Instance attributes given by BUILD (for a state_dict: <c>_metadata</c>).</summary>
    public Dictionary<string, object?> Attributes { get; } = new();

    public IEnumerable<object?> Keys => items.Select(p => p.Key);

    public void Set(object? key, object? value)
    {
        if (key is PyList or PyDict or PySet) throw new ArgumentException($"unhashable dict key of type {PyTypes.Name(key)}");
        var k = key ?? NoneKey;
        if (index.TryGetValue(k, out int i)) items[i] = new(items[i].Key, value);
        else
        {
            index[k] = items.Count;
            items.Add(new(key, value));
        }
    }

    public bool TryGetValue(object? key, out object? value)
    {
        if (key is not (PyList or PyDict or PySet) && index.TryGetValue(key ?? NoneKey, out int i))
        {
            value = items[i].Value;
            return true;
        }
        value = null;
        return false;
    }

    public bool ContainsKey(object? key) => TryGetValue(key, out _);

    public object? Get(object? key) => TryGetValue(key, out var v) ? v : null;

    public IEnumerator<KeyValuePair<object?, object?>> GetEnumerator() => items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
