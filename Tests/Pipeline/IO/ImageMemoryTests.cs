using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using CineKernel.Pipeline.IO;
using NUnit.Framework;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;

namespace CineKernel.Tests.Pipeline.IO;

/// <summary>
/// Images under a memory bound: a tiny file claiming a huge image is refused from its header before any pixel
/// memory exists, a file whose frames would each be decoded at full size is read to its first frame only, and
/// decoding a legitimate image of the largest accepted size stays within <see cref="ImageInput.MemoryBudgetBytes"/>.
/// Each test decodes with its own <see cref="ImageMemoryBudget"/>, which also measures the peak.
/// </summary>
public class ImageMemoryTests : IoTestBase
{
    private static (MediaFileException Error, long Allocated) Refuse(string path, ImageMemoryBudget budget)
    {
        var configuration = ImageFileReader.CreateConfiguration(budget);
        Assert.Throws<MediaFileException>(() => ImageFileReader.Read(path, "Input image", ImageInput.MaxSide, configuration)); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<MediaFileException>(() => ImageFileReader.Read(path, "Input image", ImageInput.MaxSide, configuration))!;
        return (e, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static IEnumerable<TestCaseData> HugeHeaders()
    {
        yield return new TestCaseData("png", IoTestFiles.PngHeaderOnly(60000, 60000), 60000).SetName("PNG header claiming 60000x60000");
        yield return new TestCaseData("jpg", JpegHeaderOnly(60000, 60000), 60000).SetName("JPEG header claiming 60000x60000");
        yield return new TestCaseData("gif", GifBomb(60000, 60000, frames: 1), 60000).SetName("GIF screen of 60000x60000");
        yield return new TestCaseData("bmp", BmpHeaderOnly(60000, 60000), 60000).SetName("BMP header claiming 60000x60000");
        // VP8L stores each side in 14 bits.
        yield return new TestCaseData("webp", WebpLosslessHeaderOnly(16000, 16000), 16000).SetName("WebP header claiming 16000x16000");
    }

    [TestCaseSource(nameof(HugeHeaders))]
    public void HugeDimensionsInATinyFileAreRefusedBeforeDecoding(string extension, byte[] bytes, int side)
    {
        string path = files.SaveBytes("huge." + extension, bytes);
        var budget = new ImageMemoryBudget(ImageInput.MemoryBudgetBytes);
        var (e, allocated) = Refuse(path, budget);
        TestContext.Out.WriteLine($"{bytes.Length} bytes: {e.Message} ({allocated} bytes allocated)");
        Assert.That(e.Message, Does.Contain($"{side}x{side} pixels is over the limit of 8192 pixels a side"));
        Assert.That(e.Message, Does.Not.Contain('\n'));
        Assert.That(budget.PeakBytes, Is.LessThan(64 << 10), "the header's scratch buffers, no pixel buffer");
        Assert.That(allocated, Is.LessThan(256 << 10));
    }

    [Test]
    public void BmpPixelOffsetPastTheEndIsRefusedBeforeItsPaletteIsAllocated()
    {
        // Found by the image fuzzer: ImageSharp 2.1 sizes a BMP's palette by the pixel data offset and allocates
        // it while identifying; an offset of 1.6 GB in a 54-byte file made Identify allocate 1.6 GB.
        var bytes = BmpHeaderOnly(16, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(10), 0x6400_0036);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(28), 8); // 8 bits a pixel: a palette is read
        string path = files.SaveBytes("offset.bmp", bytes);
        var (e, allocated) = Refuse(path, new ImageMemoryBudget(ImageInput.MemoryBudgetBytes));
        Assert.That(e.Message, Is.EqualTo(
            $"Input image '{path}': the BMP pixel data offset 1677721654 lies past the end of the file (54 bytes); the BMP file is truncated or corrupt."));
        Assert.That(allocated, Is.LessThan(256 << 10));
    }

    [Test]
    public void OnlyTheFirstFrameOfAGifIsDecoded()
    {
        // 300 one-pixel frames on a 4096x4096 screen, 4.5 KB: decoding every frame at the screen's size held
        // 300 × 48 MB (ImageSharp keeps them all); the first frame alone is one screen.
        string path = files.SaveBytes("frames.gif", GifBomb(4096, 4096, frames: 300));
        var budget = new ImageMemoryBudget(ImageInput.MemoryBudgetBytes);
        var clock = Stopwatch.StartNew();
        var (image, header) = ImageFileReader.Read(path, "Input image", ImageInput.MaxSide, ImageFileReader.CreateConfiguration(budget));
        using (image)
        {
            TestContext.Out.WriteLine($"{header}: {image.Frames.Count} frame, peak {budget.PeakBytes >> 20} MB, {clock.ElapsedMilliseconds} ms");
            Assert.That(image.Frames.Count, Is.EqualTo(1));
            Assert.That(budget.PeakBytes, Is.LessThan(2L * 4096 * 4096 * 3));
        }
    }

    [Test]
    public void AnImageOverTheBudgetIsRefusedInOneLine()
    {
        string path = files.SaveBytes("screen.gif", GifBomb(4096, 4096, frames: 1));
        var (e, _) = Refuse(path, new ImageMemoryBudget(16 << 20));
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.StartWith($"Input image '{path}': the 4096x4096 GIF image needs more memory than allowed (decoding needs more than the 16 MB"));
        Assert.That(e.Message, Does.Not.Contain('\n'));
    }

    [Test]
    public void TheLargestAcceptedImageDecodesWithinTheBudget()
    {
        // 8192x8192 RGB (192 MB of pixels) as a 200 KB PNG of one colour, read as ImageInput.Load reads it.
        string path = files.SaveBytes("largest.png", FlatPng(ImageInput.MaxSide, ImageInput.MaxSide));
        var budget = new ImageMemoryBudget(ImageInput.MemoryBudgetBytes);
        var clock = Stopwatch.StartNew();
        var (image, _) = ImageFileReader.Read(path, "Input image", ImageInput.MaxSide, ImageFileReader.CreateConfiguration(budget));
        using (image)
        {
            ImageInput.CropAndResize(image, ImageInput.DefaultSize, ImageInput.DefaultSize, KnownResamplers.Lanczos3);
            Assert.That(image.Width, Is.EqualTo(ImageInput.DefaultSize));
        }
        TestContext.Out.WriteLine($"8192x8192 PNG to 1024: peak {budget.PeakBytes >> 20} MB of image memory, {clock.ElapsedMilliseconds} ms");
        Assert.That(budget.PeakBytes, Is.LessThan(ImageInput.MemoryBudgetBytes));
        Assert.That(budget.OutstandingBytes, Is.Zero, "every buffer is returned");
    }

    /// <summary>Start of image, a baseline SOF0 segment for a 3-component width×height image, end of image.</summary>
    private static byte[] JpegHeaderOnly(int width, int height)
    {
        byte[] bytes = [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 8, 0, 0, 0, 0, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 0xFF, 0xD9];
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(7), (ushort)height);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(9), (ushort)width);
        return bytes;
    }

    /// <summary>A GIF89a screen of width×height with a 2-colour table and <paramref name="frames"/> one-pixel frames.</summary>
    private static byte[] GifBomb(int width, int height, int frames)
    {
        var bytes = new List<byte>("GIF89a"u8.ToArray());
        bytes.AddRange([(byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0x80, 0, 0, 0, 0, 0, 255, 255, 255]);
        // Image descriptor at (0, 0), 1×1; LZW minimum code size 2; one sub-block: clear, index 0, end.
        for (int f = 0; f < frames; f++) bytes.AddRange([0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0]);
        bytes.Add(0x3B);
        return bytes.ToArray();
    }

    /// <summary>A BITMAPINFOHEADER for a 24-bit width×height image and no pixels.</summary>
    private static byte[] BmpHeaderOnly(int width, int height)
    {
        var bytes = new byte[54];
        "BM"u8.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(28), 24);
        return bytes;
    }

    /// <summary>A RIFF/WEBP file with only the header of a VP8L (lossless) chunk declaring width×height.</summary>
    private static byte[] WebpLosslessHeaderOnly(int width, int height)
    {
        var bytes = new byte[26];
        "RIFF"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)bytes.Length - 8);
        "WEBPVP8L"u8.CopyTo(bytes.AsSpan(8));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), 5);
        bytes[20] = 0x2F; // VP8L signature, then 14 bits of width − 1 and 14 of height − 1
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(21), (uint)(width - 1) | (uint)(height - 1) << 14);
        return bytes;
    }

    /// <summary>An 8-bit RGB PNG of one colour (every row filter 0, all zeros), deflated quickly.</summary>
    private static byte[] FlatPng(int width, int height)
    {
        var raw = new byte[1 + 3 * width];
        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true))
            for (int y = 0; y < height; y++) z.Write(raw);
        using var png = new MemoryStream();
        png.Write(IoTestFiles.PngHeaderOnly(width, height));
        png.Write(IoTestFiles.PngChunk("IDAT", idat.ToArray()));
        png.Write(IoTestFiles.PngChunk("IEND", []));
        return png.ToArray();
    }
}
