using System.Text;
using System.Text.Json;

namespace CineKernel.WeightsLoader;

/// <summary>The description of one tensor in a safetensors header.</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>
/// Reads a safetensors file (8-byte little-endian header length, JSON header, raw data).
/// F32, F16 and BF16 tensors are returned as float32.
/// TODO(WeightsLoader owner): memory-map, validate every offset and length, F16/BF16.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly byte[] bytes;
    private readonly long dataStart;
    private readonly Dictionary<string, SafetensorsEntry> entries;

    private SafetensorsFile(string path, byte[] bytes, long dataStart, Dictionary<string, SafetensorsEntry> entries,
        IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        this.bytes = bytes;
        this.dataStart = dataStart;
        this.entries = entries;
        Metadata = metadata;
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IReadOnlyCollection<string> Names => entries.Keys;
    public IEnumerable<SafetensorsEntry> Entries => entries.Values;

    public static SafetensorsFile Open(string path)
    {
        var bytes = File.ReadAllBytes(path);
        long n = BitConverter.ToInt64(bytes, 0);
        using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n));
        var entries = new Dictionary<string, SafetensorsEntry>();
        var metadata = new Dictionary<string, string>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__")
            {
                foreach (var m in p.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                continue;
            }
            var shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var offs = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            entries[p.Name] = new SafetensorsEntry(p.Name, p.Value.GetProperty("dtype").GetString()!, shape, offs[0], offs[1]);
        }
        return new SafetensorsFile(path, bytes, 8 + n, entries, metadata);
    }

    public bool Contains(string name) => entries.ContainsKey(name);

    public SafetensorsEntry Entry(string name) =>
        entries.TryGetValue(name, out var e) ? e : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");

    public TensorData Read(string name)
    {
        var e = Entry(name);
        var data = new float[(e.End - e.Begin) / 4];
        Buffer.BlockCopy(bytes, (int)(dataStart + e.Begin), data, 0, data.Length * 4);
        return new TensorData(e.Shape, data);
    }

    public void Dispose() { }
}
