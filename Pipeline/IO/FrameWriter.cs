namespace CineKernel.Pipeline.IO;

/// <summary>Opens the <see cref="IFrameWriter"/> for a destination.</summary>
public static class FrameWriter
{
    /// <summary>
    /// The output kind for a destination: <c>.gif</c> or <c>.mp4</c> (any case); a directory of PNG frames
    /// for a path that ends in a separator, has no extension, or is an existing directory (with any other
    /// extension, e.g. <c>frames.v2</c>).
    /// </summary>
    /// <exception cref="MediaFileException">Any other extension.</exception>
    public static FrameOutputKind KindOf(string destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (Path.EndsInDirectorySeparator(destination)) return FrameOutputKind.PngDirectory;
        string extension = Path.GetExtension(destination).ToLowerInvariant();
        return extension switch
        {
            ".gif" => FrameOutputKind.Gif,
            ".mp4" => FrameOutputKind.Mp4,
            "" => FrameOutputKind.PngDirectory,
            _ when Directory.Exists(destination) => FrameOutputKind.PngDirectory,
            _ => throw new MediaFileException(destination,
                $"Output '{destination}': unsupported extension '{extension}'; use .gif, .mp4, or a directory name (no extension, or ending in '/') for PNG frames."),
        };
    }

    /// <summary>
    /// Checks the destination and the settings and opens a writer for width×height frames. Nothing appears
    /// at the destination before <see cref="IFrameWriter.Complete"/>.
    /// </summary>
    /// <exception cref="MediaFileException">
    /// Unsupported extension; the destination exists (and overwriting is off or it is not ours to replace);
    /// its folder is missing or not writable; MP4 with odd dimensions; ffmpeg not found; GIF over 50 fps.
    /// </exception>
    public static IFrameWriter Create(string destination, int width, int height, FrameWriterOptions? options = null)
    {
        options ??= new FrameWriterOptions();
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"Frame size must be positive, got {width}x{height}.");
        if (!(options.Fps > 0) || double.IsInfinity(options.Fps))
            throw new ArgumentOutOfRangeException(nameof(options), $"Frame rate must be positive, got {options.Fps}.");
        if (options.QueueCapacity < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"Queue capacity must be at least 1, got {options.QueueCapacity}.");
        if (options.Mp4Crf is < 0 or > 51)
            throw new ArgumentOutOfRangeException(nameof(options), $"x264 CRF must be in 0..51, got {options.Mp4Crf}.");

        FrameOutputKind kind = KindOf(destination);
        if (kind == FrameOutputKind.Gif && options.Fps > GifStreamEncoder.MaxFps)
            throw new MediaFileException(destination,
                $"Output '{destination}': GIF plays at most {GifStreamEncoder.MaxFps} fps (delays are whole hundredths of a second), {options.Fps} asked; use .mp4.");
        if (kind == FrameOutputKind.Mp4 && (width % 2 != 0 || height % 2 != 0))
            throw new MediaFileException(destination,
                $"Output '{destination}': H.264 in yuv420p needs even dimensions, the frames are {width}x{height}.");
        if (kind == FrameOutputKind.Mp4)
            FfmpegEncoder.RequireProgram(destination, options.FfmpegPath); // before anything is created

        var target = OutputTarget.Prepare(destination, kind == FrameOutputKind.PngDirectory, options.Overwrite);
        IFrameEncoder encoder;
        try
        {
            encoder = kind switch
            {
                FrameOutputKind.Gif => new GifStreamEncoder(target.TempPath, width, height, options.Fps),
                FrameOutputKind.Mp4 => FfmpegEncoder.Start(destination, target.TempPath, width, height, options),
                _ => new PngSequenceEncoder(target.TempPath, width, height),
            };
        }
        catch
        {
            target.Discard();
            throw;
        }
        return new QueuedFrameWriter(target, kind, encoder, width, height, options.QueueCapacity);
    }
}
