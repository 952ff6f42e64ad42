namespace CineKernel.WeightsLoader;

/// <summary>
/// Reads an Eulerian motion field (the x then the y displacement of every pixel per frame, in pixels of the
/// field's grid) from the files other tools write, as the engine's (1, 2, H, W) float32 tensor.
/// <para>
/// <b>Formats</b>, told apart by their first bytes (not their names): a <c>.npy</c> array (float16, float32 or
/// float64, either byte order, C or Fortran order; <see cref="NpyReader"/>); a <c>.npz</c> archive holding one
/// such array, or several and a name (<c>FILE.npz:NAME</c>; <see cref="NpzReader"/>); a Middlebury <c>.flo</c>
/// file (<see cref="FloReader"/>). Any other file is refused in one line saying what it is and what is accepted.
/// </para>
/// <para>
/// <b>Layouts.</b> Channel-first (1, 2, H, W) (the original's and the samples') and (2, H, W); channel-last
/// (H, W, 2) and (1, H, W, 2) (<c>.flo</c>, OpenCV and most optical-flow code), channel 0 the x (u) and
/// channel 1 the y (v) displacement. When both readings fit, which happens only when the field has a side
/// of 2, the channel-first one wins: a 3-D shape is channel-last only when its last dimension is 2 and its
/// first is not, a 4-D one only when its last is 2 and its second is not. So (2, 5, 2) is a 5×2 field of
/// two planes, (5, 2, 2) a 5×2 field of (u, v) pairs, (1, 2, 3, 2) a 3×2 field of two planes.
/// </para>
/// <para>
/// <b>Values</b> must be finite (one NaN would spread through the Euler integration to every pixel that
/// passes over it) and no vector may be longer than <see cref="SpeedLimit"/>, the field's long side: a
/// displacement that crosses the whole grid in one frame is a unit error (pixels per second, or a flow
/// file's "unknown" marker of 1e9), not a motion.
/// </para>
/// </summary>
public static class MotionFieldReader
{
    /// <summary>What a motion file may be, for messages.</summary>
    public const string Accepted =
        "accepted: a .npy array, a .npz archive holding one (or FILE.npz:NAME), or a Middlebury .flo file; float16, float32 or float64; " +
        "shape (1, 2, H, W), (2, H, W), (H, W, 2) or (1, H, W, 2)";

    /// <summary>
    /// Splits <c>FILE.npz:NAME</c> into the file and the array's name. The split is at the last <c>.npz:</c>
    /// (any case), and only when <paramref name="spec"/> itself is not an existing file; otherwise the key is null.
    /// </summary>
    public static (string Path, string? Key) SplitKey(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int at = spec.LastIndexOf(".npz:", StringComparison.OrdinalIgnoreCase);
        if (at < 0 || File.Exists(spec)) return (spec, null);
        return (spec[..(at + 4)], spec[(at + 5)..]);
    }

    /// <summary>Reads the motion field <paramref name="spec"/> names (a path, or <c>FILE.npz:NAME</c>) as a (1, 2, H, W) tensor.</summary>
    /// <exception cref="InvalidDataException">Not a motion field: one line naming the file, what it is or what is wrong, and what is accepted.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static TensorData Load(string spec)
    {
        var (path, key) = SplitKey(spec);
        return Load(path, key);
    }

    /// <summary>Reads the motion field in the file at <paramref name="path"/> (for a <c>.npz</c>, the array <paramref name="key"/>, or its only one when null) as (1, 2, H, W).</summary>
    /// <exception cref="InvalidDataException">As <see cref="Load(string)"/>.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static TensorData Load(string path, string? key)
    {
        Span<byte> head = stackalloc byte[16];
        int n;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        string? format = head.StartsWith(NpyReader.Magic) ? "npy"
            : head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8) ? "npz"
            : head.StartsWith(FloReader.MagicBytes) ? "flo"
            : null;
        if (format is null)
            throw new InvalidDataException($"{path}: not a motion field but {Describe(head)}; {Accepted}");
        if (key is not null && format != "npz")
            throw new InvalidDataException($"{path}: a .{format} file holds one unnamed array, but the array {Printable.Quote(key)} was asked for (FILE:NAME selects an array of a .npz archive)");
        var array = format switch
        {
            "npy" => NpyReader.Read(path),
            "npz" => NpzReader.Read(path, key),
            _ => FloReader.Read(path),
        };
        return ToPlanes(key is null ? path : $"{path}:{Printable.Clean(key)}", array);
    }

    /// <summary>The longest vector accepted in a field of <paramref name="height"/>×<paramref name="width"/>, in pixels per frame: its long side.</summary>
    public static double SpeedLimit(long height, long width) => Math.Max(height, width);

    /// <summary>
    /// Brings an array in any accepted layout to (1, 2, H, W) (the layout rule is in the type's summary) and
    /// checks its values: finite, and no vector longer than <see cref="SpeedLimit"/>.
    /// </summary>
    /// <param name="name">What messages call the array (its file).</param>
    /// <param name="array">Float32 values in C order, in one of the layouts.</param>
    /// <exception cref="InvalidDataException">Another shape, an empty field, a non-finite value (its index in the array's own layout) or a vector too long (its pixel), naming <paramref name="name"/>.</exception>
    public static TensorData ToPlanes(string name, TensorData array)
    {
        ArgumentNullException.ThrowIfNull(array);
        var s = array.Shape;
        string shape = NpyReader.FormatShape(s);
        long h, w;
        bool channelLast;
        if (s.Length == 3 && s[0] == 2) (h, w, channelLast) = (s[1], s[2], false);
        else if (s.Length == 3 && s[2] == 2) (h, w, channelLast) = (s[0], s[1], true);
        else if (s.Length == 4 && s[0] == 1 && s[1] == 2) (h, w, channelLast) = (s[2], s[3], false);
        else if (s.Length == 4 && s[0] == 1 && s[3] == 2) (h, w, channelLast) = (s[1], s[2], true);
        else throw new InvalidDataException($"{name}: motion field shape {shape} is not (1, 2, H, W), (2, H, W), (H, W, 2) or (1, H, W, 2)");
        if (h == 0 || w == 0) throw new InvalidDataException($"{name}: motion field shape {shape} is empty");

        // Indices are reported in the file's own layout, before any transpose.
        var data = array.Data;
        for (int i = 0; i < data.Length; i++)
            if (!float.IsFinite(data[i]))
                throw new InvalidDataException($"{name}: motion field of shape {shape} has {Describe(data[i])} at index {FormatIndex(i, s)}");

        int plane = (int)(h * w);
        var planes = data;
        if (channelLast)
        {
            // (H, W, 2) interleaves x and y per pixel; split them into the two planes.
            planes = new float[2 * plane];
            for (int p = 0; p < plane; p++)
            {
                planes[p] = data[2 * p];
                planes[plane + p] = data[2 * p + 1];
            }
        }

        double limit = SpeedLimit(h, w);
        for (int p = 0; p < plane; p++)
        {
            double u = planes[p], v = planes[plane + p];
            double speed = Math.Sqrt(u * u + v * v);
            if (speed > limit)
                throw new InvalidDataException(
                    $"{name}: motion field of shape {shape} moves pixel (x {p % w}, y {p / w}) by ({u:G6}, {v:G6}), {speed:G4} pixels a frame, " +
                    $"farther than its {w}x{h} grid in one frame (at most {limit}); values must be pixels per frame");
        }
        return new TensorData([1, 2, h, w], planes);
    }

    private static string Describe(float v) => float.IsNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";

    private static string FormatIndex(long flat, long[] shape)
    {
        var index = new long[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        return $"({string.Join(", ", index)})";
    }

    /// <summary>What a file that is no motion field is, from its first bytes.</summary>
    private static string Describe(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty) return "an empty file";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G'])) return "a PNG image";
        if (head.StartsWith((ReadOnlySpan<byte>)[0xff, 0xd8, 0xff])) return "a JPEG image";
        if (head.StartsWith("GIF8"u8)) return "a GIF image";
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return "a WebP image";
        if (head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8)) return "a TIFF image";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x80, 0x02, 0x8a])) return "a legacy PyTorch checkpoint";
        if (head.Length >= 9 && head[8] == (byte)'{' && BitConverter.ToUInt64(head) < (1UL << 32)) return "a safetensors file";
        if (head[0] is (byte)'{' or (byte)'[') return "JSON or other text";
        string hex = Convert.ToHexString(head[..Math.Min(head.Length, 8)]).ToLowerInvariant();
        return $"an unknown format (it starts with the bytes {hex})";
    }
}
