using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Quantization;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// The format-specific half of a frame writer. <see cref="Encode"/> and <see cref="Finish"/> run on the
/// writer's background thread (Finish after the last Encode); <see cref="Cancel"/> may be called from
/// another thread while Encode runs, and must make it return soon.
/// </summary>
internal interface IFrameEncoder : IDisposable
{
    /// <summary>One frame, interleaved rgb24 (H×W×3 bytes). The buffer is reused after the call.</summary>
    void Encode(byte[] rgb24);

    /// <summary>All frames are in: complete the output at the temporary path.</summary>
    void Finish();

    /// <summary>Abandon the output: stop any work in progress.</summary>
    void Cancel();
}

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

/// <summary>
/// An animated GIF through ImageSharp 2.1, which only encodes a whole image at once: frames are kept
/// (3 bytes a pixel each: 94 MB for 120 frames of 512², 377 MB at 1024²) and encoded by <see cref="Finish"/>.
/// <para>
/// Palette: one global 256-colour table from ImageSharp's octree quantizer, with ordered (Bayer 8×8)
/// dithering at a quarter of full strength. A cinemagraph's frames share their static part and its
/// colours, so one palette fits all of them; and a fixed palette with position-based dithering maps an
/// unchanged pixel to the same index in every frame, so the static region does not shimmer, as it would
/// with per-frame palettes or error diffusion (whose error spreads from moving pixels into static ones).
/// The light dither breaks the banding of smooth skies (on the bundled sample at 256²: mean absolute
/// error 3.9 levels, against 2.9 undithered with visible bands and 10.9 at full strength).
/// Not Wu's quantizer: in ImageSharp 2.1.13 its global table for a multi-frame image loses colours
/// (mean error 109 levels on the same sample; a two-colour test animation came out all one colour).
/// </para>
/// <para>Timing: GIF delays are whole hundredths of a second; frame i lasts round(100(i+1)/fps) − round(100i/fps),
/// so the average rate is exact (30 fps: 3, 4, 3, 3, 4, 3, ...). Loops forever (NETSCAPE2.0 repeat count 0).</para>
/// </summary>
internal sealed class GifAnimationEncoder(string tempPath, int width, int height, double fps) : IFrameEncoder
{
    /// <summary>Browsers treat GIF delays under 2 hundredths as 10, so 50 fps is the fastest that plays as asked.</summary>
    public const double MaxFps = 50;

    private Image<Rgb24>? animation;
    private int index;

    public static int DelayHundredths(int frame, double fps) =>
        (int)(Math.Round(100.0 * (frame + 1) / fps, MidpointRounding.AwayFromZero) - Math.Round(100.0 * frame / fps, MidpointRounding.AwayFromZero));

    public void Encode(byte[] rgb24)
    {
        ImageFrame<Rgb24> frame;
        if (animation is null)
        {
            animation = Image.LoadPixelData<Rgb24>(rgb24, width, height);
            frame = animation.Frames.RootFrame;
        }
        else
        {
            using var single = Image.LoadPixelData<Rgb24>(rgb24, width, height);
            frame = animation.Frames.AddFrame(single.Frames.RootFrame);
        }
        frame.Metadata.GetGifMetadata().FrameDelay = DelayHundredths(index++, fps);
    }

    public void Finish()
    {
        if (animation is null) return;
        animation.Metadata.GetGifMetadata().RepeatCount = 0;
        var encoder = new GifEncoder
        {
            ColorTableMode = GifColorTableMode.Global,
            Quantizer = new OctreeQuantizer(new QuantizerOptions { MaxColors = 256, Dither = KnownDitherings.Bayer8x8, DitherScale = 0.25f }),
        };
        using var stream = new FileStream(tempPath, FileMode.Create, FileAccess.Write, FileShare.None);
        animation.Save(stream, encoder);
    }

    public void Cancel()
    {
    }

    public void Dispose()
    {
        animation?.Dispose();
        animation = null;
    }
}
