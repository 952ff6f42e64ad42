using System.Buffers.Binary;
using CineKernel.Tests.WeightsLoader;
using CineKernel.WeightsLoader;
using CineKernel.WeightsLoader.Torch;
using NUnit.Framework;

namespace CineKernel.Tests.Parsers;

/// <summary>
/// One minimal reproducer per finding of the fuzzers (Tests/Fuzz) and of the property tests, built here byte
/// by byte: each is refused with the parser's documented exception, in one line naming the file, before any
/// allocation its claimed sizes would need.
/// </summary>
public class FuzzFindingTests : FileTestBase
{
    /// <summary>More than the parser's own bookkeeping, far less than what the hostile sizes claim.</summary>
    private const long SmallAllocation = 256 << 10;

    /// <summary>Runs <paramref name="read"/> twice (the first warms up) and returns the second refusal and its allocation.</summary>
    private static (string Message, long Allocated) Refuse(Action read)
    {
        Assert.Throws<InvalidDataException>(() => read());
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => read())!;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(e.Message, Does.Not.Contain("\n"));
        return (e.Message, allocated);
    }

    [Test]
    public void NpyHeaderLengthPastTheEndOfTheFileIsRefusedBeforeItsBufferIsAllocated()
    {
        // Found by the npy fuzzer: a version 2 header claiming 1 MB, in a 30-byte file, was allocated before it was read.
        var bytes = TestFiles.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new byte[4], major: 2)[..30];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 1 << 20);
        string path = WriteFile("long-header.npy", bytes);
        var (message, allocated) = Refuse(() => NpyReader.Read(path));
        Assert.That(message, Is.EqualTo($"{path}: .npy header is truncated (length 1048576 runs past the end of the file)"));
        Assert.That(allocated, Is.LessThan(SmallAllocation));
    }

    [Test]
    public void ZipEntryClaimingMoreBytesThanItHoldsIsRefusedBeforeItsBufferIsAllocated()
    {
        // Found by the torch-zip fuzzer: data.pkl's uncompressed size set to 15 MB in the central directory; the
        // reader allocated that much, then found 1442 bytes. Here: 512 MB claimed for a 2-byte pickle.
        var zip = TestFiles.TorchZip("c", new PickleBuilder().Proto().None().Stop().ToArray(), new Dictionary<string, byte[]>());
        SetCentralDirectorySize(zip, "c/data.pkl", 1u << 29);
        string path = WriteFile("claims.pt", zip);
        var (message, allocated) = Refuse(() => TorchCheckpoint.Open(path).Dispose());
        Assert.That(message, Is.EqualTo($"{path}: zip entry 'c/data.pkl' is truncated (4 of 536870912 bytes)"));
        Assert.That(allocated, Is.LessThan(SmallAllocation));
    }

    /// <summary>
    /// A storage whose byte length overflows: 2^62 + 1 float32 elements are 2^64 + 4 bytes, which wrapped to 4, so a
    /// 4-byte entry matched, and reading a 2^28-element tensor of it allocated 1 GB before failing with
    /// ArgumentOutOfRangeException. An expanded view (stride 0) over one stored float: 2^28 elements (1 GB as
    /// float32) from a file of a few hundred bytes.
    /// </summary>
    [TestCase((1L << 62) + 1, 1, "storage '0' of 4611686018427387905 float32 elements is larger than any file")]
    [TestCase(1L, 0, "tensor on storage '0': shape [268435456], stride [0], offset 0: 268435456 elements repeat the 1 of storage '0'")]
    public void StorageOrViewLargerThanTheFileBacksIsRefusedBeforeItIsRead(long count, long stride, string refusal)
    {
        var pickle = new PickleBuilder().Proto().EmptyDict()
            .Str("w").Tensor("FloatStorage", "0", count, 0, [1L << 28], [stride]).SetItem().Stop();
        string path = WriteFile("large.pt", TestFiles.TorchZip("c", pickle.ToArray(), new Dictionary<string, byte[]> { ["0"] = new byte[4] }));
        var (message, allocated) = Refuse(() => CheckpointConverter.Convert(path));
        Assert.That(message, Does.StartWith($"{path}: {refusal}"));
        Assert.That(allocated, Is.LessThan(SmallAllocation));
    }

    [Test]
    public void SmallExpandedViewsStillRead()
    {
        var pickle = new PickleBuilder().Proto().EmptyDict()
            .Str("w").Tensor("FloatStorage", "0", 1, 0, [2, 3], [0, 0]).SetItem().Stop();
        string path = WriteFile("expanded.pt", TestFiles.TorchZip("c", pickle.ToArray(), new Dictionary<string, byte[]> { ["0"] = TestFiles.Floats(7) }));
        var converted = CheckpointConverter.Convert(path);
        Assert.That(converted.Tensors.Single().Value.Data, Is.EqualTo(new float[] { 7, 7, 7, 7, 7, 7 }));
    }

    [Test]
    public void MissingStorageWithALineBreakInItsKeyIsNamedOnOneLine()
    {
        // Found by the torch-zip fuzzer: a mutated persistent id made the storage key a run of pickle bytes with a
        // newline; the message quoted it once escaped and once raw, so it spanned two lines.
        var pickle = new PickleBuilder().Proto().EmptyDict()
            .Str("w").Tensor("FloatStorage", "0\n1", 1, 0, [1], [1]).SetItem().Stop();
        string path = WriteFile("key.pt", TestFiles.TorchZip("c", pickle.ToArray(), new Dictionary<string, byte[]>()));
        var (message, _) = Refuse(() => CheckpointConverter.Convert(path));
        Assert.That(message, Is.EqualTo($"{path}: storage '0\\n1' is missing from the archive (no entry 'c/data/0\\n1')"));
    }

    /// <summary>Sets the uncompressed size the central directory records for an entry (what ZipArchiveEntry.Length reports).</summary>
    internal static void SetCentralDirectorySize(byte[] zip, string name, uint size)
    {
        var nameBytes = System.Text.Encoding.UTF8.GetBytes(name);
        for (int i = 0; i + 46 <= zip.Length; i++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i)) != 0x02014b50) continue;
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + 28));
            if (!zip.AsSpan(i + 46, nameLength).SequenceEqual(nameBytes)) continue;
            BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 24), size);
            return;
        }
        throw new ArgumentException($"no central directory entry {name}");
    }
}
