namespace CineKernel.Pipeline.IO;

/// <summary>
/// Receives the finished frames of a cinemagraph, in order, and produces one output (a GIF, an MP4 or a
/// folder of PNGs; <see cref="FrameWriter.Create"/> picks by the destination's extension).
/// <para>
/// Atomic: everything is written to a hidden temporary path beside the destination
/// (<c>.NAME.XXXXXXXX.partial</c>) and renamed onto the destination by <see cref="Complete"/>. Disposing
/// without <see cref="Complete"/> (an exception, a cancellation) deletes the temporary output, so a failed
/// or interrupted run leaves nothing at the destination and any earlier file there untouched.
/// </para>
/// <para>
/// Overlapped: <see cref="Write(ReadOnlySpan{float}, PixelRange)"/> converts the frame to 8-bit RGB on the calling thread (cheap; the
/// caller's buffer is free again when it returns) and queues it; one background thread encodes queued
/// frames while the caller computes the next. The queue is bounded
/// (<see cref="FrameWriterOptions.QueueCapacity"/> frames), so a slow encoder slows the producer down
/// instead of filling memory. An encoder failure is reported by the next <see cref="Write(ReadOnlySpan{float}, PixelRange)"/> or by
/// <see cref="Complete"/>. Not thread-safe: one producer thread.
/// </para>
/// </summary>
public interface IFrameWriter : IDisposable
{
    /// <summary>The destination as given.</summary>
    string Destination { get; }

    FrameOutputKind Kind { get; }

    int Width { get; }

    int Height { get; }

    /// <summary>Frames accepted by <see cref="Write(ReadOnlySpan{float}, PixelRange)"/> so far.</summary>
    int FrameCount { get; }

    /// <summary>Queues one frame: planar RGB (3×Height×Width floats, R plane first), clamped to the range and rounded to 8 bits.</summary>
    /// <exception cref="ArgumentException">The span is not 3×Height×Width long.</exception>
    /// <exception cref="MediaFileException">The encoder failed on an earlier frame.</exception>
    void Write(ReadOnlySpan<float> rgbPlanes, PixelRange range = PixelRange.Unit);

    /// <summary>Queues one frame given as <see cref="RgbPlanes"/> (values in [0, 1]).</summary>
    void Write(RgbPlanes frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Width != Width || frame.Height != Height)
            throw new ArgumentException($"Frame is {frame.Width}x{frame.Height}; '{Destination}' was opened for {Width}x{Height}.", nameof(frame));
        Write(frame.Data, PixelRange.Unit);
    }

    /// <summary>
    /// Waits for the queued frames, finishes the encoding and renames the result onto the destination.
    /// On failure the temporary output is deleted and the exception (a <see cref="MediaFileException"/>) is thrown.
    /// </summary>
    void Complete();
}
