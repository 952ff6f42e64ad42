namespace CineKernel.Tools;

/// <summary>
/// A small option parser: positional arguments, <c>--name value</c> pairs and flags.
/// Every option must be known to the command; repeated options keep all their values.
/// </summary>
public sealed class Options
{
    private readonly Dictionary<string, List<string>> values = new();

    public List<string> Positional { get; } = new();

    public static Options Parse(string[] args, IReadOnlySet<string> valued, IReadOnlySet<string>? flags = null)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (!a.StartsWith('-') || a == "-")
            {
                o.Positional.Add(a);
                continue;
            }
            string name = a.TrimStart('-');
            if (flags?.Contains(name) == true)
            {
                o.Add(name, "true");
            }
            else if (valued.Contains(name))
            {
                if (i + 1 >= args.Length) throw new CliException($"option {a} needs a value", 2);
                o.Add(name, args[++i]);
            }
            else
            {
                throw new CliException($"unknown option '{a}'", 2);
            }
        }
        return o;
    }

    private void Add(string name, string value)
    {
        if (!values.TryGetValue(name, out var list)) values[name] = list = new List<string>();
        list.Add(value);
    }

    public bool Has(string name) => values.ContainsKey(name);

    public string? Get(string name) => values.TryGetValue(name, out var l) ? l[^1] : null;

    public IReadOnlyList<string> GetAll(string name) => values.TryGetValue(name, out var l) ? l : [];

    public string Require(string name) => Get(name) ?? throw new CliException($"missing option --{name}", 2);

    public int GetInt(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        string? s = Get(name);
        if (s is null) return fallback;
        if (!int.TryParse(s, out int v)) throw new CliException($"--{name} expects an integer, got '{s}'", 2);
        if (v < min || v > max) throw new CliException($"--{name} must be between {min} and {max}, got {v}", 2);
        return v;
    }

    /// <summary>A comma-separated list of integers, e.g. <c>0,3,9</c>.</summary>
    public int[]? GetIntList(string name)
    {
        string? s = Get(name);
        if (s is null) return null;
        try
        {
            return s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        }
        catch (FormatException)
        {
            throw new CliException($"--{name} expects a comma-separated list of integers, got '{s}'", 2);
        }
    }
}
