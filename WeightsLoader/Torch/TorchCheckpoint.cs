using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using Microsoft.Win32.SafeHandles;

namespace CineKernel.WeightsLoader.Torch;

/// <summary>
/// A PyTorch checkpoint (<c>torch.save</c> output) read without Python: the zip format of PyTorch ≥ 1.6
/// (<c>NAME/data.pkl</c> plus one entry <c>NAME/data/KEY</c> per storage) and the legacy format before it
/// (magic-number pickle, protocol pickle, sys-info pickle, the object pickle, the storage-key pickle,
/// then each storage as an int64 element count and its raw bytes). The object tree comes from the
/// <see cref="PickleReader"/>; storages are checked to exist with the right size when the file is opened,
/// and read only when a tensor is.
/// </summary>
public sealed class TorchCheckpoint : IDisposable
{
    /// <summary>The first pickle of a legacy file holds this number.</summary>
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("119547037146038801333356");

    private const int LegacyProtocolVersion = 1001;

    private readonly IDisposable resource;

    private TorchCheckpoint(string path, string format, object? root, IReadOnlyList<TorchStorage> storages, IDisposable resource)
    {
        Path = path;
        Format = format;
        Root = root;
        Storages = storages;
        this.resource = resource;
    }

    public string Path { get; }

    /// <summary><c>zip</c> or <c>legacy</c>.</summary>
    public string Format { get; }

    /// <summary>The unpickled object: usually a dict (a state_dict, or a training checkpoint's dict of them).</summary>
    public object? Root { get; }

    public IReadOnlyList<TorchStorage> Storages { get; }

    /// <summary>True if the first bytes look like either checkpoint format (zip local header, or PROTO 2 + LONG1).</summary>
    public static bool HasSignature(ReadOnlySpan<byte> head) =>
        head.StartsWith("PK\x03\x04"u8) || head.StartsWith((ReadOnlySpan<byte>)[0x80, 0x02, 0x8a]);

    /// <summary>Opens the checkpoint, unpickles its object tree and checks that every storage exists with its size.</summary>
    /// <exception cref="InvalidDataException">Not a checkpoint, a corrupt archive or pickle, a refused global or opcode, or a storage or tensor that does not fit, naming the file.</exception>
    public static TorchCheckpoint Open(string path)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            Span<byte> head = stackalloc byte[4];
            int n = fs.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            fs.Position = 0;
            if (head[..n].StartsWith("PK"u8)) return OpenZip(path, fs);
            if (n >= 1 && head[0] == 0x80) return OpenLegacy(path, fs);
            if (fs.Length >= 262 && IsTar(fs))
                throw new InvalidDataException($"{path}: tar-format checkpoints (PyTorch before 0.4) are not supported; re-save with a newer torch.save");
            throw new InvalidDataException($"{path}: not a PyTorch checkpoint (neither the zip nor the legacy pickle format)");
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    private static bool IsTar(FileStream fs)
    {
        var magic = new byte[5];
        fs.Position = 257;
        fs.ReadExactly(magic);
        fs.Position = 0;
        return magic.AsSpan().SequenceEqual("ustar"u8);
    }

    // ---- zip format ----

    private static TorchCheckpoint OpenZip(string path, FileStream fs)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(fs, ZipArchiveMode.Read, leaveOpen: false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: not a readable zip archive ({OneLine(e.Message)})");
        }
        try
        {
            var pickles = archive.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
                                                     && e.FullName.IndexOf('/') == e.FullName.Length - "/data.pkl".Length).ToList();
            if (pickles.Count != 1)
                throw new InvalidDataException(pickles.Count == 0
                    ? $"{path}: zip archive has no NAME/data.pkl entry, so it is not a PyTorch checkpoint"
                    : $"{path}: zip archive has {pickles.Count} data.pkl entries ({string.Join(", ", pickles.Select(e => Printable.Quote(e.FullName)))})");
            string prefix = pickles[0].FullName[..^"data.pkl".Length];
            var byteOrder = archive.GetEntry(prefix + "byteorder");
            if (byteOrder is not null)
            {
                string order = System.Text.Encoding.ASCII.GetString(ReadEntry(path, byteOrder, 16, exact: false)).Trim();
                if (order != "little") throw new InvalidDataException($"{path}: byteorder {Printable.Quote(order)} is not supported (only little-endian)");
            }

            var source = new ZipStorageSource(path, archive, prefix);
            var storages = new Dictionary<string, TorchStorage>();
            byte[] pickle = ReadEntry(path, pickles[0], 1L << 30, exact: true);
            object? root = PickleReader.Load(path, pickle, pid =>
            {
                var (type, key, location, count, _) = ParseStorageId(path, pid, legacy: false);
                return Intern(path, storages, new TorchStorage(key, type, count, location, source), key);
            });
            foreach (var storage in storages.Values) source.Check(storage);
            return new TorchCheckpoint(path, "zip", root, storages.Values.ToList(), archive);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException
                                  && !e.Message.StartsWith(path + ": ", StringComparison.Ordinal))
        {
            // The archive reads its central directory lazily: a corrupt one fails here, not in the constructor.
            archive.Dispose();
            throw new InvalidDataException($"{path}: corrupt zip archive ({OneLine(e.Message)})");
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    /// <summary>The first read of a compressed zip entry, before its data shows that it holds more.</summary>
    private const int UnbackedChunk = 1 << 16;

    private static byte[] ReadEntry(string path, ZipArchiveEntry entry, long limit, bool exact)
    {
        long fileLength = new FileInfo(path).Length;
        if (entry.CompressedLength > fileLength)
            throw new InvalidDataException($"{path}: zip entry {Printable.Quote(entry.FullName)} claims {entry.CompressedLength} bytes, more than the whole file");
        if (entry.Length > limit) throw new InvalidDataException($"{path}: zip entry {Printable.Quote(entry.FullName)} is {entry.Length} bytes, more than the {limit} allowed");
        // A stored entry's size is backed by bytes in the file; a compressed one's is only a claim, so its
        // buffer grows with the bytes that actually come out, never straight to the size the header states.
        bool backedByFile = entry.Length <= entry.CompressedLength;
        var bytes = new byte[backedByFile ? entry.Length : Math.Min(entry.Length, UnbackedChunk)];
        try
        {
            using var s = entry.Open();
            int read = 0;
            while (true)
            {
                read += s.ReadAtLeast(bytes.AsSpan(read), bytes.Length - read, throwOnEndOfStream: false);
                if (read < bytes.Length || bytes.Length == entry.Length) break;
                Array.Resize(ref bytes, (int)Math.Min(entry.Length, 2L * bytes.Length));
            }
            if (exact && read < entry.Length)
                throw new InvalidDataException($"{path}: zip entry {Printable.Quote(entry.FullName)} is truncated ({read} of {entry.Length} bytes)");
            return read == bytes.Length ? bytes : bytes[..read];
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: zip entry {Printable.Quote(entry.FullName)} is corrupt ({OneLine(e.Message)})");
        }
        catch (Exception e) when (e is IOException or NotSupportedException && e is not FileNotFoundException)
        {
            throw new InvalidDataException($"{path}: zip entry {Printable.Quote(entry.FullName)} cannot be read ({OneLine(e.Message)})");
        }
    }

    private sealed class ZipStorageSource(string path, ZipArchive archive, string prefix) : IStorageSource
    {
        private readonly Lock gate = new();

        private ZipArchiveEntry Entry(TorchStorage storage) =>
            archive.GetEntry(prefix + "data/" + storage.Key)
            ?? throw new InvalidDataException($"{path}: storage {Printable.Quote(storage.Key)} is missing from the archive (no entry {Printable.Quote(prefix + "data/" + storage.Key)})");

        public void Check(TorchStorage storage)
        {
            var entry = Entry(storage);
            if (entry.Length != storage.ByteLength)
                throw new InvalidDataException(
                    $"{path}: storage {Printable.Quote(storage.Key)} holds {entry.Length} bytes, but {storage.ElementCount} {storage.Type.TorchName()} elements need {storage.ByteLength}");
        }

        public byte[] Read(TorchStorage storage)
        {
            lock (gate) return ReadEntry(path, Entry(storage), Math.Min(storage.ByteLength, Array.MaxLength), exact: true);
        }
    }

    // ---- legacy format ----

    private static TorchCheckpoint OpenLegacy(string path, FileStream fs)
    {
        var magic = new PickleReader(path, fs).Load();
        if (magic is not BigInteger number || number != LegacyMagic)
            throw new InvalidDataException($"{path}: legacy checkpoint has the wrong magic number ({PyTypes.Repr(magic)})");
        var protocol = new PickleReader(path, fs).Load();
        if (protocol is not long version || version != LegacyProtocolVersion)
            throw new InvalidDataException($"{path}: legacy checkpoint protocol {PyTypes.Repr(protocol)} is not supported (expected {LegacyProtocolVersion})");
        var sysInfo = new PickleReader(path, fs).Load() as PyDict
            ?? throw new InvalidDataException($"{path}: legacy checkpoint sys-info is not a dict");
        if (sysInfo.Get("little_endian") is not true)
            throw new InvalidDataException($"{path}: legacy checkpoint was saved big-endian, which is not supported");

        var source = new LegacyStorageSource(path, fs.SafeFileHandle);
        var roots = new Dictionary<string, TorchStorage>();
        var views = new Dictionary<string, TorchStorage>();
        object? root = new PickleReader(path, fs, pid =>
        {
            var (type, key, location, count, view) = ParseStorageId(path, pid, legacy: true);
            var rootStorage = Intern(path, roots, new TorchStorage(key, type, count, location, source), key);
            if (view is null) return rootStorage;
            var (viewKey, offset, size) = view.Value;
            if (offset < 0 || size < 0 || offset > rootStorage.ElementCount || size > rootStorage.ElementCount - offset)
                throw new InvalidDataException(
                    $"{path}: storage view {Printable.Quote(viewKey)} [{offset}, +{size}) lies outside storage {Printable.Quote(key)} of {rootStorage.ElementCount} elements");
            return Intern(path, views, new TorchStorage(key, type, size, location, source, offset), viewKey);
        }).Load();

        var keys = new PickleReader(path, fs).Load() as PyList
            ?? throw new InvalidDataException($"{path}: legacy checkpoint storage-key list is missing or not a list");
        long position = fs.Position;
        long length = fs.Length;
        var seen = new HashSet<string>();
        foreach (var k in keys)
        {
            if (k is not string key) throw new InvalidDataException($"{path}: legacy storage key {PyTypes.Repr(k)} is not a string");
            if (!roots.TryGetValue(key, out var storage))
                throw new InvalidDataException($"{path}: legacy storage {Printable.Quote(key)} is stored but no tensor refers to it, so its type is unknown");
            if (!seen.Add(key)) throw new InvalidDataException($"{path}: legacy storage {Printable.Quote(key)} is stored twice");
            if (length - position < 8) throw new InvalidDataException($"{path}: file is truncated at the size of storage {Printable.Quote(key)}");
            var sizeBytes = new byte[8];
            RandomAccess.Read(fs.SafeFileHandle, sizeBytes, position);
            long count = BinaryPrimitives.ReadInt64LittleEndian(sizeBytes);
            if (count != storage.ElementCount)
                throw new InvalidDataException($"{path}: legacy storage {Printable.Quote(key)} stores {count} elements, but the pickle says {storage.ElementCount}");
            position += 8;
            if (length - position < storage.ByteLength)
                throw new InvalidDataException(
                    $"{path}: file is truncated in storage {Printable.Quote(key)} ({length - position} of {storage.ByteLength} bytes present)");
            source.Offsets[key] = position;
            position += storage.ByteLength;
        }
        foreach (var key in roots.Keys)
            if (!seen.Contains(key)) throw new InvalidDataException($"{path}: storage {Printable.Quote(key)} is referenced but not stored in the file");
        return new TorchCheckpoint(path, "legacy", root, roots.Values.ToList(), fs);
    }

    private sealed class LegacyStorageSource(string path, SafeFileHandle handle) : IStorageSource
    {
        public Dictionary<string, long> Offsets { get; } = new();

        public byte[] Read(TorchStorage storage)
        {
            if (storage.ByteLength > Array.MaxLength) throw new InvalidDataException($"{path}: storage {Printable.Quote(storage.Key)} is too large to read");
            var bytes = new byte[storage.ByteLength];
            long offset = Offsets[storage.Key] + storage.ViewOffset * storage.Type.Size();
            // RandomAccess reads at an offset without moving a shared position: safe from several threads.
            int read = 0;
            while (read < bytes.Length)
            {
                int n = RandomAccess.Read(handle, bytes.AsSpan(read), offset + read);
                if (n == 0) throw new InvalidDataException($"{path}: storage {Printable.Quote(storage.Key)} is truncated");
                read += n;
            }
            return bytes;
        }
    }

    // ---- persistent ids ----

    /// <summary>
    /// <c>('storage', torch.FloatStorage, key, location, numel)</c> in the zip format; the legacy format adds
    /// a view: <c>None</c> or <c>(view_key, offset, view_size)</c>.
    /// </summary>
    private static (ElementType Type, string Key, string Location, long Count, (string, long, long)? View) ParseStorageId(
        string path, object? pid, bool legacy)
    {
        if (pid is not PyTuple t || t.Count == 0)
            throw new InvalidDataException($"{path}: persistent id {PyTypes.Repr(pid)} is not a storage reference");
        if (t[0] is "module")
            throw new InvalidDataException($"{path}: the checkpoint pickles whole modules (source code), which is not supported; save a state_dict");
        int expected = legacy ? 6 : 5;
        if (t[0] is not "storage" || t.Count != expected)
            throw new InvalidDataException($"{path}: persistent id {PyTypes.Repr(pid)} is not a {expected}-field storage reference");
        if (t[1] is not PyGlobal { Module: "torch" } storageType || !PickleReader.StorageTypes.TryGetValue(storageType.Name, out var type))
            throw new InvalidDataException($"{path}: persistent id names {PyTypes.Repr(t[1])}, not a torch storage type");
        if (t[2] is not string key || key.Length == 0 || key.Contains('/') || key.Contains('\\') || key.Contains(".."))
            throw new InvalidDataException($"{path}: storage key {PyTypes.Repr(t[2])} is not a plain name");
        string location = t[3] as string ?? throw new InvalidDataException($"{path}: storage {Printable.Quote(key)} location is not a string");
        if (t[4] is not long count || count < 0)
            throw new InvalidDataException($"{path}: storage {Printable.Quote(key)} size {PyTypes.Repr(t[4])} is not a non-negative int");
        // Its byte length must not overflow: an overflowed one could match a tiny entry and pass every later check.
        if (count > long.MaxValue / type.Size())
            throw new InvalidDataException($"{path}: storage {Printable.Quote(key)} of {count} {type.TorchName()} elements is larger than any file");
        (string, long, long)? view = null;
        if (legacy && t[5] is not null)
        {
            if (t[5] is not PyTuple { Count: 3 } v || v[0] is not string viewKey || v[1] is not long offset || v[2] is not long size)
                throw new InvalidDataException($"{path}: storage {Printable.Quote(key)} view {PyTypes.Repr(t[5])} is not (key, offset, size)");
            view = (viewKey, offset, size);
        }
        return (type, key, location, count, view);
    }

    /// <summary>One storage object per key, as in torch.load; a key seen again must agree on type and size.</summary>
    private static TorchStorage Intern(string path, Dictionary<string, TorchStorage> storages, TorchStorage storage, string k)
    {
        if (!storages.TryGetValue(k, out var existing))
        {
            storages[k] = storage;
            return storage;
        }
        if (existing.Type != storage.Type || existing.ElementCount != storage.ElementCount || existing.ViewOffset != storage.ViewOffset)
            throw new InvalidDataException(
                $"{path}: storage {Printable.Quote(k)} is referenced as {existing.ElementCount} {existing.Type.TorchName()} and as {storage.ElementCount} {storage.Type.TorchName()}");
        return existing;
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");

    public void Dispose() => resource.Dispose();
}
