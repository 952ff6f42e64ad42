using System.Numerics;

namespace CineKernel.WeightsLoader.Torch;

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
