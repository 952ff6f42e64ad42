using System.Buffers.Binary;
using System.IO.Compression;
using CineKernel.Fuzz;
using CineKernel.Pipeline.Motion;
using CineKernel.Tests.Parsers;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.WeightsLoader;

/// <summary>
/// Motion files from other tools (issue 11 item 4): every layout, dtype, byte order and memory order, <c>.npz</c>
/// archives and Middlebury <c>.flo</c> files give the planes of the same field written as (1, 2, H, W) float32;
/// anything else is refused in one line naming the file, what it is and what is accepted.
/// </summary>
public class MotionFormatsTests : FileTestBase
{
    private const int H = 3, W = 5;

    /// <summary>Two 3×5 planes of values every dtype holds exactly (multiples of 1/8 below 4), all different.</summary>
    private static readonly float[] Planes = Enumerable.Range(0, 2 * H * W).Select(i => (i * 7 % 31 - 15) / 8f).ToArray();

    /// <summary>The reference: the same field as (1, 2, H, W) float32, read by the same reader.</summary>
    private TensorData Reference()
    {
        string path = PathOf("reference.npy");
        NpyWriter.Write(path, new TensorData([1, 2, H, W], Planes));
        return MotionFieldReader.Load(path);
    }

    private void AssertSamePlanes(TensorData actual)
    {
        var reference = Reference();
        Assert.That(actual.Shape, Is.EqualTo(reference.Shape));
        Assert.That(actual.Data, Is.EqualTo(reference.Data));
        Assert.That(reference.Data, Is.EqualTo(Planes), "the reference keeps its planes");
    }

    private static InvalidDataException Refused(string spec)
    {
        var e = Assert.Throws<InvalidDataException>(() => MotionField.Load(spec))!;
        Assert.That(e.Message, Does.Not.Contain("\n"));
        return e;
    }

    /// <summary>The refusal of <paramref name="spec"/>, asserting that it allocated less than <paramref name="bytes"/> (measured on a second, warm run).</summary>
    private static InvalidDataException RefusedWithin(string spec, long bytes)
    {
        Refused(spec);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Refused(spec);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(bytes));
        return e;
    }

    [Test]
    public void EveryLayoutDtypeByteOrderAndMemoryOrderGivesTheSamePlanes(
        [ValueSource(typeof(MotionFiles), nameof(MotionFiles.Layouts))] string layout,
        [Values("<f2", ">f2", "<f4", ">f4", "<f8", ">f8")] string descr,
        [Values(false, true)] bool fortran)
    {
        string path = WriteFile("m.npy", MotionFiles.Npy(MotionFiles.Arrange(Planes, H, W, layout), descr, fortran));
        AssertSamePlanes(MotionFieldReader.Load(path));
    }

    /// <summary>
    /// A side of 2 makes a shape fit both readings; channel-first wins: a 3-D shape is channel-last only when its
    /// last dimension is 2 and its first is not; a 4-D one only when its last is 2 and its second is not.
    /// </summary>
    [TestCase(new long[] { 2, 5, 2 }, false, 5, 2)]
    [TestCase(new long[] { 5, 2, 2 }, true, 5, 2)]
    [TestCase(new long[] { 2, 2, 5 }, false, 2, 5)]
    [TestCase(new long[] { 2, 2, 2 }, false, 2, 2)]
    [TestCase(new long[] { 1, 2, 3, 2 }, false, 3, 2)]
    [TestCase(new long[] { 1, 3, 2, 2 }, true, 3, 2)]
    [TestCase(new long[] { 1, 2, 2, 2 }, false, 2, 2)]
    [TestCase(new long[] { 1, 2, 2, 3 }, false, 2, 3)]
    public void AShapeThatFitsBothLayoutsIsReadChannelFirst(long[] shape, bool channelLast, int height, int width)
    {
        var values = Enumerable.Range(1, 2 * height * width).Select(i => (float)i / 16).ToArray();
        string path = WriteFile("m.npy", MotionFiles.Npy(new TensorData(shape, values)));
        var field = MotionFieldReader.Load(path);
        Assert.That(field.Shape, Is.EqualTo(new long[] { 1, 2, height, width }));
        var expected = channelLast
            ? Enumerable.Range(0, 2 * height * width).Select(i => values[2 * (i % (height * width)) + i / (height * width)]).ToArray()
            : values;
        Assert.That(field.Data, Is.EqualTo(expected));
    }

    [Test]
    public void NpzWithOneArrayStoredOrDeflated([Values(CompressionLevel.NoCompression, CompressionLevel.Optimal)] CompressionLevel level)
    {
        var npy = MotionFiles.Npy(MotionFiles.Arrange(Planes, H, W, "H,W,2"), "<f8");
        string path = WriteFile("m.npz", MotionFiles.Npz([("arr_0", npy)], level));
        AssertSamePlanes(MotionFieldReader.Load(path));
        AssertSamePlanes(MotionFieldReader.Load(path + ":arr_0"));
    }

    [Test]
    public void NpzArrayNamedAfterTheColon()
    {
        var forward = MotionFiles.Npy(MotionFiles.Arrange(Planes, H, W, "2,H,W"));
        var other = MotionFiles.Npy(new TensorData([1, 2, 1, 1], [0, 0]));
        string path = WriteFile("flows.NPZ", MotionFiles.Npz([("backward", other), ("forward", forward)], CompressionLevel.Fastest));
        AssertSamePlanes(MotionFieldReader.Load(path + ":forward"));
        var field = MotionField.Load(path + ":backward");
        Assert.That((field.Width, field.Height), Is.EqualTo((1, 1)));
        Assert.That(NpzReader.ArrayNames(path), Is.EqualTo(new[] { "backward", "forward" }));
    }

    [Test]
    public void NpzWithSeveralArraysAndNoNameListsThem()
    {
        var npy = MotionFiles.Npy(MotionFiles.Arrange(Planes, H, W, "2,H,W"));
        string path = WriteFile("m.npz", MotionFiles.Npz([("flow", npy), ("mask", npy), ("extra", npy)]));
        Assert.That(Refused(path).Message,
            Is.EqualTo($"{path}: .npz archive holds 3 arrays ('flow', 'mask', 'extra'); name one as {path}:NAME"));
        Assert.That(Refused(path + ":flo").Message,
            Is.EqualTo($"{path}: .npz archive has no array 'flo' (it holds 'flow', 'mask', 'extra')"));
    }

    [Test]
    public void ArrayInsideAnNpzIsNamedInItsRefusal()
    {
        var npy = MotionFiles.Npy(new TensorData([3, 4, 4], new float[48]));
        string path = WriteFile("m.npz", MotionFiles.Npz([("flow", npy)], CompressionLevel.Optimal));
        Assert.That(Refused(path).Message, Is.EqualTo($"{path}: motion field shape (3, 4, 4) is not (1, 2, H, W), (2, H, W), (H, W, 2) or (1, H, W, 2)"));
        Assert.That(Refused(path + ":flow").Message, Does.StartWith($"{path}:flow: motion field shape (3, 4, 4) is not"));
        var bad = MotionFiles.Npy(new TensorData([2, 1, 1], [1, 2]), "<i4");
        path = WriteFile("dtype.npz", MotionFiles.Npz([("flow", bad)]));
        Assert.That(Refused(path).Message, Does.StartWith($"{path}:flow: dtype '<i4' is not supported"));
    }

    [Test]
    public void ZipThatHoldsNoArrayIsNotAnNpz()
    {
        string path = WriteFile("model.npz", File.ReadAllBytes(Checkpoint("latest_net_G.pth")));
        Assert.That(Refused(path).Message, Does.StartWith($"{path}: zip archive holds no .npy array (entries '").And.EndWith("so it is not a .npz"));
    }

    [Test]
    public void NpzEntryClaimingMoreThanTheBoundIsRefusedBeforeReading()
    {
        var npy = MotionFiles.Npy(MotionFiles.Arrange(Planes, H, W, "2,H,W"));
        var zip = MotionFiles.Npz([("flow", npy)], CompressionLevel.Optimal);
        FuzzFindingTests.SetCentralDirectorySize(zip, "flow.npy", (uint)NpzReader.MaxArrayBytes + 1);
        string path = WriteFile("bomb.npz", zip);
        Assert.That(Refused(path).Message, Is.EqualTo($"{path}:flow: the entry claims {NpzReader.MaxArrayBytes + 1} bytes, more than the {NpzReader.MaxArrayBytes} accepted"));
    }

    [Test]
    public void DeflatedEntryClaimingAHugeArrayAllocatesOnlyWhatComesOut()
    {
        // A header for 2×8192×8192 float32 (512 MiB) and an entry size to match, but only 12 bytes of data.
        var bytes = TestFiles.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 8192, 8192), }", new byte[12]);
        long claimed = bytes.Length - 12 + 2L * 8192 * 8192 * 4;
        var zip = MotionFiles.Npz([("flow", bytes)], CompressionLevel.Optimal);
        FuzzFindingTests.SetCentralDirectorySize(zip, "flow.npy", (uint)claimed);
        string path = WriteFile("liar.npz", zip);
        Assert.That(RefusedWithin(path, 1 << 20).Message, Is.EqualTo($"{path}:flow: data is truncated: it ends after 12 of 536870912 bytes"));
    }

    [Test]
    public void FloRoundTrip()
    {
        string path = WriteFile("m.flo", MotionFiles.Flo(W, H, MotionFiles.Arrange(Planes, H, W, "H,W,2").Data));
        AssertSamePlanes(MotionFieldReader.Load(path));
        var raw = FloReader.Read(path);
        Assert.That(raw.Shape, Is.EqualTo(new long[] { H, W, 2 }));
    }

    [TestCase(0, 3, "width 0 and height 3 are not plausible (each must be 1..99999)")]
    [TestCase(100000, 1, "width 100000 and height 1 are not plausible (each must be 1..99999)")]
    [TestCase(-1, 5, "width -1 and height 5 are not plausible (each must be 1..99999)")]
    [TestCase(99999, 99999, "data is truncated: 8 bytes, but 99999x99999 flow needs 79998400008")]
    public void FloWithAbsurdDimensionsIsRefusedBeforeAllocating(int width, int height, string problem)
    {
        var bytes = MotionFiles.Flo(1, 1, [0.5f, 0.25f]);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), height);
        string path = WriteFile("m.flo", bytes);
        Assert.That(RefusedWithin(path, 64 << 10).Message, Is.EqualTo($"{path}: .flo {problem}"));
    }

    [Test]
    public void FloWithTrailingBytesOrACutHeader()
    {
        var bytes = MotionFiles.Flo(1, 1, [0.5f, 0.25f, 7]);
        string path = WriteFile("m.flo", bytes);
        Assert.That(Refused(path).Message, Is.EqualTo($"{path}: 4 unexpected bytes follow the data of the 1x1 .flo flow"));
        path = WriteFile("cut.flo", bytes[..9]);
        Assert.That(Refused(path).Message, Is.EqualTo($"{path}: .flo header is truncated (9 of 12 bytes)"));
        var e = Assert.Throws<InvalidDataException>(() => FloReader.Read(WriteFile("x.flo", "PIEX1234abcd"u8.ToArray())))!;
        Assert.That(e.Message, Is.EqualTo($"{PathOf("x.flo")}: not a .flo file (it does not start with the float 202021.25, the bytes 'PIEH')"));
    }

    [Test]
    public void FloWithTheUnknownFlowMarkerIsRefusedAsTooFast()
    {
        var uv = MotionFiles.Arrange(Planes, H, W, "H,W,2").Data;
        uv[2 * (1 * W + 4)] = 1e9f;
        string path = WriteFile("m.flo", MotionFiles.Flo(W, H, uv));
        Assert.That(Refused(path).Message, Does.StartWith($"{path}: motion field of shape (3, 5, 2) moves pixel (x 4, y 1) by (1E+09, ")
            .And.EndWith("farther than its 5x3 grid in one frame (at most 5); values must be pixels per frame"));
    }

    [Test]
    public void VectorsUpToTheLongSideAreAccepted()
    {
        var planes = new float[2 * H * W];
        planes[0] = 3;
        planes[H * W] = 4; // length 5 = the long side
        string path = WriteFile("m.npy", MotionFiles.Npy(new TensorData([2, H, W], planes)));
        Assert.That(MotionFieldReader.Load(path).Data, Is.EqualTo(planes));
        planes[0] = 3.01f;
        path = WriteFile("fast.npy", MotionFiles.Npy(new TensorData([2, H, W], planes)));
        Assert.That(Refused(path).Message, Does.Contain("moves pixel (x 0, y 0) by (3.01, 4), 5.006 pixels a frame"));
    }

    [Test]
    public void FilesOfOtherKindsSayWhatTheyAreAndWhatIsAccepted()
    {
        string accepted = MotionFieldReader.Accepted;
        string png = WriteFile("motion.npy", [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0]);
        Assert.That(Refused(png).Message, Is.EqualTo($"{png}: not a motion field but a PNG image; {accepted}"));
        string empty = WriteFile("empty.npy", []);
        Assert.That(Refused(empty).Message, Is.EqualTo($"{empty}: not a motion field but an empty file; {accepted}"));
        string text = WriteFile("motion.flo", "hello, world"u8.ToArray());
        Assert.That(Refused(text).Message, Is.EqualTo($"{text}: not a motion field but an unknown format (it starts with the bytes 68656c6c6f2c2077); {accepted}"));
        string safetensors = WriteFile("m.safetensors", TestFiles.Safetensors("{}", []));
        Assert.That(Refused(safetensors).Message, Is.EqualTo($"{safetensors}: not a motion field but a safetensors file; {accepted}"));
    }

    [Test]
    public void FormatsAreToldApartByContentNotName()
    {
        var npy = MotionFiles.Npy(MotionFiles.Arrange(Planes, H, W, "2,H,W"));
        AssertSamePlanes(MotionFieldReader.Load(WriteFile("really-an-npz.npy", MotionFiles.Npz([("flow", npy)]))));
        AssertSamePlanes(MotionFieldReader.Load(WriteFile("really-an-npy.flo", npy)));
    }

    [Test]
    public void ANameOnlySelectsArraysOfAnNpz()
    {
        var npy = MotionFiles.Npy(MotionFiles.Arrange(Planes, H, W, "2,H,W"));
        string path = WriteFile("m.npz", npy);
        Assert.That(Refused(path + ":flow").Message,
            Is.EqualTo($"{path}: a .npy file holds one unnamed array, but the array 'flow' was asked for (FILE:NAME selects an array of a .npz archive)"));
        Assert.That(MotionFieldReader.SplitKey("a.npz:b.npz:c"), Is.EqualTo(("a.npz:b.npz", (string?)"c")));
        Assert.That(MotionFieldReader.SplitKey("plain.npy"), Is.EqualTo(("plain.npy", (string?)null)));
        string colon = WriteFile("odd.npz:name", MotionFiles.Npz([("flow", npy)]));
        Assert.That(MotionFieldReader.SplitKey(colon), Is.EqualTo((colon, (string?)null)), "an existing file is never split");
    }
}
