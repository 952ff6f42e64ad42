namespace CineKernel.Pipeline.IO;

/// <summary>Settings shared by the frame writers.</summary>
public sealed record FrameWriterOptions
{
    /// <summary>Playback rate. The original writes its MP4 at 30 fps. GIF allows at most 50 (delays are whole hundredths of a second).</summary>
    public double Fps { get; init; } = 30;

    /// <summary>
    /// Replace an existing destination. Off by default: an existing file is an error before any work is
    /// done. A directory is replaced only if it holds nothing but <c>frame_NNNN.png</c> files (an earlier
    /// run's output), never a folder with other things in it.
    /// </summary>
    public bool Overwrite { get; init; }

    /// <summary>Frames that may wait for the encoder before <see cref="IFrameWriter.Write(ReadOnlySpan{float}, PixelRange)"/> blocks.</summary>
    public int QueueCapacity { get; init; } = 4;

    /// <summary>x264 constant rate factor for MP4 (0 lossless … 51 worst; 18 is visually near-lossless).</summary>
    public int Mp4Crf { get; init; } = 18;

    /// <summary>The ffmpeg program: a name looked up on PATH, or a path.</summary>
    public string FfmpegPath { get; init; } = "ffmpeg";
}
