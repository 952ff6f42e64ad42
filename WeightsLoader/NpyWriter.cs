using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace CineKernel.WeightsLoader;

/// <summary>Writes float32 arrays as version-1.0 <c>.npy</c> files (C order, little-endian), via a temporary file and a rename.</summary>
public static class NpyWriter
{
    public static void Write(string path, TensorData tensor)
    {
        string shape = NpyReader.FormatShape(tensor.Shape);
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        // Magic (6) + version (2) + length (2) + dict + '\n', padded with spaces to a multiple of 64.
        int total = (10 + dict.Length + 1 + 63) / 64 * 64;
        string header = dict.PadRight(total - 10 - 1) + "\n";
        if (header.Length > ushort.MaxValue) throw new ArgumentException($"{path}: shape {shape} makes the header too long for .npy version 1");
        string temp = path + ".partial-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                fs.Write(NpyReader.Magic);
                fs.Write([1, 0]);
                Span<byte> length = stackalloc byte[2];
                BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
                fs.Write(length);
                fs.Write(Encoding.Latin1.GetBytes(header));
                if (BitConverter.IsLittleEndian) fs.Write(MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
                else foreach (float v in tensor.Data) { var b = new byte[4]; BinaryPrimitives.WriteSingleLittleEndian(b, v); fs.Write(b); }
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
