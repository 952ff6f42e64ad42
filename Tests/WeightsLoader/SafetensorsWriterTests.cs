using System.Buffers.Binary;
using System.Text;
using CineKernel.Tests.Support;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.WeightsLoader;

public class SafetensorsWriterTests : FileTestBase
{
    [Test]
    public void RoundTripsNamesShapesValuesAndMetadata()
    {
        var tensors = new List<KeyValuePair<string, TensorData>>
        {
            new("conv.weight", new TensorData([4, 3, 3, 3], Numerics.Random(108, 1))),
            new("scalar", new TensorData([], [float.NaN])),
            new("empty", new TensorData([0, 5], [])),
            new("bias", new TensorData([7], Numerics.Random(7, 2, 1e-30f))),
        };
        var metadata = new Dictionary<string, string> { ["source"] = "sg2.pt: g_ema + latent_avg", ["quote"] = "it's \"x\" <&>" };
        string path = PathOf("rt.safetensors");
        SafetensorsWriter.Write(path, tensors, metadata);

        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Names, Is.EqualTo(tensors.Select(t => t.Key)));
        Assert.That(file.Metadata, Is.EqualTo(metadata));
        foreach (var (name, t) in tensors)
        {
            var back = file.Read(name);
            Assert.That(back.Shape, Is.EqualTo(t.Shape), name);
            Assert.That(back.Data.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(t.Data.Select(BitConverter.SingleToInt32Bits)), name);
        }
        // The data starts 8-byte aligned and the header is plain readable JSON.
        var bytes = File.ReadAllBytes(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.That(headerLength % 8, Is.Zero);
        Assert.That(Encoding.UTF8.GetString(bytes, 8, (int)headerLength), Does.Contain("g_ema + latent_avg"));
        Assert.That(Directory.GetFiles(Dir), Has.Length.EqualTo(1));
    }

    [Test]
    public void RefusesDuplicateNamesAndLeavesNoFile()
    {
        string path = PathOf("dup.safetensors");
        var e = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [new("a", new TensorData([1], [1f])), new("b", new TensorData([1], [2f])), new("a", new TensorData([1], [3f]))]));
        Assert.That(e!.Message, Is.EqualTo($"{path}: tensor 'a' is given twice"));
        Assert.That(Directory.GetFiles(Dir), Is.Empty);
    }

    [Test]
    public void RefusesTheReservedMetadataName()
    {
        string path = PathOf("reserved.safetensors");
        var e = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [new("__metadata__", new TensorData([1], [1f]))]));
        Assert.That(e!.Message, Is.EqualTo($"{path}: '__metadata__' cannot name a tensor"));
    }

    [Test]
    public void StagedFileAppearsOnlyOnCommit()
    {
        string path = PathOf("staged.safetensors");
        using (var staged = SafetensorsWriter.Stage(path, [new("x", new TensorData([2], [1f, 2f]))]))
        {
            Assert.That(File.Exists(path), Is.False);
            Assert.That(File.Exists(staged.TemporaryPath), Is.True);
        }
        Assert.That(Directory.GetFiles(Dir), Is.Empty, "disposing an uncommitted file removes it");

        using (var staged = SafetensorsWriter.Stage(path, [new("x", new TensorData([2], [1f, 2f]))])) staged.Commit();
        Assert.That(Directory.GetFiles(Dir), Is.EqualTo(new[] { path }));
    }

    [Test]
    public void OverwritesAnExistingFileWhole()
    {
        string path = PathOf("over.safetensors");
        SafetensorsWriter.Write(path, [new("big", new TensorData([100], new float[100]))]);
        SafetensorsWriter.Write(path, [new("small", new TensorData([1], [5f]))]);
        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Names, Is.EqualTo(new[] { "small" }));
        Assert.That(file.Read("small").Data, Is.EqualTo(new[] { 5f }));
    }
}
