using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace CineKernel.WeightsLoader;

/// <summary>
/// Reads NumPy <c>.npy</c> files (format versions 1, 2 and 3) holding float16, float32 or float64 arrays in
/// either byte order (<c>'&lt;f2'</c>, <c>'&gt;f4'</c>, ...) and in C or Fortran order, as float32 in C order
/// (float64 rounds to nearest; float16 is exact). Everything else (other dtypes, a malformed header, data that
/// does not match the shape) is refused with an <see cref="InvalidDataException"/> naming the file.
/// </summary>
public static class NpyReader
{
    /// <summary>0x93 then "NUMPY".</summary>
    public static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Format versions 1 and 2 cap nothing, but no real header is near this; a larger one is corrupt.</summary>
    private const int MaxHeaderBytes = 1 << 20;

    /// <summary>What a dtype must be, for messages.</summary>
    private const string AcceptedDtypes = "float16, float32 or float64 in either byte order: '<f2', '<f4', '<f8', '>f2', '>f4', '>f8'";

    /// <summary>Reads the whole array as float32, C order.</summary>
    /// <exception cref="InvalidDataException">Not a .npy file, an unsupported version or dtype, a malformed header, or data that does not match the shape, naming the file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static TensorData Read(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read(path, fs, fs.Length, lengthIsBacked: true);
    }

    /// <summary>
    /// Reads one <c>.npy</c> file of <paramref name="length"/> bytes from <paramref name="stream"/> (from its
    /// current position), as float32 in C order. When <paramref name="lengthIsBacked"/> is false the length is
    /// only a claim (a compressed zip entry's stated size): buffers then grow with the bytes that actually
    /// arrive, never straight to the size the header claims. Messages call the file <paramref name="name"/>
    /// (its path, or <c>archive.npz:array</c>).
    /// </summary>
    /// <exception cref="InvalidDataException">As <see cref="Read(string)"/>, naming <paramref name="name"/>.</exception>
    public static TensorData Read(string name, Stream stream, long length, bool lengthIsBacked)
    {
        var header = ReadHeader(name, stream, length, lengthIsBacked);
        long count = header.ElementCount;
        long size = header.ElementType.Size();
        if (count > Array.MaxLength)
            throw new InvalidDataException($"{name}: shape {FormatShape(header.Shape)} has more elements than one array can hold");
        long needed = count * size;
        long available = length - header.DataOffset;
        if (available < needed)
            throw new InvalidDataException(
                $"{name}: data is truncated: {available} bytes, but shape {FormatShape(header.Shape)} of {header.ElementType.TorchName()} needs {needed}");
        if (available > needed)
            throw new InvalidDataException(
                $"{name}: {available - needed} unexpected bytes follow the data of shape {FormatShape(header.Shape)} of {header.ElementType.TorchName()}");

        var values = ElementStream.ReadSingles(name, stream, header.ElementType, header.BigEndian, count, lengthIsBacked);
        if (!lengthIsBacked && stream.ReadByte() >= 0)
            throw new InvalidDataException($"{name}: more bytes follow the data of shape {FormatShape(header.Shape)} than its stated length");
        return new TensorData(header.Shape, header.FortranOrder ? FortranToC(values, header.Shape) : values);
    }

    /// <summary>
    /// The values of an array of <paramref name="shape"/> stored in Fortran order (first index fastest) rearranged
    /// into C order (last index fastest). Read with the shape reversed, it does the opposite: C order to Fortran.
    /// </summary>
    /// <exception cref="ArgumentException">The values do not fill the shape.</exception>
    public static float[] FortranToC(float[] fortran, IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(fortran);
        if (ElementTypes.ElementCount(shape, "shape") != fortran.Length)
            throw new ArgumentException($"{fortran.Length} values do not fill shape {FormatShape(shape)}");
        if (shape.Count < 2) return fortran;
        var c = new float[fortran.Length];
        var index = new long[shape.Count];
        for (int i = 0; i < c.Length; i++)
        {
            long offset = 0;
            for (int d = shape.Count - 1; d >= 0; d--) offset = offset * shape[d] + index[d];
            c[i] = fortran[offset];
            for (int d = shape.Count - 1; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;
        }
        return c;
    }

    /// <summary>Reads and checks the header only.</summary>
    /// <exception cref="InvalidDataException">As <see cref="Read(string)"/>, for the header.</exception>
    public static NpyHeader ReadHeader(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ReadHeader(path, fs, fs.Length, lengthIsBacked: true);
    }

    /// <summary>
    /// Parses the header at the current position of <paramref name="stream"/>, a .npy file of
    /// <paramref name="length"/> bytes, and leaves the stream at the data.
    /// </summary>
    /// <exception cref="InvalidDataException">As <see cref="Read(string)"/>, for the header.</exception>
    public static NpyHeader ReadHeader(string name, Stream stream, long length, bool lengthIsBacked)
    {
        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8 || !prefix[..6].SequenceEqual(Magic))
            throw new InvalidDataException($"{name}: not a .npy file (bad magic string)");
        int major = prefix[6];
        int lengthBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new InvalidDataException($"{name}: .npy format version {major}.{prefix[7]} is not supported (1, 2 or 3)"),
        };
        Span<byte> lengthField = stackalloc byte[4];
        if (stream.ReadAtLeast(lengthField[..lengthBytes], lengthBytes, throwOnEndOfStream: false) < lengthBytes)
            throw new InvalidDataException($"{name}: .npy header is truncated");
        long headerLength = lengthBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthField) : BinaryPrimitives.ReadUInt32LittleEndian(lengthField);
        if (headerLength > MaxHeaderBytes)
            throw new InvalidDataException($"{name}: .npy header length {headerLength} is implausibly large");
        // Refuse a length the file cannot hold before allocating for it.
        long offset = 8 + lengthBytes;
        if (headerLength > length - offset)
            throw HeaderTruncated(name, headerLength);
        var headerBytes = new byte[lengthIsBacked ? headerLength : Math.Min(headerLength, 4096)];
        int read = 0;
        while (true)
        {
            read += stream.ReadAtLeast(headerBytes.AsSpan(read), headerBytes.Length - read, throwOnEndOfStream: false);
            if (read < headerBytes.Length || read == headerLength) break;
            Array.Resize(ref headerBytes, (int)Math.Min(headerLength, 2L * headerBytes.Length));
        }
        if (read < headerLength)
            throw HeaderTruncated(name, headerLength);
        // Versions 1 and 2 store the header in latin-1, version 3 in UTF-8.
        string text = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);
        var fields = new HeaderParser(name, text).ParseDict();

        foreach (var key in fields.Keys)
            if (key is not ("descr" or "fortran_order" or "shape"))
                throw new InvalidDataException($"{name}: .npy header has an unexpected key {Printable.Quote(key)}");
        if (!fields.TryGetValue("descr", out var descrValue) || descrValue is not string descr)
            throw new InvalidDataException($"{name}: .npy header has no string 'descr' (structured dtypes are not supported)");
        if (!fields.TryGetValue("fortran_order", out var fortranValue) || fortranValue is not bool fortran)
            throw new InvalidDataException($"{name}: .npy header has no boolean 'fortran_order'");
        if (!fields.TryGetValue("shape", out var shapeValue) || shapeValue is not List<long> shapeList)
            throw new InvalidDataException($"{name}: .npy header has no integer tuple 'shape'");
        var type = descr.Length == 3 && descr[1] == 'f' && descr[0] is ('<' or '>')
            ? descr[2] switch
            {
                '2' => ElementType.F16,
                '4' => ElementType.F32,
                '8' => ElementType.F64,
                _ => (ElementType?)null,
            }
            : null;
        if (type is null)
            throw new InvalidDataException($"{name}: dtype {Printable.Quote(descr)} is not supported ({AcceptedDtypes})");
        var shape = shapeList.ToArray();
        foreach (long d in shape)
            if (d < 0) throw new InvalidDataException($"{name}: shape {FormatShape(shape)} has a negative dimension");
        ElementTypes.ElementCount(shape, name);
        return new NpyHeader(major, descr, type.Value, descr[0] == '>', fortran, shape, offset + headerLength);
    }

    private static InvalidDataException HeaderTruncated(string name, long headerLength) =>
        new($"{name}: .npy header is truncated (length {headerLength} runs past the end of the file)");

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
