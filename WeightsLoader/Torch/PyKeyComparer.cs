using System.Numerics;

namespace CineKernel.WeightsLoader.Torch;

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
