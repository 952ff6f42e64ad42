using CineKernel.Tests.Support;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.WeightsLoader;

public class NpyReaderTests : FileTestBase
{
    private const string F32Dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

    private string Write(string dict, byte[] data, int major = 1) => WriteFile("a.npy", TestFiles.Npy(dict, data, major));

    private static void AssertRefused(string path, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => NpyReader.Read(path));
        Assert.That(e!.Message, Is.EqualTo(expected));
    }

    [Test]
    public void WriterAndReaderRoundTrip()
    {
        var t = new TensorData([1, 2, 3, 5], Numerics.Random(30, 7));
        string path = PathOf("rt.npy");
        NpyWriter.Write(path, t);
        var back = NpyReader.Read(path);
        Assert.That(back.Shape, Is.EqualTo(t.Shape));
        Assert.That(back.Data, Is.EqualTo(t.Data));
        Assert.That(NpyReader.ReadHeader(path).DataOffset % 64, Is.Zero, "the header is padded to 64 bytes as NumPy does");
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void ReadsEveryHeaderVersion(int major)
    {
        string path = Write(F32Dict, TestFiles.Floats(1, 2, 3, 4, 5, 6), major);
        var t = NpyReader.Read(path);
        Assert.That(t.Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(t.Data, Is.EqualTo(new[] { 1f, 2f, 3f, 4f, 5f, 6f }));
        Assert.That(NpyReader.ReadHeader(path).MajorVersion, Is.EqualTo(major));
    }

    [Test]
    public void ReadsFloat64AsRoundedFloat32AndOddShapes()
    {
        string path = Write("{'descr':'<f8','fortran_order':False,'shape':(3,)}", TestFiles.Doubles(0.1, -2.5, 1e-40));
        var t = NpyReader.Read(path);
        Assert.That(t.Shape, Is.EqualTo(new long[] { 3 }));
        Assert.That(t.Data, Is.EqualTo(new[] { 0.1f, -2.5f, (float)1e-40 }));

        path = Write("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", TestFiles.Floats(42));
        Assert.That(NpyReader.Read(path).Data, Is.EqualTo(new[] { 42f }));
        path = Write("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }", []);
        Assert.That(NpyReader.Read(path).Shape, Is.EqualTo(new long[] { 0, 4 }));
    }

    [Test]
    public void RefusesABadMagicString()
    {
        var bytes = TestFiles.Npy(F32Dict, TestFiles.Floats(1, 2, 3, 4, 5, 6));
        bytes[0] = 0x92;
        string path = WriteFile("bad.npy", bytes);
        AssertRefused(path, $"{path}: not a .npy file (bad magic string)");
        AssertRefused(WriteFile("tiny.npy", [0x93, (byte)'N']), $"{PathOf("tiny.npy")}: not a .npy file (bad magic string)");
    }

    [Test]
    public void RefusesAnUnknownFormatVersion()
    {
        var bytes = TestFiles.Npy(F32Dict, TestFiles.Floats(1, 2, 3, 4, 5, 6));
        bytes[6] = 4;
        string path = WriteFile("v4.npy", bytes);
        AssertRefused(path, $"{path}: .npy format version 4.0 is not supported (1, 2 or 3)");
    }

    [Test]
    public void ReadsBigEndianFloat16AndFortranOrder()
    {
        string path = Write("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", [.. TestFiles.Floats(1, 2, 3, 4, 5, 6).Chunk(4).SelectMany(b => b.Reverse())]);
        Assert.That(NpyReader.Read(path).Data, Is.EqualTo(new[] { 1f, 2f, 3f, 4f, 5f, 6f }));
        path = Write("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }", TestFiles.UInt16s([.. new[] { 1, 2, 3, 4, 5, 6 }.Select(v => BitConverter.HalfToUInt16Bits((Half)v))]));
        Assert.That(NpyReader.Read(path).Data, Is.EqualTo(new[] { 1f, 2f, 3f, 4f, 5f, 6f }));
        // Fortran order stores columns first: (2, 3) [[1, 2, 3], [4, 5, 6]] is 1 4 2 5 3 6.
        path = Write("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", TestFiles.Floats(1, 4, 2, 5, 3, 6));
        var t = NpyReader.Read(path);
        Assert.That(t.Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(t.Data, Is.EqualTo(new[] { 1f, 2f, 3f, 4f, 5f, 6f }));
        Assert.That(NpyReader.ReadHeader(path).FortranOrder, Is.True);

        // Three dimensions: element (i, j, k) of a (2, 2, 3) array lies at i + 2j + 4k in Fortran order.
        var fortran = new float[12];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                for (int k = 0; k < 3; k++) fortran[i + 2 * j + 4 * k] = (i * 2 + j) * 3 + k;
        path = Write("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2, 3), }", TestFiles.Floats(fortran));
        Assert.That(NpyReader.Read(path).Data, Is.EqualTo(Enumerable.Range(0, 12).Select(v => (float)v).ToArray()));
    }

    [TestCase("<i8")]
    [TestCase("<c8")]
    [TestCase("|u1")]
    [TestCase("=f4")]
    [TestCase("<f16")]
    public void RefusesOtherDtypes(string descr)
    {
        string path = Write($"{{'descr': '{descr}', 'fortran_order': False, 'shape': (2, 3), }}", new byte[48]);
        AssertRefused(path, $"{path}: dtype '{descr}' is not supported (float16, float32 or float64 in either byte order: '<f2', '<f4', '<f8', '>f2', '>f4', '>f8')");
    }

    [Test]
    public void RefusesTruncatedAndOverlongData()
    {
        string path = Write(F32Dict, TestFiles.Floats(1, 2, 3, 4, 5));
        AssertRefused(path, $"{path}: data is truncated: 20 bytes, but shape (2, 3) of float32 needs 24");
        path = Write(F32Dict, TestFiles.Floats(1, 2, 3, 4, 5, 6, 7));
        AssertRefused(path, $"{path}: 4 unexpected bytes follow the data of shape (2, 3) of float32");
    }

    [Test]
    public void RefusesATruncatedHeader()
    {
        var bytes = TestFiles.Npy(F32Dict, []);
        string path = WriteFile("cut.npy", bytes[..40]);
        AssertRefused(path, $"{path}: .npy header is truncated (length 118 runs past the end of the file)");
    }

    [TestCase("{'descr': '<f4', 'fortran_order': False}", ".npy header has no integer tuple 'shape'")]
    [TestCase("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}", ".npy header has an unexpected key 'extra'")]
    [TestCase("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}", ".npy header is not a valid dict literal: list values are not supported (structured dtype?)")]
    [TestCase("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 3)}", ".npy header is not a valid dict literal: unexpected 'Maybe'")]
    [TestCase("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x)}", ".npy header is not a valid dict literal: expected an integer at 'x)}'")]
    [TestCase("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}", "shape (2, -3) has a negative dimension")]
    [TestCase("{'descr': '<f4'", ".npy header is not a valid dict literal: expected '}' at 'end of header'")]
    public void RefusesMalformedHeaders(string dict, string problem)
    {
        string path = Write(dict, new byte[24]);
        AssertRefused(path, $"{path}: {problem}");
    }
}

public class MotionFieldTests : FileTestBase
{
    private string Write(long[] shape, float[] data)
    {
        string path = PathOf($"m{string.Join("x", shape)}.npy");
        NpyWriter.Write(path, new TensorData(shape, data));
        return path;
    }

    [Test]
    public void KeepsNchwAndReshapesChw()
    {
        var data = Numerics.Random(2 * 3 * 5, 3);
        var a = MotionFieldReader.Load(Write([1, 2, 3, 5], data));
        var b = MotionFieldReader.Load(Write([2, 3, 5], data));
        Assert.That(a.Shape, Is.EqualTo(new long[] { 1, 2, 3, 5 }));
        Assert.That(b.Shape, Is.EqualTo(new long[] { 1, 2, 3, 5 }));
        Assert.That(a.Data, Is.EqualTo(data));
        Assert.That(b.Data, Is.EqualTo(data));
    }

    [Test]
    public void TransposesHw2IntoTwoPlanes()
    {
        const int h = 3, w = 4;
        var data = Numerics.Random(h * w * 2, 4);
        var m = MotionFieldReader.Load(Write([h, w, 2], data));
        Assert.That(m.Shape, Is.EqualTo(new long[] { 1, 2, h, w }));
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        for (int c = 0; c < 2; c++)
            Assert.That(m.Data[(c * h + y) * w + x], Is.EqualTo(data[(y * w + x) * 2 + c]), $"c {c} y {y} x {x}");
    }

    [TestCase(new long[] { 3, 4, 5 })]
    [TestCase(new long[] { 2, 2, 4, 5 })]
    [TestCase(new long[] { 1, 3, 4, 5 })]
    [TestCase(new long[] { 8 })]
    public void RefusesOtherShapes(long[] shape)
    {
        string path = Write(shape, new float[shape.Aggregate(1L, (a, b) => a * b)]);
        var e = Assert.Throws<InvalidDataException>(() => MotionFieldReader.Load(path));
        Assert.That(e!.Message, Is.EqualTo($"{path}: motion field shape {NpyReader.FormatShape(shape)} is not (1, 2, H, W), (2, H, W), (H, W, 2) or (1, H, W, 2)"));
    }

    [Test]
    public void RefusesAnEmptyField()
    {
        string path = Write([1, 2, 0, 5], []);
        var e = Assert.Throws<InvalidDataException>(() => MotionFieldReader.Load(path));
        Assert.That(e!.Message, Is.EqualTo($"{path}: motion field shape (1, 2, 0, 5) is empty"));
    }

    [Test]
    public void RefusesNaNAndInfNamingTheFirstBadIndexInTheFileLayout()
    {
        var data = new float[2 * 3 * 4];
        data[23] = float.NaN;
        data[13] = float.NegativeInfinity;
        string path = Write([1, 2, 3, 4], data);
        var e = Assert.Throws<InvalidDataException>(() => MotionFieldReader.Load(path));
        Assert.That(e!.Message, Is.EqualTo($"{path}: motion field of shape (1, 2, 3, 4) has -Inf at index (0, 1, 0, 1)"));

        data = new float[3 * 4 * 2];
        data[2 * (1 * 4 + 2) + 1] = float.PositiveInfinity;
        path = Write([3, 4, 2], data);
        e = Assert.Throws<InvalidDataException>(() => MotionFieldReader.Load(path));
        Assert.That(e!.Message, Is.EqualTo($"{path}: motion field of shape (3, 4, 2) has +Inf at index (1, 2, 1)"));

        data = new float[2 * 2 * 2];
        data[7] = float.NaN;
        path = Write([2, 2, 2], data);
        e = Assert.Throws<InvalidDataException>(() => MotionFieldReader.Load(path));
        Assert.That(e!.Message, Is.EqualTo($"{path}: motion field of shape (2, 2, 2) has NaN at index (1, 1, 1)"));
    }

    [Test]
    public void RefusesFloat64ValuesThatOverflowFloat32()
    {
        string path = WriteFile("big.npy", TestFiles.Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1, 1), }", TestFiles.Doubles(1, 1e300)));
        var e = Assert.Throws<InvalidDataException>(() => MotionFieldReader.Load(path));
        Assert.That(e!.Message, Is.EqualTo($"{path}: motion field of shape (2, 1, 1) has +Inf at index (1, 0, 0)"));
    }
}
