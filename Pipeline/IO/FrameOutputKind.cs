namespace CineKernel.Pipeline.IO;

/// <summary>The kinds of output, chosen by the destination's extension (<see cref="FrameWriter.KindOf"/>).</summary>
public enum FrameOutputKind
{
    /// <summary><c>.gif</c>: animated GIF through ImageSharp, looping forever.</summary>
    Gif,

    /// <summary><c>.mp4</c>: H.264 in yuv420p through the ffmpeg program.</summary>
    Mp4,

    /// <summary>A directory (no extension, a trailing '/', or an existing directory): <c>frame_0000.png</c>, ...</summary>
    PngDirectory,
}
