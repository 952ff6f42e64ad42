namespace CineKernel.WeightsLoader;

/// <summary>
/// Reads an Eulerian motion field (x then y displacement per frame, in pixels) from a <c>.npy</c> file,
/// as the sample <c>*_motion.npy</c> files store it: (1, 2, H, W). (2, H, W) and (H, W, 2) are accepted
/// too; the result is always (1, 2, H, W). Non-finite values are refused: one NaN would spread through
/// the Euler integration to every pixel that passes over it.
/// </summary>
public static class MotionFieldReader
{
    /// <summary>Reads the file at <paramref name="path"/> as a (1, 2, H, W) tensor.</summary>
    /// <exception cref="InvalidDataException">Not a motion field: the message names the shape or the first non-finite value.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static TensorData Load(string path)
    {
        var raw = NpyReader.Read(path);
        var s = raw.Shape;
        string shape = NpyReader.FormatShape(s);
        long h, w;
        bool interleaved = false;
        if (s.Length == 4 && s[0] == 1 && s[1] == 2) (h, w) = (s[2], s[3]);
        else if (s.Length == 3 && s[0] == 2) (h, w) = (s[1], s[2]);
        else if (s.Length == 3 && s[2] == 2) (h, w, interleaved) = (s[0], s[1], true);
        else throw new InvalidDataException($"{path}: motion field shape {shape} is not (1, 2, H, W), (2, H, W) or (H, W, 2)");
        if (h == 0 || w == 0) throw new InvalidDataException($"{path}: motion field shape {shape} is empty");

        // Indices are reported in the file's own layout, before any transpose.
        for (int i = 0; i < raw.Data.Length; i++)
        {
            float v = raw.Data[i];
            if (!float.IsFinite(v))
                throw new InvalidDataException($"{path}: motion field of shape {shape} has {Describe(v)} at index {FormatIndex(i, s)}");
        }

        var field = raw.Data;
        if (interleaved)
        {
            // (H, W, 2) interleaves x and y per pixel; split them into the two planes.
            int plane = (int)(h * w);
            field = new float[2 * plane];
            for (int p = 0; p < plane; p++)
            {
                field[p] = raw.Data[2 * p];
                field[plane + p] = raw.Data[2 * p + 1];
            }
        }
        return new TensorData([1, 2, h, w], field);
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
}
