namespace CineKernel.WeightsLoader;

/// <summary>Reads runs of floating elements from a stream as float32, in bounded chunks.</summary>
internal static class ElementStream
{
    /// <summary>Elements converted per read: the raw buffer never holds more, whatever the file claims.</summary>
    private const int Chunk = 1 << 16;

    /// <summary>
    /// Reads <paramref name="count"/> elements of <paramref name="type"/> (little-endian, or big-endian when
    /// <paramref name="bigEndian"/>) from <paramref name="stream"/> as float32. When <paramref name="countIsBacked"/>
    /// is false the count is only a claim (from a compressed entry): the result then grows with the elements that
    /// actually arrive instead of being allocated at the claimed size. Messages call the file <paramref name="name"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The stream ends early, naming <paramref name="name"/>.</exception>
    public static float[] ReadSingles(string name, Stream stream, ElementType type, bool bigEndian, long count, bool countIsBacked)
    {
        if (count > Array.MaxLength) throw new InvalidDataException($"{name}: {count} elements are more than one array can hold");
        int size = type.Size();
        var values = new float[countIsBacked ? count : Math.Min(count, Chunk)];
        var raw = new byte[Math.Min(count, Chunk) * size];
        for (long start = 0; start < count; start += Chunk)
        {
            int n = (int)Math.Min(Chunk, count - start);
            var span = raw.AsSpan(0, n * size);
            int got = stream.ReadAtLeast(span, span.Length, throwOnEndOfStream: false);
            if (got < span.Length)
                throw new InvalidDataException($"{name}: data is truncated: it ends after {start * size + got} of {count * size} bytes");
            if (bigEndian) ElementTypes.ReverseEndianness(type, span);
            if (start + n > values.Length) Array.Resize(ref values, (int)Math.Min(count, Math.Max(2L * values.Length, start + n)));
            ElementTypes.ToSingle(type, span, values.AsSpan((int)start, n));
        }
        return values;
    }
}
