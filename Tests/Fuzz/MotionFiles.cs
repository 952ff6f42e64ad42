using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using CineKernel.WeightsLoader;

namespace CineKernel.Fuzz;

/// <summary>
/// Motion field files as other tools write them, built byte by byte: <c>.npy</c> in any accepted layout,
/// dtype, byte order and memory order, <c>.npz</c> archives of them, Middlebury <c>.flo</c>. The engine only
/// reads these formats; the fuzzers' seeds and the suite's tests make them here.
/// </summary>
public static class MotionFiles
{
    /// <summary>The layouts a motion file may have, as NumPy shapes of an H×W field.</summary>
    public static readonly string[] Layouts = ["1,2,H,W", "2,H,W", "H,W,2", "1,H,W,2"];

    /// <summary>
    /// The field of two H×W planes (x then y) arranged in <paramref name="layout"/> (one of <see cref="Layouts"/>):
    /// the array's shape and its values in C order.
    /// </summary>
    public static TensorData Arrange(float[] planes, int height, int width, string layout)
    {
        int plane = height * width;
        if (planes.Length != 2 * plane) throw new ArgumentException($"{planes.Length} values are not two {height}x{width} planes");
        long[] shape = layout.Split(',').Select(d => d switch { "H" => (long)height, "W" => width, _ => long.Parse(d) }).ToArray();
        if (!layout.EndsWith(",2", StringComparison.Ordinal)) return new TensorData(shape, (float[])planes.Clone());
        var interleaved = new float[2 * plane];
        for (int p = 0; p < plane; p++)
        {
            interleaved[2 * p] = planes[p];
            interleaved[2 * p + 1] = planes[plane + p];
        }
        return new TensorData(shape, interleaved);
    }

    /// <summary>
    /// A version 1.0 <c>.npy</c> file of <paramref name="array"/> (values in C order) stored with dtype
    /// <paramref name="descr"/> ('&lt;f2', '&gt;f4', '&lt;f8', ...), in Fortran order when <paramref name="fortran"/>.
    /// </summary>
    public static byte[] Npy(TensorData array, string descr = "<f4", bool fortran = false)
    {
        string shape = NpyReader.FormatShape(array.Shape);
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";
        int total = (10 + dict.Length + 1 + 63) / 64 * 64;
        string header = dict.PadRight(total - 10 - 1) + "\n";
        int size = descr[2] - '0';
        bool big = descr[0] == '>';
        var values = fortran ? NpyReader.FortranToC(array.Data, array.Shape.Reverse().ToArray()) : array.Data;
        var bytes = new byte[header.Length + 10 + size * values.Length];
        NpyReader.Magic.CopyTo(bytes);
        bytes[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.Latin1.GetBytes(header).CopyTo(bytes, 10);
        var data = bytes.AsSpan(10 + header.Length);
        for (int i = 0; i < values.Length; i++)
        {
            var element = data.Slice(size * i, size);
            switch (size)
            {
                case 2:
                    ushort half = BitConverter.HalfToUInt16Bits((Half)values[i]);
                    if (big) BinaryPrimitives.WriteUInt16BigEndian(element, half); else BinaryPrimitives.WriteUInt16LittleEndian(element, half);
                    break;
                case 4:
                    if (big) BinaryPrimitives.WriteSingleBigEndian(element, values[i]); else BinaryPrimitives.WriteSingleLittleEndian(element, values[i]);
                    break;
                default:
                    if (big) BinaryPrimitives.WriteDoubleBigEndian(element, values[i]); else BinaryPrimitives.WriteDoubleLittleEndian(element, values[i]);
                    break;
            }
        }
        return bytes;
    }

    /// <summary>A <c>.npz</c> archive: each (name, .npy bytes) as the entry NAME.npy, stored or deflated as <paramref name="level"/> says.</summary>
    public static byte[] Npz(IEnumerable<(string Name, byte[] Npy)> arrays, CompressionLevel level = CompressionLevel.NoCompression)
    {
        using var ms = new MemoryStream();
        using (var archive = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, npy) in arrays)
            {
                using var s = archive.CreateEntry(name + ".npy", level).Open();
                s.Write(npy);
            }
        }
        return ms.ToArray();
    }

    /// <summary>A Middlebury <c>.flo</c> file: the magic, width, height, then (u, v) per pixel, row by row.</summary>
    public static byte[] Flo(int width, int height, float[] interleaved)
    {
        var bytes = new byte[12 + 4 * interleaved.Length];
        FloReader.MagicBytes.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), height);
        for (int i = 0; i < interleaved.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(12 + 4 * i), interleaved[i]);
        return bytes;
    }
}
