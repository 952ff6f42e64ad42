using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.WeightsLoader;

public class SafetensorsFileTests : FileTestBase
{
    private string Write(string header, byte[] data, ulong? headerLength = null) =>
        WriteFile("w.safetensors", TestFiles.Safetensors(header, data, headerLength));

    private static void AssertRefused(string path, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.That(e!.Message, Is.EqualTo(expected));
    }

    [Test]
    public void ReadsF32TensorsAndMetadataInHeaderOrder()
    {
        string path = Write("""
            {"__metadata__":{"source":"x"},"b":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},
             "a":{"dtype":"F32","shape":[2,1],"data_offsets":[12,20]},"empty":{"dtype":"F32","shape":[0,4],"data_offsets":[20,20]}}
            """, TestFiles.Floats(1, 2, 3, -4, 5.5f));
        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Names, Is.EqualTo(new[] { "b", "a", "empty" }));
        Assert.That(file.Metadata["source"], Is.EqualTo("x"));
        Assert.That(file.Contains("a") && !file.Contains("c"));
        var a = file.Read("a");
        Assert.That(a.Shape, Is.EqualTo(new long[] { 2, 1 }));
        Assert.That(a.Data, Is.EqualTo(new[] { -4f, 5.5f }));
        Assert.That(file.Read("b").Data, Is.EqualTo(new[] { 1f, 2f, 3f }));
        Assert.That(file.Read("empty").Data, Is.Empty);
        Assert.That(file.Entry("b").End, Is.EqualTo(12));
        var missing = Assert.Throws<KeyNotFoundException>(() => file.Read("c"));
        Assert.That(missing!.Message, Is.EqualTo($"{path}: no tensor named 'c'"));
    }

    [Test]
    public void DecodesF16ExactlyAgainstHandComputedValues()
    {
        // 1.0, -2.0, largest normal 65504, smallest subnormal 2^-24, -0.0, 1/3 rounded to half, +Inf.
        ushort[] bits = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x3555, 0x7C00];
        float[] expected = [1f, -2f, 65504f, 5.9604644775390625e-08f, -0f, 0.333251953125f, float.PositiveInfinity];
        string path = Write("""{"h":{"dtype":"F16","shape":[7],"data_offsets":[0,14]}}""", TestFiles.UInt16s(bits));
        using var file = SafetensorsFile.Open(path);
        var values = file.Read("h").Data;
        Assert.That(values.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits)));
    }

    [Test]
    public void DecodesBF16ExactlyAgainstHandComputedValues()
    {
        // 1.0, -3.0, 1/3 rounded to 8 mantissa bits, largest finite, smallest subnormal 2^-133.
        ushort[] bits = [0x3F80, 0xC040, 0x3EAB, 0x7F7F, 0x0001];
        float[] expected = [1f, -3f, 0.333984375f, 3.3895313892515355e38f, 9.183549615799121e-41f];
        string path = Write("""{"b":{"dtype":"BF16","shape":[5],"data_offsets":[0,10]}}""", TestFiles.UInt16s(bits));
        using var file = SafetensorsFile.Open(path);
        var values = file.Read("b").Data;
        Assert.That(values.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expected.Select(BitConverter.SingleToInt32Bits)));
    }

    [Test]
    public void RoundsF64ToNearestFloat()
    {
        string path = Write("""{"d":{"dtype":"F64","shape":[3],"data_offsets":[0,24]}}""", TestFiles.Doubles(0.1, -1e-3, 1e300));
        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Read("d").Data, Is.EqualTo(new[] { 0.1f, -1e-3f, float.PositiveInfinity }));
    }

    [Test]
    public void IntegerTensorsOpenButDoNotReadAsFloat()
    {
        string path = Write("""{"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}""", new byte[8]);
        using var file = SafetensorsFile.Open(path);
        Assert.That(file.Entry("n").ElementType, Is.EqualTo(ElementType.I64));
        var e = Assert.Throws<InvalidDataException>(() => file.Read("n"));
        Assert.That(e!.Message, Is.EqualTo($"{path}: tensor 'n' has dtype I64, which does not read as float32"));
    }

    [Test]
    public void RefusesAFileShorterThanTheLengthPrefix()
    {
        string path = WriteFile("w.safetensors", [1, 2, 3, 4, 5]);
        AssertRefused(path, $"{path}: file is 5 bytes, too short for the 8-byte header length");
    }

    [Test]
    public void RefusesAHeaderLengthPastTheEnd()
    {
        string path = Write("{}", new byte[10], headerLength: 1000);
        AssertRefused(path, $"{path}: header length 1000 runs past the end of the file (20 bytes)");
        path = Write("{}", [], headerLength: ulong.MaxValue);
        AssertRefused(path, $"{path}: header length {ulong.MaxValue} runs past the end of the file (10 bytes)");
    }

    [Test]
    public void RefusesInvalidJson()
    {
        string path = Write("""{"a": {"dtype": "F32",""", []);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
        Assert.That(e!.Message, Does.StartWith($"{path}: header is not valid JSON ("));
        Assert.That(e.Message, Does.Not.Contain("\n"));
    }

    [Test]
    public void RefusesAHeaderThatIsNotAnObject()
    {
        AssertRefused(Write("[1, 2]", []), $"{PathOf("w.safetensors")}: header is a JSON array, not an object");
    }

    [TestCase("""{"w":[1]}""", "header entry is not an object")]
    [TestCase("""{"w":{"shape":[1],"data_offsets":[0,4]}}""", "missing 'dtype'")]
    [TestCase("""{"w":{"dtype":7,"shape":[1],"data_offsets":[0,4]}}""", "'dtype' is not a string")]
    [TestCase("""{"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,4]}}""", "unknown dtype 'F8_E4M3'")]
    [TestCase("""{"w":{"dtype":"F32","data_offsets":[0,4]}}""", "missing 'shape'")]
    [TestCase("""{"w":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}""", "'shape' is not an array of non-negative integers")]
    [TestCase("""{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", "'shape' is not an array of non-negative integers (found -1)")]
    [TestCase("""{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", "'shape' is not an array of non-negative integers (found 1.5)")]
    [TestCase("""{"w":{"dtype":"F32","shape":[1]}}""", "missing 'data_offsets'")]
    [TestCase("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}""", "'data_offsets' is not an array of 2 non-negative integers (found 3 values)")]
    [TestCase("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,"4"]}}""", "'data_offsets' is not an array of 2 non-negative integers (found \"4\")")]
    [TestCase("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[12,8]}}""", "data_offsets [12, 8] end before they begin")]
    [TestCase("""{"w":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}}""", "data_offsets [0, 24] run past the end of the data (16 bytes)")]
    [TestCase("""{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,12]}}""", "data_offsets [0, 12] hold 12 bytes but shape [2, 3] of F32 needs 24")]
    [TestCase("""{"w":{"dtype":"BF16","shape":[3],"data_offsets":[0,8]}}""", "data_offsets [0, 8] hold 8 bytes but shape [3] of BF16 needs 6")]
    [TestCase("""{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}""", "shape [4611686018427387904, 4] has too many elements")]
    public void RefusesAMalformedTensorEntryNamingFileAndTensor(string header, string problem)
    {
        string path = Write(header, new byte[16]);
        AssertRefused(path, $"{path}: tensor 'w': {problem}");
    }

    [Test]
    public void EscapesControlCharactersOfNamesInMessages()
    {
        string path = Write("""{"evil\nname":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", new byte[4]);
        AssertRefused(path, $"{path}: tensor 'evil\\nname': data_offsets [0, 4] hold 4 bytes but shape [2] of F32 needs 8");
    }

    [Test]
    public void RefusesOverlappingTensors()
    {
        string path = Write("""
            {"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[3],"data_offsets":[8,20]}}
            """, new byte[20]);
        AssertRefused(path, $"{path}: tensor 'b': data_offsets [8, 20] overlap tensor 'a' [0, 12]");
    }

    [Test]
    public void RefusesADuplicateTensorName()
    {
        string path = Write("""
            {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}
            """, new byte[8]);
        AssertRefused(path, $"{path}: tensor 'a' appears twice in the header");
    }

    [TestCase("""{"__metadata__":[1]}""", "__metadata__ is not an object")]
    [TestCase("""{"__metadata__":{"size":64}}""", "__metadata__ value 'size' is not a string")]
    public void RefusesMalformedMetadata(string header, string problem)
    {
        string path = Write(header, []);
        AssertRefused(path, $"{path}: {problem}");
    }

    [Test]
    public void ConcurrentReadsAgree()
    {
        var tensors = Enumerable.Range(0, 8)
            .Select(i => new KeyValuePair<string, TensorData>($"t{i}", new TensorData([3, 1000 + i], Support.Numerics.Random(3 * (1000 + i), i))))
            .ToList();
        string path = PathOf("many.safetensors");
        SafetensorsWriter.Write(path, tensors);
        using var file = SafetensorsFile.Open(path);
        var failures = 0;
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k =>
        {
            var (name, expected) = tensors[k % tensors.Count];
            if (!file.Read(name).Data.AsSpan().SequenceEqual(expected.Data)) Interlocked.Increment(ref failures);
        });
        Assert.That(failures, Is.Zero);
    }

    [Test]
    public void ReadAfterDisposeThrows()
    {
        string path = PathOf("one.safetensors");
        SafetensorsWriter.Write(path, [new("x", new TensorData([1], [1f]))]);
        var file = SafetensorsFile.Open(path);
        file.Dispose();
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.Read("x"));
    }
}
