using System.Collections;
using System.Numerics;

namespace CineKernel.WeightsLoader.Torch;

// The values a restricted unpickle produces. Python scalars map to C# ones: None → null, bool, long
// (BigInteger when it does not fit), double, string, byte[]; containers map to the classes below.

/// <summary>A reference to an allowed Python global (a dtype such as <c>torch.float16</c>, a storage type, a callable).</summary>
public sealed record PyGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";

    public override string ToString() => FullName;
}

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

/// <summary>A Python list.</summary>
public sealed class PyList : List<object?>
{
    public PyList() { }
    public PyList(IEnumerable<object?> items) : base(items) { }
}

/// <summary>A Python set or frozenset (kept as a list: nothing here needs set semantics).</summary>
public sealed class PySet(bool frozen) : List<object?>
{
    public bool Frozen { get; } = frozen;
}

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

/// <summary>An inert record of an allowed class (argparse.Namespace): its type name and attribute values.</summary>
public sealed class PyRecord(string typeName)
{
    public string TypeName { get; } = typeName;
    public Dictionary<string, object?> Fields { get; } = new();
}

/// <summary>Python equality and hashing for dict keys: numbers compare by value, tuples and bytes by contents.</summary>
public sealed class PyKeyComparer : IEqualityComparer<object>
{
    public static readonly PyKeyComparer Instance = new();

    public new bool Equals(object? a, object? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a is null || b is null) return false;
        if (a is string sa) return b is string sb && sa == sb;
        if (IsNumber(a) && IsNumber(b)) return ToDouble(a) == ToDouble(b) && ToBig(a) == ToBig(b);
        if (a is PyTuple ta && b is PyTuple tb)
        {
            if (ta.Count != tb.Count) return false;
            for (int i = 0; i < ta.Count; i++)
                if (!Equals(ta[i], tb[i])) return false;
            return true;
        }
        if (a is byte[] ba && b is byte[] bb) return ba.AsSpan().SequenceEqual(bb);
        return a.Equals(b);
    }

    public int GetHashCode(object obj) => obj switch
    {
        string s => s.GetHashCode(),
        bool or long or BigInteger or double when ToBig(obj) is { } big => big.GetHashCode(),
        double d => d.GetHashCode(),
        PyTuple t => t.Items.Aggregate(17, (h, x) => h * 31 + (x is null ? 0 : GetHashCode(x))),
        byte[] b => b.Length,
        _ => obj.GetHashCode(),
    };

    private static bool IsNumber(object x) => x is bool or long or BigInteger or double;

    private static double ToDouble(object x) => x switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        BigInteger g => (double)g,
        _ => (double)x,
    };

    /// <summary>The integer value, or null for a non-integral double (then only doubles can equal it).</summary>
    private static BigInteger? ToBig(object x) => x switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        BigInteger g => g,
        double d when double.IsFinite(d) && Math.Floor(d) == d => new BigInteger(d),
        _ => null,
    };
}

/// <summary>Python-style names and short descriptions of unpickled values, for messages and for <c>inspect</c>.</summary>
public static class PyTypes
{
    public static string Name(object? x) => x switch
    {
        null => "None",
        bool => "bool",
        long or BigInteger => "int",
        double => "float",
        string => "str",
        byte[] => "bytes",
        PyTuple => "tuple",
        PyList => "list",
        PySet s => s.Frozen ? "frozenset" : "set",
        PyDict d => d.Ordered ? "OrderedDict" : "dict",
        PyRecord r => r.TypeName,
        PyGlobal g => g.FullName,
        TorchStorage => "storage",
        TorchTensor => "tensor",
        _ => x.GetType().Name,
    };

    /// <summary>The type name with its article, for messages: "an int", "a list", "None".</summary>
    public static string A(object? x)
    {
        string name = Name(x);
        return x is null ? name : ("aeiouAEIOU".Contains(name[0]) ? "an " : "a ") + name;
    }

    /// <summary>A one-line rendering of a scalar or small value (long strings and containers abbreviated).</summary>
    public static string Repr(object? x, int depth = 0) => x switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        long or BigInteger => x.ToString()!,
        double d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : d > 0 ? "inf" : double.IsNaN(d) ? "nan" : "-inf",
        string s => Printable.Quote(s, 80),
        byte[] bytes => $"b<{bytes.Length} bytes>",
        PyGlobal g => g.FullName,
        TorchTensor t => t.ToString(),
        PyTuple t when depth < 2 && t.Count <= 8 => t.Count == 1 ? $"({Repr(t[0], depth + 1)},)" : $"({string.Join(", ", t.Select(v => Repr(v, depth + 1)))})",
        PyList l when depth < 2 && l.Count <= 8 => $"[{string.Join(", ", l.Select(v => Repr(v, depth + 1)))}]",
        PyRecord r when depth < 2 => $"{r.TypeName}({string.Join(", ", r.Fields.Select(f => $"{f.Key}={Repr(f.Value, depth + 1)}"))})",
        PyTuple t => $"<tuple of {t.Count}>",
        PyList l => $"<list of {l.Count}>",
        PySet s => $"<{Name(s)} of {s.Count}>",
        PyDict d => $"<{Name(d)} of {d.Count}>",
        _ => $"<{Name(x)}>",
    };
}
