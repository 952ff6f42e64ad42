using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using NUnit.Framework;

namespace CineKernel.Tests.WeightsLoader;

/// <summary>A fresh temporary directory per test, removed afterwards.</summary>
public abstract class FileTestBase
{
    protected string Dir { get; private set; } = "";

    [SetUp]
    public void CreateDirectory()
    {
        Dir = Path.Combine(Path.GetTempPath(), "cinekernel-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Dir);
    }

    [TearDown]
    public void DeleteDirectory()
    {
        if (Directory.Exists(Dir)) Directory.Delete(Dir, recursive: true);
    }

    protected string PathOf(string name) => Path.Combine(Dir, name);

    protected string WriteFile(string name, byte[] bytes)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>The golden checkpoints copied into Tests/Data/checkpoints.</summary>
    protected static string Checkpoint(string name) =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "checkpoints", name);
}

/// <summary>Hand-made file contents, for the malformed and hostile cases the writers never produce.</summary>
public static class TestFiles
{
    /// <summary>A safetensors file from a raw header string and raw data (the length prefix computed, or given).</summary>
    public static byte[] Safetensors(string header, byte[] data, ulong? headerLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    public static byte[] Doubles(params double[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), values[i]);
        return bytes;
    }

    public static byte[] UInt16s(params ushort[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), values[i]);
        return bytes;
    }

    /// <summary>A .npy file with the given header dict text (padded and newline-terminated) and data.</summary>
    public static byte[] Npy(string dict, byte[] data, int major = 1)
    {
        int lengthBytes = major == 1 ? 2 : 4;
        int prefix = 8 + lengthBytes;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64;
        var header = Encoding.Latin1.GetBytes(dict.PadRight(total - prefix - 1) + "\n");
        using var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0]);
        var length = new byte[lengthBytes];
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)header.Length);
        ms.Write(length);
        ms.Write(header);
        ms.Write(data);
        return ms.ToArray();
    }

    /// <summary>A zip-format checkpoint: FOLDER/data.pkl, FOLDER/version and FOLDER/data/KEY per storage, stored uncompressed as torch does.</summary>
    public static byte[] TorchZip(string folder, byte[] pickle, IReadOnlyDictionary<string, byte[]> storages,
        IReadOnlyDictionary<string, byte[]>? otherEntries = null)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] content)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
                using var s = entry.Open();
                s.Write(content);
            }
            Add($"{folder}/data.pkl", pickle);
            Add($"{folder}/version", "3\n"u8.ToArray());
            foreach (var (key, bytes) in storages) Add($"{folder}/data/{key}", bytes);
            foreach (var (name, bytes) in otherEntries ?? new Dictionary<string, byte[]>()) Add($"{folder}/{name}", bytes);
        }
        return ms.ToArray();
    }
}

/// <summary>
/// Emits pickle opcodes (protocol 2), so tests can build exactly the byte stream they need, hostile ones
/// included, without Python.
/// </summary>
public sealed class PickleBuilder
{
    private readonly MemoryStream bytes = new();

    public PickleBuilder Op(byte opcode)
    {
        bytes.WriteByte(opcode);
        return this;
    }

    public PickleBuilder Raw(params byte[] raw)
    {
        bytes.Write(raw);
        return this;
    }

    public PickleBuilder Proto(byte version = 2) => Op(0x80).Raw(version);
    public PickleBuilder Mark() => Op((byte)'(');
    public PickleBuilder Stop() => Op((byte)'.');
    public PickleBuilder None() => Op((byte)'N');
    public PickleBuilder Bool(bool v) => Op(v ? (byte)0x88 : (byte)0x89);
    public PickleBuilder EmptyDict() => Op((byte)'}');
    public PickleBuilder EmptyList() => Op((byte)']');
    public PickleBuilder EmptyTuple() => Op((byte)')');
    public PickleBuilder Tuple() => Op((byte)'t');
    public PickleBuilder Tuple1() => Op(0x85);
    public PickleBuilder Tuple2() => Op(0x86);
    public PickleBuilder Tuple3() => Op(0x87);
    public PickleBuilder SetItem() => Op((byte)'s');
    public PickleBuilder SetItems() => Op((byte)'u');
    public PickleBuilder Append() => Op((byte)'a');
    public PickleBuilder Appends() => Op((byte)'e');
    public PickleBuilder Reduce() => Op((byte)'R');
    public PickleBuilder Build() => Op((byte)'b');
    public PickleBuilder NewObj() => Op(0x81);
    public PickleBuilder BinPersId() => Op((byte)'Q');
    public PickleBuilder Put(byte index) => Op((byte)'q').Raw(index);
    public PickleBuilder Get(byte index) => Op((byte)'h').Raw(index);

    public PickleBuilder Int(long v)
    {
        if (v is >= 0 and < 256) return Op((byte)'K').Raw((byte)v);
        if (v is >= 0 and < 65536) return Op((byte)'M').Raw((byte)v, (byte)(v >> 8));
        if (v is >= int.MinValue and <= int.MaxValue)
        {
            var b = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)v);
            return Op((byte)'J').Raw(b);
        }
        var l = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(l, v);
        return Op(0x8a).Raw(8).Raw(l);
    }

    public PickleBuilder Float(double v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, v);
        return Op((byte)'G').Raw(b);
    }

    public PickleBuilder Str(string s)
    {
        var utf8 = Encoding.UTF8.GetBytes(s);
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)utf8.Length);
        return Op((byte)'X').Raw(length).Raw(utf8);
    }

    public PickleBuilder Global(string module, string name) =>
        Op((byte)'c').Raw(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));

    public PickleBuilder Ints(params long[] values)
    {
        Mark();
        foreach (long v in values) Int(v);
        return Tuple();
    }

    /// <summary>
    /// <c>_rebuild_tensor_v2(pid, offset, size, stride, False, OrderedDict())</c> with a zip-format persistent id
    /// <c>('storage', torch.STORAGE, key, 'cpu', numel)</c>.
    /// </summary>
    public PickleBuilder Tensor(string storageType, string key, long numel, long offset, long[] size, long[] stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2");
        Mark();
        Mark().Str("storage").Global("torch", storageType).Str(key).Str("cpu").Int(numel).Tuple().BinPersId();
        Int(offset).Ints(size).Ints(stride).Bool(false);
        Global("collections", "OrderedDict").EmptyTuple().Reduce();
        return Tuple().Reduce();
    }

    public byte[] ToArray() => bytes.ToArray();
}
