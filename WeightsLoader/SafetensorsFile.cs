using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace CineKernel.WeightsLoader;

/// <summary>
/// A safetensors file (8-byte little-endian header length, JSON header, raw little-endian data),
/// memory-mapped. Everything in the header is checked when the file is opened, so a file that opens
/// never reads outside its data: offsets inside the data section, no two tensors overlapping, byte
/// lengths matching shape × dtype size. F32, F16, BF16 and F64 tensors read as float32.
/// Every format error is an <see cref="InvalidDataException"/> naming the file and the tensor.
/// <see cref="Read"/> may be called from several threads at once.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>The format caps the header at 100 MB; a larger length means a corrupt or hostile file.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly MemoryMappedFile map;
    private readonly MemoryMappedViewAccessor view;
    private readonly byte* data;
    private readonly long dataLength;
    private readonly List<SafetensorsEntry> order;
    private readonly Dictionary<string, SafetensorsEntry> entries;
    private int disposed;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* data, long dataLength,
        List<SafetensorsEntry> order, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        this.map = map;
        this.view = view;
        this.data = data;
        this.dataLength = dataLength;
        this.order = order;
        entries = order.ToDictionary(e => e.Name);
        Metadata = metadata;
    }

    public string Path { get; }

    /// <summary>The <c>__metadata__</c> strings (empty if the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensor names in header order.</summary>
    public IReadOnlyCollection<string> Names => order.Select(e => e.Name).ToList();

    /// <summary>Tensor entries in header order.</summary>
    public IEnumerable<SafetensorsEntry> Entries => order;

    /// <summary>Opens and checks the file: header length, JSON header, dtypes, shapes and every tensor's offsets.</summary>
    /// <exception cref="InvalidDataException">Any format error (too short, a header length past the end, invalid JSON, an unknown dtype, offsets outside the data, overlapping or not matching shape × dtype), naming the file and the tensor.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static SafetensorsFile Open(string path)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        bool acquired = false;
        try
        {
            long fileLength = fs.Length;
            if (fileLength < 8)
                throw new InvalidDataException($"{path}: file is {fileLength} bytes, too short for the 8-byte header length");
            Span<byte> lengthBytes = stackalloc byte[8];
            fs.ReadExactly(lengthBytes);
            ulong headerLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength > (ulong)(fileLength - 8))
                throw new InvalidDataException($"{path}: header length {headerLength} runs past the end of the file ({fileLength} bytes)");
            if (headerLength > MaxHeaderBytes)
                throw new InvalidDataException($"{path}: header length {headerLength} exceeds the format's limit of {MaxHeaderBytes} bytes");
            var header = new byte[headerLength];
            fs.ReadExactly(header);
            long dataStart = 8 + (long)headerLength;
            long dataLength = fileLength - dataStart;
            var (order, metadata) = ParseHeader(path, header, dataLength);

            map = MemoryMappedFile.CreateFromFile(fs, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* basePointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePointer);
            acquired = true;
            return new SafetensorsFile(path, map, view, basePointer + view.PointerOffset + dataStart, dataLength, order, metadata);
        }
        catch
        {
            if (acquired) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map?.Dispose();
            fs.Dispose();
            throw;
        }
    }

    private static (List<SafetensorsEntry>, IReadOnlyDictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: header is not valid JSON ({OneLine(e.Message)})");
        }
        using (doc)
        try
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: header is a JSON {doc.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object");
            var order = new List<SafetensorsEntry>();
            var seen = new HashSet<string>();
            var metadata = new Dictionary<string, string>();
            bool sawMetadata = false;
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                {
                    if (sawMetadata) throw new InvalidDataException($"{path}: __metadata__ appears twice in the header");
                    sawMetadata = true;
                    if (p.Value.ValueKind != JsonValueKind.Object)
                        throw new InvalidDataException($"{path}: __metadata__ is not an object");
                    foreach (var m in p.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw new InvalidDataException($"{path}: __metadata__ value {Printable.Quote(m.Name)} is not a string");
                        if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
                            throw new InvalidDataException($"{path}: __metadata__ key {Printable.Quote(m.Name)} appears twice");
                    }
                    continue;
                }
                if (!seen.Add(p.Name)) throw new InvalidDataException($"{path}: tensor {Printable.Quote(p.Name)} appears twice in the header");
                order.Add(ParseEntry($"{path}: tensor {Printable.Quote(p.Name)}", p.Name, p.Value, dataLength));
            }
            CheckOverlaps(path, order);
            return (order, metadata);
        }
        catch (InvalidOperationException e)
        {
            // JsonDocument checks string contents lazily: invalid UTF-8 in a name surfaces on first access.
            throw new InvalidDataException($"{path}: header is not valid JSON ({OneLine(e.Message)})");
        }
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");

    private static SafetensorsEntry ParseEntry(string what, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{what}: header entry is not an object");
        if (!value.TryGetProperty("dtype", out var dtypeElement)) throw new InvalidDataException($"{what}: missing 'dtype'");
        if (dtypeElement.ValueKind != JsonValueKind.String) throw new InvalidDataException($"{what}: 'dtype' is not a string");
        string dtype = dtypeElement.GetString()!;
        if (!ElementTypes.TryParseSafetensors(dtype, out var type)) throw new InvalidDataException($"{what}: unknown dtype {Printable.Quote(dtype)}");
        long[] shape = NonNegativeIntegers(what, value, "shape", null);
        long[] offsets = NonNegativeIntegers(what, value, "data_offsets", 2);
        long begin = offsets[0], end = offsets[1];
        if (begin > end) throw new InvalidDataException($"{what}: data_offsets [{begin}, {end}] end before they begin");
        if (end > dataLength)
            throw new InvalidDataException($"{what}: data_offsets [{begin}, {end}] run past the end of the data ({dataLength} bytes)");
        long count = ElementTypes.ElementCount(shape, what);
        long needed;
        try { needed = checked(count * type.Size()); }
        catch (OverflowException) { throw new InvalidDataException($"{what}: shape {ElementTypes.FormatShape(shape)} is too large"); }
        if (end - begin != needed)
            throw new InvalidDataException(
                $"{what}: data_offsets [{begin}, {end}] hold {end - begin} bytes but shape {ElementTypes.FormatShape(shape)} of {dtype} needs {needed}");
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    private static long[] NonNegativeIntegers(string what, JsonElement value, string field, int? length)
    {
        string expected = length is null ? "an array of non-negative integers" : $"an array of {length} non-negative integers";
        if (!value.TryGetProperty(field, out var array)) throw new InvalidDataException($"{what}: missing '{field}'");
        if (array.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{what}: '{field}' is not {expected}");
        var result = new List<long>();
        foreach (var e in array.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long v) || v < 0)
                throw new InvalidDataException($"{what}: '{field}' is not {expected} (found {Printable.Clean(e.GetRawText(), 40)})");
            result.Add(v);
        }
        if (length is not null && result.Count != length)
            throw new InvalidDataException($"{what}: '{field}' is not {expected} (found {result.Count} values)");
        return result.ToArray();
    }

    private static void CheckOverlaps(string path, List<SafetensorsEntry> order)
    {
        var sorted = order.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            var previous = sorted[i - 1];
            var e = sorted[i];
            if (e.Begin < previous.End)
                throw new InvalidDataException(
                    $"{path}: tensor {Printable.Quote(e.Name)}: data_offsets [{e.Begin}, {e.End}] overlap tensor {Printable.Quote(previous.Name)} [{previous.Begin}, {previous.End}]");
        }
    }

    public bool Contains(string name) => entries.ContainsKey(name);

    public SafetensorsEntry Entry(string name) =>
        entries.TryGetValue(name, out var e) ? e : throw new KeyNotFoundException($"{Path}: no tensor named {Printable.Quote(name)}");

    /// <summary>The tensor as float32 (F32 copied, F16/BF16 widened exactly, F64 rounded).</summary>
    /// <exception cref="InvalidDataException">The tensor's dtype is not a floating type, or it has more elements than one array holds.</exception>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public TensorData Read(string name)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        var e = Entry(name);
        var type = e.ElementType;
        if (!type.IsFloat())
            throw new InvalidDataException($"{Path}: tensor {Printable.Quote(name)} has dtype {e.DType}, which does not read as float32");
        long count = e.ElementCount;
        if (count > Array.MaxLength)
            throw new InvalidDataException($"{Path}: tensor {Printable.Quote(name)} has {count} elements, more than one array can hold");
        var values = new float[count];
        // Convert in chunks: a span over the mapping is limited to 2^31 bytes.
        const int chunk = 1 << 26;
        int size = type.Size();
        for (long start = 0; start < count; start += chunk)
        {
            int n = (int)Math.Min(chunk, count - start);
            var raw = new ReadOnlySpan<byte>(data + e.Begin + start * size, n * size);
            ElementTypes.ToSingle(type, raw, values.AsSpan((int)start, n));
        }
        return new TensorData((long[])e.Shape.Clone(), values);
    }

    /// <summary>Bytes of the data section (for tools that report sizes).</summary>
    public long DataLength => dataLength;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        view.SafeMemoryMappedViewHandle.ReleasePointer();
        view.Dispose();
        map.Dispose();
    }
}
