using System.IO.Compression;

namespace CineKernel.WeightsLoader;

/// <summary>
/// Reads NumPy <c>.npz</c> archives (<c>np.savez</c>, <c>np.savez_compressed</c>): a zip of <c>NAME.npy</c>
/// entries, stored or deflated, each read by <see cref="NpyReader"/>. Every size the archive states is checked
/// before it is trusted: a stored entry must lie within the file; a compressed entry may claim at most
/// <see cref="MaxArrayBytes"/> (so a zip bomb is refused), and its buffers grow with the bytes that actually
/// come out of the decompressor, never straight to the claimed size.
/// </summary>
public static class NpzReader
{
    /// <summary>The largest uncompressed array entry accepted, in bytes (1 GiB: an 8192² float64 motion field).</summary>
    public const long MaxArrayBytes = 1L << 30;

    /// <summary>At most this many array names are listed in a message.</summary>
    private const int ListedNames = 8;

    /// <summary>The names of the arrays (the entries' names without <c>.npy</c>), in archive order.</summary>
    /// <exception cref="InvalidDataException">Not a readable zip archive, or one holding no <c>.npy</c> entry, naming the file.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IReadOnlyList<string> ArrayNames(string path) => WithArchive(path, archive => Arrays(path, archive).Select(e => e.Name).ToList());

    /// <summary>
    /// Reads one array as float32 in C order (see <see cref="NpyReader"/> for the dtypes and orders accepted):
    /// the one named <paramref name="name"/>, or, when it is null, the only array of the archive.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// Not a readable zip archive; no <c>.npy</c> entry; no array of that name; several arrays and no name (the
    /// message lists them); an entry larger than <see cref="MaxArrayBytes"/> or than the file; or a refusal of
    /// <see cref="NpyReader"/>. One line, naming the file.
    /// </exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static TensorData Read(string path, string? name) => WithArchive(path, archive =>
    {
        var arrays = Arrays(path, archive);
        (string Name, ZipArchiveEntry Entry) chosen;
        if (name is null)
        {
            if (arrays.Count > 1)
                throw new InvalidDataException($"{path}: .npz archive holds {arrays.Count} arrays ({List(arrays)}); name one as {path}:NAME");
            chosen = arrays[0];
        }
        else
        {
            var matches = arrays.Where(a => a.Name == name).ToList();
            if (matches.Count == 0)
                throw new InvalidDataException($"{path}: .npz archive has no array {Printable.Quote(name)} (it holds {List(arrays)})");
            if (matches.Count > 1)
                throw new InvalidDataException($"{path}: .npz archive holds the array {Printable.Quote(name)} {matches.Count} times");
            chosen = matches[0];
        }
        return ReadEntry(path, chosen.Name, chosen.Entry);
    });

    private static TensorData ReadEntry(string path, string arrayName, ZipArchiveEntry entry)
    {
        string label = $"{path}:{Printable.Clean(arrayName)}";
        long fileLength = new FileInfo(path).Length;
        if (entry.CompressedLength > fileLength)
            throw new InvalidDataException($"{label}: the entry claims {entry.CompressedLength} compressed bytes, more than the whole {fileLength}-byte file");
        if (entry.Length > MaxArrayBytes)
            throw new InvalidDataException($"{label}: the entry claims {entry.Length} bytes, more than the {MaxArrayBytes} accepted");
        // A stored entry's size is backed by bytes in the file; a compressed one's is only a claim.
        bool backed = entry.Length <= entry.CompressedLength;
        using var stream = entry.Open();
        return NpyReader.Read(label, stream, entry.Length, backed);
    }

    /// <summary>The .npy entries, as (name without .npy, entry); at least one.</summary>
    private static List<(string Name, ZipArchiveEntry Entry)> Arrays(string path, ZipArchive archive)
    {
        var arrays = archive.Entries.Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal))
            .Select(e => (e.FullName[..^".npy".Length], e)).ToList();
        if (arrays.Count == 0)
        {
            string entries = archive.Entries.Count == 0 ? "no entries"
                : $"entries {string.Join(", ", archive.Entries.Take(ListedNames).Select(e => Printable.Quote(e.FullName, 60)))}{(archive.Entries.Count > ListedNames ? ", ..." : "")}";
            throw new InvalidDataException($"{path}: zip archive holds no .npy array ({entries}), so it is not a .npz");
        }
        return arrays;
    }

    private static string List(List<(string Name, ZipArchiveEntry Entry)> arrays) =>
        string.Join(", ", arrays.Take(ListedNames).Select(a => Printable.Quote(a.Name, 60))) +
        (arrays.Count > ListedNames ? $" and {arrays.Count - ListedNames} more" : "");

    /// <summary>Opens the archive and runs <paramref name="read"/>, turning the zip reader's own failures into one line naming the file.</summary>
    private static T WithArchive<T>(string path, Func<ZipArchive, T> read)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            // The archive reads its central directory in the constructor or on first use of Entries;
            // entries' local headers and compressed data fail only when opened or read.
            using var archive = new ZipArchive(fs, ZipArchiveMode.Read, leaveOpen: true);
            return read(archive);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException
                                  && e is not FileNotFoundException && !e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: not a readable .npz (zip) archive: {Printable.Clean(e.Message.ReplaceLineEndings(" "), 200)}");
        }
    }
}
