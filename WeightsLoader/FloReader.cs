using System.Buffers.Binary;

namespace CineKernel.WeightsLoader;

/// <summary>
/// Reads Middlebury <c>.flo</c> optical-flow files, the format optical-flow tools (FlowNet, PWC-Net, RAFT's
/// <c>writeFlow</c>, the Middlebury and Sintel benchmarks) write: the float32 202021.25 (the bytes "PIEH"),
/// int32 width, int32 height, then height×width pairs of float32 (u, v): the x and y displacement of each
/// pixel, row by row; everything little-endian. The dimensions are checked against the file's length before
/// anything is allocated.
/// </summary>
public static class FloReader
{
    /// <summary>The first four bytes, as a little-endian float32 ("PIEH").</summary>
    public const float Magic = 202021.25f;

    /// <summary>The largest width or height accepted, as in the Middlebury reference reader.</summary>
    public const int MaxSide = 99999;

    /// <summary>The magic as bytes.</summary>
    public static ReadOnlySpan<byte> MagicBytes => "PIEH"u8;

    /// <summary>Reads the flow as a (H, W, 2) tensor: (u, v) per pixel, in the file's units (pixels).</summary>
    /// <exception cref="InvalidDataException">Not a .flo file, dimensions outside 1..<see cref="MaxSide"/>, or data that does not match them, naming the file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static TensorData Read(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Span<byte> header = stackalloc byte[12];
        int got = fs.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (got < 4 || !header[..4].SequenceEqual(MagicBytes))
            throw new InvalidDataException($"{path}: not a .flo file (it does not start with the float 202021.25, the bytes 'PIEH')");
        if (got < 12)
            throw new InvalidDataException($"{path}: .flo header is truncated ({got} of 12 bytes)");
        int width = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        int height = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (width is < 1 or > MaxSide || height is < 1 or > MaxSide)
            throw new InvalidDataException($"{path}: .flo width {width} and height {height} are not plausible (each must be 1..{MaxSide})");
        long count = 2L * width * height;
        long needed = 4 * count, available = fs.Length - header.Length;
        if (available < needed)
            throw new InvalidDataException($"{path}: .flo data is truncated: {available} bytes, but {width}x{height} flow needs {needed}");
        if (available > needed)
            throw new InvalidDataException($"{path}: {available - needed} unexpected bytes follow the data of the {width}x{height} .flo flow");
        var values = ElementStream.ReadSingles(path, fs, ElementType.F32, bigEndian: false, count, countIsBacked: true);
        return new TensorData([height, width, 2], values);
    }
}
