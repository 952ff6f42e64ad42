using System.Buffers.Binary;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// Structural completeness checks for PNG and JPEG files, run before decoding because ImageSharp 2.1
/// silently decodes a truncated file (the rows it never received stay black). Each returns null for a
/// complete file or a short description of the first defect. Only the container is walked (chunk
/// lengths, segment lengths, markers); pixel data is left to the decoder, which checks PNG CRCs itself.
/// Bytes after the end (PNG IEND, JPEG EOI) are allowed: cameras and editors append data there.
/// </summary>
internal static class ContainerCheck
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Walks the PNG chunk list: every chunk must fit in the file and the list must reach IEND.</summary>
    public static string? PngDamage(ReadOnlySpan<byte> file)
    {
        if (file.Length < PngSignature.Length || !file[..PngSignature.Length].SequenceEqual(PngSignature))
            return "no PNG signature";
        long position = PngSignature.Length;
        string previous = "the signature";
        while (true)
        {
            if (position + 8 > file.Length)
                return $"the file ends after {previous}, before the IEND chunk";
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file.Slice((int)position, 4));
            string type = ChunkName(file.Slice((int)position + 4, 4));
            if (length > int.MaxValue)
                return $"chunk {type} at byte {position} declares an impossible length {length}";
            long end = position + 12 + length; // length, type, data, CRC
            if (end > file.Length)
                return $"the file ends inside chunk {type} (byte {file.Length} of {end}), before the IEND chunk";
            if (type == "IEND") return null;
            previous = $"chunk {type}";
            position = end;
        }
    }

    /// <summary>
    /// Walks the JPEG marker segments and the entropy-coded data after each SOS (0xFF00 stuffing and RSTn
    /// markers skipped) until the EOI marker; every segment must fit in the file.
    /// </summary>
    public static string? JpegDamage(ReadOnlySpan<byte> file)
    {
        const string missingEnd = "the file ends before the JPEG end-of-image marker";
        if (file.Length < 2 || file[0] != 0xFF || file[1] != 0xD8)
            return "no JPEG start-of-image marker";
        int position = 2;
        while (true)
        {
            if (position >= file.Length) return missingEnd;
            if (file[position] != 0xFF)
                return $"expected a JPEG marker at byte {position}, found 0x{file[position]:X2}";
            while (position < file.Length && file[position] == 0xFF) position++; // fill bytes
            if (position >= file.Length) return missingEnd;
            byte marker = file[position++];
            if (marker == 0xD9) return null; // EOI
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue; // TEM, RSTn: no length
            if (marker == 0x00 || marker == 0xD8)
                return $"unexpected JPEG marker 0xFF{marker:X2} at byte {position - 2}";
            if (position + 2 > file.Length) return missingEnd;
            int length = BinaryPrimitives.ReadUInt16BigEndian(file.Slice(position, 2));
            if (length < 2)
                return $"JPEG segment 0xFF{marker:X2} at byte {position - 2} declares a length of {length}";
            if (position + length > file.Length)
                return $"the file ends inside JPEG segment 0xFF{marker:X2} (byte {file.Length} of {position + length})";
            position += length;
            if (marker == 0xDA)
            {
                position = EndOfEntropyCodedData(file, position);
                if (position < 0) return missingEnd;
            }
        }
    }

    /// <summary>
    /// Checked before ImageSharp reads a BMP header at all: its pixel data offset must lie inside the file.
    /// ImageSharp 2.1 sizes the palette by that offset and allocates it before reading, so a 60-byte file
    /// claiming an offset of 1.6 GB made even Identify allocate 1.6 GB. <paramref name="head"/> is the start
    /// of the file (at least 14 bytes for a BMP), <paramref name="fileLength"/> its whole length.
    /// </summary>
    public static string? BmpHeaderDamage(ReadOnlySpan<byte> head, long fileLength)
    {
        if (head.Length < 2 || head[0] != (byte)'B' || head[1] != (byte)'M') return null;
        if (head.Length < 14) return "the file ends inside the BMP file header";
        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(head[10..]);
        return offset > fileLength ? $"the BMP pixel data offset {offset} lies past the end of the file ({fileLength} bytes)" : null;
    }

    /// <summary>The position of the next real marker's 0xFF after entropy-coded data, or −1 at the end of the file.</summary>
    private static int EndOfEntropyCodedData(ReadOnlySpan<byte> file, int position)
    {
        while (true)
        {
            int ff = file[position..].IndexOf((byte)0xFF);
            if (ff < 0) return -1;
            int at = position + ff;
            int next = at + 1;
            while (next < file.Length && file[next] == 0xFF) next++; // fill bytes before a marker
            if (next >= file.Length) return -1;
            byte b = file[next];
            if (b == 0x00 || (b >= 0xD0 && b <= 0xD7))
            {
                position = next + 1; // stuffed 0xFF data byte, or a restart marker inside the scan
                continue;
            }
            return next - 1;
        }
    }

    private static string ChunkName(ReadOnlySpan<byte> type)
    {
        Span<char> name = stackalloc char[4];
        for (int i = 0; i < 4; i++) name[i] = type[i] is >= 0x20 and < 0x7F ? (char)type[i] : '?';
        return new string(name);
    }
}
