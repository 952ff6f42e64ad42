using System.Buffers.Binary;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Tests.Pipeline.IO;

/// <summary>
/// Test files made at run time in a per-test scratch directory: small images with known pixels, and
/// damaged copies of them. Making them here keeps the repository free of binary fixtures and shows
/// exactly how each bad file was made.
/// </summary>
internal sealed class IoTestFiles : IDisposable
{
    public IoTestFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "cinekernel-io-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string PathOf(string name) => Path.Combine(Directory, name);

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }

    /// <summary>A width×height image whose pixel (x, y) is <paramref name="pixel"/>(x, y).</summary>
    public static Image<Rgb24> Make(int width, int height, Func<int, int, Rgb24> pixel)
    {
        var image = new Image<Rgb24>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<Rgb24> row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++) row[x] = pixel(x, y);
            }
        });
        return image;
    }

    /// <summary>Pixels that differ everywhere, so a crop offset or a lost row shows.</summary>
    public static Rgb24 Distinct(int x, int y) => new((byte)(x * 7 + 1), (byte)(y * 11 + 2), (byte)((x * 31 + y * 17) & 0xFF));

    /// <summary>Noise (incompressible), so a PNG of a few hundred pixels a side spans several IDAT chunks.</summary>
    public static Image<Rgb24> Noise(int width, int height, int seed)
    {
        var rng = new Random(seed);
        return Make(width, height, (_, _) => new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)));
    }

    public string SavePng(string name, Image<Rgb24> image)
    {
        string path = PathOf(name);
        image.SaveAsPng(path);
        return path;
    }

    public string SaveJpeg(string name, Image<Rgb24> image)
    {
        string path = PathOf(name);
        image.SaveAsJpeg(path);
        return path;
    }

    public string SaveBytes(string name, byte[] bytes)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>The first <paramref name="fraction"/> of a file's bytes, saved under a new name.</summary>
    public string Truncated(string source, string name, double fraction)
    {
        byte[] bytes = File.ReadAllBytes(source);
        return SaveBytes(name, bytes[..(int)(bytes.Length * fraction)]);
    }

    /// <summary>
    /// The PNG signature and a valid IHDR chunk (8-bit RGB) claiming width×height, and nothing else: no
    /// pixel data and no IEND. Only a reader that stops at the header can say anything about its size.
    /// </summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(0), (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = 8;  // bit depth
        ihdr[9] = 2;  // colour type RGB
        // compression, filter, interlace: 0
        var bytes = new List<byte> { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        bytes.AddRange(PngChunk("IHDR", ihdr));
        return bytes.ToArray();
    }

    public static byte[] PngChunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    /// <summary>The PNG CRC (ISO 3309, reflected polynomial 0xEDB88320) over chunk type and data.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
