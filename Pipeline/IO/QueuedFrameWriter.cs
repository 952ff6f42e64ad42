using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// The writer all kinds share: frames go through a bounded queue to one background thread that runs the
/// <see cref="IFrameEncoder"/>; the output is committed or discarded through its <see cref="OutputTarget"/>.
/// </summary>
internal sealed class QueuedFrameWriter : IFrameWriter
{
    private readonly OutputTarget target;
    private readonly IFrameEncoder encoder;
    private readonly BlockingCollection<byte[]> queue;
    private readonly ConcurrentBag<byte[]> spareBuffers = [];
    private readonly Thread worker;
    private volatile Exception? fault;
    private volatile bool abandoning;
    private bool open = true;
    private bool encoderDisposed;

    public QueuedFrameWriter(OutputTarget target, FrameOutputKind kind, IFrameEncoder encoder, int width, int height, int capacity)
    {
        this.target = target;
        this.encoder = encoder;
        Kind = kind;
        Width = width;
        Height = height;
        queue = new BlockingCollection<byte[]>(capacity);
        worker = new Thread(EncodeQueuedFrames) { IsBackground = true, Name = $"CineKernel {kind} encoder" };
        worker.Start();
    }

    public string Destination => target.Destination;

    public FrameOutputKind Kind { get; }

    public int Width { get; }

    public int Height { get; }

    public int FrameCount { get; private set; }

    public void Write(ReadOnlySpan<float> rgbPlanes, PixelRange range = PixelRange.Unit)
    {
        ThrowIfClosed();
        ThrowIfFaulted();
        if (!spareBuffers.TryTake(out byte[]? buffer)) buffer = new byte[3 * Width * Height];
        try
        {
            PixelQuantizer.ToRgb24(rgbPlanes, Width, Height, range, buffer);
        }
        catch
        {
            spareBuffers.Add(buffer);
            throw;
        }
        queue.Add(buffer);
        FrameCount++;
    }

    public void Complete()
    {
        ThrowIfClosed();
        queue.CompleteAdding();
        worker.Join();
        try
        {
            ThrowIfFaulted();
            if (FrameCount == 0)
                throw new MediaFileException(Destination, $"Output '{Destination}': no frames were written.");
            Run(encoder.Finish);
            DisposeEncoder();
            target.Commit();
            open = false;
            queue.Dispose();
        }
        catch
        {
            Abandon();
            throw;
        }
    }

    /// <summary>Without a successful <see cref="Complete"/>: stops the encoder and deletes the temporary output.</summary>
    public void Dispose()
    {
        if (open) Abandon();
    }

    private void Abandon()
    {
        open = false;
        abandoning = true;
        if (!encoderDisposed) encoder.Cancel(); // a blocked Encode (ffmpeg's full pipe) returns, so the worker can drain and stop
        queue.CompleteAdding();
        worker.Join();
        DisposeEncoder();
        target.Discard();
        queue.Dispose();
    }

    private void DisposeEncoder()
    {
        if (encoderDisposed) return;
        encoderDisposed = true;
        encoder.Dispose();
    }

    private void EncodeQueuedFrames()
    {
        foreach (byte[] frame in queue.GetConsumingEnumerable())
        {
            // After a failure the remaining frames are drained unencoded, so a producer blocked on a full
            // queue always wakes up and hears about the failure on its next Write.
            if (fault is null && !abandoning)
            {
                try
                {
                    encoder.Encode(frame);
                }
                catch (Exception e)
                {
                    fault = e;
                }
            }
            spareBuffers.Add(frame);
        }
    }

    /// <summary>Runs encoder work on this thread, turning unexpected exceptions into one-line messages.</summary>
    private void Run(Action work)
    {
        try
        {
            work();
        }
        catch (Exception e) when (e is not MediaFileException)
        {
            throw new MediaFileException(Destination, $"Writing '{Destination}' failed: {e.Message}", e);
        }
    }

    private void ThrowIfClosed() =>
        ObjectDisposedException.ThrowIf(!open, this);

    private void ThrowIfFaulted()
    {
        Exception? e = fault;
        if (e is null) return;
        if (e is MediaFileException) ExceptionDispatchInfo.Throw(e);
        throw new MediaFileException(Destination, $"Writing '{Destination}' failed: {e.Message}", e);
    }
}
