using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// <c>frame_0000.png</c>, <c>frame_0001.png</c>, ... (four digits, more if there are over 10 000 frames)
/// in the temporary directory, each written as it arrives.
/// </summary>
internal sealed class PngSequenceEncoder(string directory, int width, int height) : IFrameEncoder
{
    private readonly PngEncoder encoder = new() { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8 };
    private int index;

    public static string FileName(int index) => $"frame_{index:D4}.png";

    public void Encode(byte[] rgb24)
    {
        using var image = Image.LoadPixelData<Rgb24>(rgb24, width, height);
        image.Save(Path.Combine(directory, FileName(index++)), encoder);
    }

    public void Finish()
    {
    }

    public void Cancel()
    {
    }

    public void Dispose()
    {
    }
}
