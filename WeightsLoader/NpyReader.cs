using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace CineKernel.WeightsLoader;

/// <summary>
/// Reads NumPy <c>.npy</c> files (format versions 1, 2 and 3) holding little-endian float32 or float64
/// arrays in C order, as float32. Everything else (big-endian, Fortran order, other dtypes, a truncated
/// file) is refused with an <see cref="InvalidDataException"/> naming the file.
/// </summary>
public static class NpyReader
{
    /// <summary>0x93 then "NUMPY".</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Format versions 1 and 2 cap nothing, but no real header is near this; a larger one is corrupt.</summary>
    private const int MaxHeaderBytes = 1 << 20;

    /// <summary>Reads the whole array as float32.</summary>
    /// <exception cref="InvalidDataException">Not a .npy file, an unsupported version, dtype or order, a malformed header, or data that does not match the shape, naming the file.</exception>
    public static TensorData Read(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var header = ReadHeader(path, fs);
        long count = header.ElementCount;
        int size = header.ElementType.Size();
        if (count > Array.MaxLength)
            throw new InvalidDataException($"{path}: shape {FormatShape(header.Shape)} has more elements than one array can hold");
        long needed = count * size;
        long available = fs.Length - header.DataOffset;
        if (available < needed)
            throw new InvalidDataException(
                $"{path}: data is truncated: {available} bytes, but shape {FormatShape(header.Shape)} of {header.ElementType.TorchName()} needs {needed}");
        if (available > needed)
            throw new InvalidDataException(
                $"{path}: {available - needed} unexpected bytes follow the data of shape {FormatShape(header.Shape)} of {header.ElementType.TorchName()}");
        var values = new float[count];
        const int chunk = 1 << 20;
        var raw = new byte[Math.Min(count, chunk) * size];
        for (long start = 0; start < count; start += chunk)
        {
            int n = (int)Math.Min(chunk, count - start);
            var span = raw.AsSpan(0, n * size);
            fs.ReadExactly(span);
            ElementTypes.ToSingle(header.ElementType, span, values.AsSpan((int)start, n));
        }
        return new TensorData(header.Shape, values);
    }

    /// <summary>Reads and checks the header only.</summary>
    /// <exception cref="InvalidDataException">As <see cref="Read"/>, for the header.</exception>
    public static NpyHeader ReadHeader(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ReadHeader(path, fs);
    }

    /// <summary>Parses the header at the start of <paramref name="stream"/> and leaves the stream at the data.</summary>
    /// <exception cref="InvalidDataException">As <see cref="Read"/>, for the header.</exception>
    public static NpyHeader ReadHeader(string path, Stream stream)
    {
        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8 || !prefix[..6].SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a .npy file (bad magic string)");
        int major = prefix[6];
        int lengthBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new InvalidDataException($"{path}: .npy format version {major}.{prefix[7]} is not supported (1, 2 or 3)"),
        };
        Span<byte> lengthField = stackalloc byte[4];
        if (stream.ReadAtLeast(lengthField[..lengthBytes], lengthBytes, throwOnEndOfStream: false) < lengthBytes)
            throw new InvalidDataException($"{path}: .npy header is truncated");
        long headerLength = lengthBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthField) : BinaryPrimitives.ReadUInt32LittleEndian(lengthField);
        if (headerLength > MaxHeaderBytes)
            throw new InvalidDataException($"{path}: .npy header length {headerLength} is implausibly large");
        // Refuse a length the file cannot hold before allocating for it.
        if (stream.CanSeek && headerLength > stream.Length - stream.Position)
            throw HeaderTruncated(path, headerLength);
        var headerBytes = new byte[headerLength];
        if (stream.ReadAtLeast(headerBytes, headerBytes.Length, throwOnEndOfStream: false) < headerBytes.Length)
            throw HeaderTruncated(path, headerLength);
        // Versions 1 and 2 store the header in latin-1, version 3 in UTF-8.
        string text = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        var fields = new HeaderParser(path, text).ParseDict();

        foreach (var key in fields.Keys)
            if (key is not ("descr" or "fortran_order" or "shape"))
                throw new InvalidDataException($"{path}: .npy header has an unexpected key {Printable.Quote(key)}");
        if (!fields.TryGetValue("descr", out var descrValue) || descrValue is not string descr)
            throw new InvalidDataException($"{path}: .npy header has no string 'descr' (structured dtypes are not supported)");
        if (!fields.TryGetValue("fortran_order", out var fortranValue) || fortranValue is not bool fortran)
            throw new InvalidDataException($"{path}: .npy header has no boolean 'fortran_order'");
        if (!fields.TryGetValue("shape", out var shapeValue) || shapeValue is not List<long> shapeList)
            throw new InvalidDataException($"{path}: .npy header has no integer tuple 'shape'");
        var type = descr switch
        {
            "<f4" => ElementType.F32,
            "<f8" => ElementType.F64,
            ">f4" or ">f8" => throw new InvalidDataException($"{path}: dtype {Printable.Quote(descr)} is big-endian; only little-endian '<f4' or '<f8' is supported"),
            _ => throw new InvalidDataException($"{path}: dtype {Printable.Quote(descr)} is not supported (only little-endian float32 '<f4' or float64 '<f8')"),
        };
        if (fortran)
            throw new InvalidDataException($"{path}: fortran_order True is not supported (save the array in C order)");
        var shape = shapeList.ToArray();
        foreach (long d in shape)
            if (d < 0) throw new InvalidDataException($"{path}: shape {FormatShape(shape)} has a negative dimension");
        ElementTypes.ElementCount(shape, path);
        return new NpyHeader(major, descr, type, shape, stream.Position);
    }

    private static InvalidDataException HeaderTruncated(string path, long headerLength) =>
        new($"{path}: .npy header is truncated (length {headerLength} runs past the end of the file)");

    /// <summary>A shape as NumPy prints it: <c>(1, 2, 512, 512)</c>, <c>(5,)</c>, <c>()</c>.</summary>
    public static string FormatShape(IReadOnlyList<long> shape) =>
        shape.Count == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";

    /// <summary>
    /// The header is a Python dict literal, e.g. <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (1, 2), }</c>.
    /// This parses exactly that subset: strings, True/False, integers and tuples of integers.
    /// </summary>
    private sealed class HeaderParser(string path, string text)
    {
        private int pos;

        public Dictionary<string, object> ParseDict()
        {
            var result = new Dictionary<string, object>();
            Expect('{');
            while (true)
            {
                SkipSpace();
                if (Peek() == '}') { pos++; break; }
                var key = ParseString();
                Expect(':');
                var value = ParseValue();
                if (!result.TryAdd(key, value)) throw Error($"key {Printable.Quote(key)} appears twice");
                SkipSpace();
                if (Peek() == ',') { pos++; continue; }
                Expect('}');
                break;
            }
            SkipSpace();
            if (pos != text.Length) throw Error("unexpected text after the dict");
            return result;
        }

        private object ParseValue()
        {
            SkipSpace();
            char c = Peek();
            if (c is '\'' or '"') return ParseString();
            if (c == '(') return ParseTuple();
            if (char.IsAsciiLetter(c))
            {
                int start = pos;
                while (pos < text.Length && char.IsAsciiLetterOrDigit(text[pos])) pos++;
                return text[start..pos] switch
                {
                    "True" => true,
                    "False" => false,
                    var word => throw Error($"unexpected {Printable.Quote(word)}"),
                };
            }
            if (c == '[') throw Error("list values are not supported (structured dtype?)");
            return ParseInteger();
        }

        private List<long> ParseTuple()
        {
            Expect('(');
            var items = new List<long>();
            while (true)
            {
                SkipSpace();
                if (Peek() == ')') { pos++; return items; }
                items.Add(ParseInteger());
                SkipSpace();
                if (Peek() == ',') { pos++; continue; }
                Expect(')');
                return items;
            }
        }

        private long ParseInteger()
        {
            SkipSpace();
            int start = pos;
            if (Peek() == '-') pos++;
            while (pos < text.Length && char.IsAsciiDigit(text[pos])) pos++;
            if (!long.TryParse(text.AsSpan(start, pos - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
                throw Error($"expected an integer at {Snippet(start)}");
            if (pos < text.Length && text[pos] == 'L') pos++; // Python 2 long literal
            return v;
        }

        private string ParseString()
        {
            SkipSpace();
            char quote = Peek();
            if (quote is not ('\'' or '"')) throw Error($"expected a string at {Snippet(pos)}");
            int start = ++pos;
            while (pos < text.Length && text[pos] != quote)
            {
                if (text[pos] == '\\') throw Error("escaped characters in strings are not supported");
                pos++;
            }
            if (pos >= text.Length) throw Error("unterminated string");
            return text[start..pos++];
        }

        private void Expect(char c)
        {
            SkipSpace();
            if (Peek() != c) throw Error($"expected '{c}' at {Snippet(pos)}");
            pos++;
        }

        private char Peek() => pos < text.Length ? text[pos] : '\0';

        private void SkipSpace()
        {
            while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++;
        }

        private string Snippet(int at) => Printable.Quote(at >= text.Length ? "end of header" : text.Substring(at, Math.Min(12, text.Length - at)).TrimEnd());

        private InvalidDataException Error(string what) => new($"{path}: .npy header is not a valid dict literal: {what}");
    }
}
