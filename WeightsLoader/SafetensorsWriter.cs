using System.Text;
using System.Text.Json;

namespace CineKernel.WeightsLoader;

/// <summary>
/// Writes float32 tensors to a safetensors file. The file is written beside its destination
/// and renamed at the end, so a failed write never leaves a partial file.
/// </summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<KeyValuePair<string, TensorData>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var (name, t) in list)
        {
            long bytes = (long)t.Data.Length * 4;
            header[name] = new { dtype = "F32", shape = t.Shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (json.Length + 7) / 8 * 8;
        string temp = path + ".partial-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            using (var w = new BinaryWriter(fs))
            {
                w.Write((long)padded);
                w.Write(json);
                for (int i = json.Length; i < padded; i++) w.Write((byte)' ');
                foreach (var (_, t) in list)
                {
                    var raw = new byte[t.Data.Length * 4];
                    Buffer.BlockCopy(t.Data, 0, raw, 0, raw.Length);
                    w.Write(raw);
                }
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
