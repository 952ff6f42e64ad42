using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CineKernel.WeightsLoader;

/// <summary>
/// Writes float32 tensors to a safetensors file, in the order given, with optional <c>__metadata__</c>
/// strings. The file is written beside its destination and renamed at the end, so a failed write never
/// leaves a partial file; <see cref="Stage"/> exposes the two steps so that several files can be
/// committed only once all of them were written.
/// </summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<KeyValuePair<string, TensorData>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var staged = Stage(path, tensors, metadata);
        staged.Commit();
    }

    /// <summary>
    /// Writes the file under a temporary name beside <paramref name="path"/>; <see cref="StagedFile.Commit"/>
    /// renames it into place, disposing without committing deletes it.
    /// </summary>
    public static StagedFile Stage(string path, IEnumerable<KeyValuePair<string, TensorData>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = Header(path, list, metadata);
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (header.Length + 7) / 8 * 8;
        string temp = path + ".partial-" + Guid.NewGuid().ToString("N")[..8];
        var staged = new StagedFile(path, temp);
        try
        {
            using var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write);
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            fs.Write(length);
            fs.Write(header);
            for (int i = header.Length; i < padded; i++) fs.WriteByte((byte)' ');
            foreach (var (_, t) in list) WriteLittleEndian(fs, t.Data);
            fs.Flush(flushToDisk: true);
            return staged;
        }
        catch
        {
            staged.Dispose();
            throw;
        }
    }

    private static byte[] Header(string path, List<KeyValuePair<string, TensorData>> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>();
        foreach (var (name, t) in tensors)
        {
            ArgumentNullException.ThrowIfNull(t, name);
            if (name == "__metadata__") throw new ArgumentException($"{path}: '__metadata__' cannot name a tensor");
            if (!names.Add(name)) throw new ArgumentException($"{path}: tensor {Printable.Quote(name)} is given twice");
        }
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps metadata such as "g_ema + latent_avg" readable in the file.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, t) in tensors)
            {
                long bytes = (long)t.Data.Length * 4;
                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (long d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteLittleEndian(Stream stream, float[] values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }
        var raw = new byte[4];
        foreach (float v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw, v);
            stream.Write(raw);
        }
    }
}
