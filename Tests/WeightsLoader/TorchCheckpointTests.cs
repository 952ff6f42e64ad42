using CineKernel.WeightsLoader;
using CineKernel.WeightsLoader.Torch;
using NUnit.Framework;

namespace CineKernel.Tests.WeightsLoader;

public class TorchCheckpointTests : FileTestBase
{
    private static readonly Dictionary<string, byte[]> SmallStorages = new()
    {
        ["0"] = TestFiles.Floats(1, 2, 3, 4, 5, 6),
        ["1"] = TestFiles.Floats(10, 20, 30),
        ["2"] = TestFiles.UInt16s(0x3C00, 0xC000),
    };

    /// <summary>{'w': 2×3, 'wt': its transpose (a strided view of the same storage), 'b': a slice at offset 1, 'h': float16}.</summary>
    private static PickleBuilder SmallStateDict() => new PickleBuilder().Proto()
        .Global("collections", "OrderedDict").EmptyTuple().Reduce().Mark()
        .Str("w").Tensor("FloatStorage", "0", 6, 0, [2, 3], [3, 1])
        .Str("wt").Tensor("FloatStorage", "0", 6, 0, [3, 2], [1, 3])
        .Str("b").Tensor("FloatStorage", "1", 3, 1, [2], [1])
        .Str("h").Tensor("HalfStorage", "2", 2, 0, [2], [1])
        .SetItems().Stop();

    private string WriteZip(PickleBuilder pickle, Dictionary<string, byte[]>? storages = null, string folder = "archive",
        Dictionary<string, byte[]>? other = null) =>
        WriteFile("x.pt", TestFiles.TorchZip(folder, pickle.ToArray(), storages ?? SmallStorages, other));

    private static string Refusal(string path) =>
        Assert.Throws<InvalidDataException>(() => TorchCheckpoint.Open(path).Dispose())!.Message;

    [TestCase("archive")]
    [TestCase("my_model-v2")]
    public void ReadsAZipCheckpointWhateverItsTopFolder(string folder)
    {
        string path = WriteZip(SmallStateDict(), folder: folder);
        using var checkpoint = TorchCheckpoint.Open(path);
        Assert.That(checkpoint.Format, Is.EqualTo("zip"));
        Assert.That(checkpoint.Storages, Has.Count.EqualTo(3), "tensors sharing a storage key share one storage");
        var root = (PyDict)checkpoint.Root!;
        Assert.That(root.Keys, Is.EqualTo(new object[] { "w", "wt", "b", "h" }));
        float[] Read(string name) => ((TorchTensor)root.Get(name)!).ReadSingle();
        Assert.That(Read("w"), Is.EqualTo(new[] { 1f, 2f, 3f, 4f, 5f, 6f }));
        Assert.That(Read("wt"), Is.EqualTo(new[] { 1f, 4f, 2f, 5f, 3f, 6f }));
        Assert.That(((TorchTensor)root.Get("wt")!).IsContiguous, Is.False);
        Assert.That(Read("b"), Is.EqualTo(new[] { 20f, 30f }));
        Assert.That(Read("h"), Is.EqualTo(new[] { 1f, -2f }));
    }

    [Test]
    public void ReadsProtocol4Pickles()
    {
        // torch.save(..., pickle_protocol=4): FRAME, MEMOIZE, SHORT_BINUNICODE and STACK_GLOBAL instead of GLOBAL.
        var body = new PickleBuilder();
        void Short(string text) => body.Op(0x8c).Raw((byte)text.Length).Raw(System.Text.Encoding.ASCII.GetBytes(text)).Op(0x94);
        void StackGlobal(string module, string name)
        {
            Short(module);
            Short(name);
            body.Op(0x93).Op(0x94);
        }
        body.Op((byte)'}').Op(0x94);
        Short("w");
        StackGlobal("torch._utils", "_rebuild_tensor_v2");
        body.Mark().Mark();
        Short("storage");
        StackGlobal("torch", "FloatStorage");
        Short("0");
        Short("cpu");
        body.Int(6).Tuple().BinPersId().Int(0).Int(3).Int(2).Tuple2().Int(2).Int(1).Tuple2().Bool(false);
        StackGlobal("collections", "OrderedDict");
        body.EmptyTuple().Reduce().Tuple().Reduce().SetItem().Stop();
        var frame = body.ToArray();
        var pickle = new PickleBuilder().Proto(4).Op(0x95).Raw(BitConverter.GetBytes((long)frame.Length)).Raw(frame);
        string path = WriteZip(pickle);
        using var checkpoint = TorchCheckpoint.Open(path);
        var w = (TorchTensor)((PyDict)checkpoint.Root!).Get("w")!;
        Assert.That(w.Shape, Is.EqualTo(new long[] { 3, 2 }));
        Assert.That(w.ReadSingle(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f, 5f, 6f }));
    }

    [Test]
    public void ReadsTheGoldenTrainingCheckpoint()
    {
        using var checkpoint = TorchCheckpoint.Open(Checkpoint("sg2-tiny.pt"));
        var root = (PyDict)checkpoint.Root!;
        Assert.That(root.Keys, Is.EqualTo(new object[] { "g", "g_ema", "g_optim", "args", "latent_avg" }));
        var args = (PyRecord)root.Get("args")!;
        Assert.That(args.Fields["size"], Is.EqualTo(64L));
        Assert.That(args.Fields["latent"], Is.EqualTo(32L));
        var latentAvg = (TorchTensor)root.Get("latent_avg")!;
        Assert.That(latentAvg.Shape, Is.EqualTo(new long[] { 32 }));
        Assert.That(((PyDict)root.Get("g_ema")!).Attributes.ContainsKey("_metadata"));
    }

    [Test]
    public void LegacyAndZipFormatsHoldTheSameGenerator()
    {
        using var zip = TorchCheckpoint.Open(Checkpoint("sg2-tiny.pt"));
        using var legacy = TorchCheckpoint.Open(Checkpoint("sg2-tiny-legacy.pt"));
        Assert.That(legacy.Format, Is.EqualTo("legacy"));
        var a = (PyDict)((PyDict)zip.Root!).Get("g_ema")!;
        var b = (PyDict)((PyDict)legacy.Root!).Get("g_ema")!;
        Assert.That(b.Keys, Is.EqualTo(a.Keys));
        foreach (var (key, value) in a)
        {
            var ta = (TorchTensor)value!;
            var tb = (TorchTensor)b.Get(key)!;
            Assert.That(tb.Shape, Is.EqualTo(ta.Shape), (string)key!);
            Assert.That(tb.ReadSingle(), Is.EqualTo(ta.ReadSingle()), (string)key!);
        }
    }

    [Test]
    public void RefusesAForbiddenGlobalInsideACheckpoint()
    {
        var hostile = new PickleBuilder().Proto().EmptyDict().Str("w")
            .Global("os", "system").Str("echo pwned").Tuple1().Reduce().SetItem().Stop();
        string path = WriteZip(hostile);
        Assert.That(Refusal(path), Is.EqualTo($"{path}: pickle global 'os.system' is not allowed"));
    }

    [Test]
    public void RefusesATensorReachingPastItsStorage()
    {
        string path = WriteZip(new PickleBuilder().Proto().EmptyDict().Str("w")
            .Tensor("FloatStorage", "0", 6, 4, [2, 3], [3, 1]).SetItem().Stop());
        Assert.That(Refusal(path), Is.EqualTo(
            $"{path}: tensor on storage '0': shape [2, 3], stride [3, 1], offset 4: reaches element 9 of storage '0', which holds 6"));
    }

    [TestCase(0, new long[] { 3, 2 }, new long[] { 4611686018427387904, 1 }, "reaches past any storage")]
    [TestCase(-1, new long[] { 2 }, new long[] { 1 }, "negative size, stride or offset")]
    [TestCase(0, new long[] { 2, 2 }, new long[] { 1 }, "shape and stride differ in length")]
    public void RefusesHostileTensorGeometry(long offset, long[] size, long[] stride, string problem)
    {
        string path = WriteZip(new PickleBuilder().Proto().EmptyDict().Str("w")
            .Tensor("FloatStorage", "0", 6, offset, size, stride).SetItem().Stop());
        Assert.That(Refusal(path), Does.StartWith($"{path}: tensor on storage '0': shape ").And.EndWith(problem));
    }

    [Test]
    public void RefusesMissingOrMissizedStorages()
    {
        string path = WriteZip(new PickleBuilder().Proto().EmptyDict().Str("w")
            .Tensor("FloatStorage", "5", 6, 0, [6], [1]).SetItem().Stop());
        Assert.That(Refusal(path), Is.EqualTo($"{path}: storage '5' is missing from the archive (no entry 'archive/data/5')"));

        path = WriteZip(new PickleBuilder().Proto().EmptyDict().Str("w")
            .Tensor("FloatStorage", "0", 6, 0, [6], [1]).SetItem().Stop(), new() { ["0"] = new byte[20] });
        Assert.That(Refusal(path), Is.EqualTo($"{path}: storage '0' holds 20 bytes, but 6 float32 elements need 24"));
    }

    [Test]
    public void RefusesInconsistentOrOddStorageReferences()
    {
        string path = WriteZip(new PickleBuilder().Proto().EmptyDict().Mark()
            .Str("a").Tensor("FloatStorage", "0", 6, 0, [6], [1])
            .Str("b").Tensor("HalfStorage", "0", 6, 0, [6], [1]).SetItems().Stop());
        Assert.That(Refusal(path), Is.EqualTo($"{path}: storage '0' is referenced as 6 float32 and as 6 float16"));

        path = WriteZip(new PickleBuilder().Proto().EmptyDict().Str("w")
            .Tensor("FloatStorage", "../../etc/passwd", 6, 0, [6], [1]).SetItem().Stop());
        Assert.That(Refusal(path), Is.EqualTo($"{path}: storage key '../../etc/passwd' is not a plain name"));

        path = WriteZip(new PickleBuilder().Proto().EmptyDict().Str("w")
            .Tensor("UntypedStorage", "0", 24, 0, [6], [1]).SetItem().Stop());
        Assert.That(Refusal(path), Is.EqualTo($"{path}: pickle global 'torch.UntypedStorage' is not allowed"));
    }

    [Test]
    public void RefusesABigEndianArchive()
    {
        string path = WriteZip(SmallStateDict(), other: new() { ["byteorder"] = "big"u8.ToArray() });
        Assert.That(Refusal(path), Is.EqualTo($"{path}: byteorder 'big' is not supported (only little-endian)"));
    }

    [Test]
    public void RefusesFilesThatAreNotCheckpoints()
    {
        string path = WriteFile("junk.pt", "this is not a checkpoint"u8.ToArray());
        Assert.That(Refusal(path), Is.EqualTo($"{path}: not a PyTorch checkpoint (neither the zip nor the legacy pickle format)"));
        path = WriteFile("empty.pt", []);
        Assert.That(Refusal(path), Is.EqualTo($"{path}: not a PyTorch checkpoint (neither the zip nor the legacy pickle format)"));
        path = WriteFile("nopickle.pt", TestFiles.TorchZip("a", [], new Dictionary<string, byte[]>()).ToArray());
        using (var zip = new System.IO.Compression.ZipArchive(File.Open(path, FileMode.Open), System.IO.Compression.ZipArchiveMode.Update))
            zip.GetEntry("a/data.pkl")!.Delete();
        Assert.That(Refusal(path), Is.EqualTo($"{path}: zip archive has no NAME/data.pkl entry, so it is not a PyTorch checkpoint"));
    }

    [Test]
    public void RefusesATruncatedZipCheckpoint()
    {
        var bytes = File.ReadAllBytes(Checkpoint("sg2-tiny.pt"));
        foreach (int length in new[] { 3, 100, bytes.Length / 2, bytes.Length - 10 })
        {
            string path = WriteFile($"cut{length}.pt", bytes[..length]);
            Assert.That(Refusal(path), Does.StartWith($"{path}: ").And.Not.Contain("\n"), $"cut at {length}");
        }
        string half = PathOf($"cut{bytes.Length / 2}.pt");
        Assert.That(Refusal(half), Does.StartWith($"{half}: not a readable zip archive ("));
    }

    [Test]
    public void RefusesATruncatedLegacyCheckpointWherever()
    {
        var bytes = File.ReadAllBytes(Checkpoint("sg2-tiny-legacy.pt"));
        // Inside the magic, sys-info, object and key pickles, at the first storage size, inside storages, at the end.
        foreach (int length in new[] { 1, 10, 100, 5000, 13000, 14290, 20000, bytes.Length - 1 })
        {
            string path = WriteFile($"cut{length}.pt", bytes[..length]);
            Assert.That(Refusal(path), Does.StartWith($"{path}: ").And.Not.Contain("\n"), $"cut at {length}");
        }
        Assert.That(Refusal(PathOf("cut5000.pt")), Does.StartWith($"{PathOf("cut5000.pt")}: pickle is truncated"));
        Assert.That(Refusal(PathOf("cut14290.pt")), Is.EqualTo($"{PathOf("cut14290.pt")}: file is truncated at the size of storage '949577888'"));
        Assert.That(Refusal(PathOf($"cut{bytes.Length - 1}.pt")), Does.Match(@": file is truncated in storage '\d+' \(\d+ of \d+ bytes present\)$"));
    }

    [Test]
    public void RefusesALegacyFileWithTheWrongMagicNumber()
    {
        var p = new PickleBuilder().Proto().Op(0x8a).Raw(2, 0x39, 0x05).Stop(); // LONG1 1337
        string path = WriteFile("magic.pt", p.ToArray());
        Assert.That(Refusal(path), Is.EqualTo($"{path}: legacy checkpoint has the wrong magic number (1337)"));
    }

    [Test]
    public void ConvertsFloat16AndStridedTensorsOfAHandMadeCheckpoint()
    {
        string path = WriteZip(SmallStateDict());
        var converted = CheckpointConverter.Convert(path);
        Assert.That(converted.Tensors.Select(t => t.Key), Is.EqualTo(new[] { "w", "wt", "b", "h" }));
        Assert.That(converted.Tensors[1].Value.Data, Is.EqualTo(new[] { 1f, 4f, 2f, 5f, 3f, 6f }));
        Assert.That(converted.Kind, Is.EqualTo("unknown"));
        Assert.That(converted.Metadata["source"], Is.EqualTo("x.pt (stored as float32 and float16)"));
    }
}
