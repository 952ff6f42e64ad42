using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;

namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>
/// One photo made ready by <see cref="CinemagraphEngine.Prepare"/>: its once-per-cinemagraph work is done and its
/// frames can be rendered (<see cref="Render"/>, <see cref="Frames"/>). It holds the engine until disposed: the
/// engine's next photo waits for <see cref="Dispose"/>, which returns the built programs to the engine for reuse.
/// </summary>
public sealed class PreparedCinemagraph : IDisposable
{
    private readonly Action release;
    private bool disposed;

    internal PreparedCinemagraph(WeightFreeRenderer? weightFree, StyleCineGanRenderer? full, CinemagraphJob job, Action release)
    {
        WeightFree = weightFree;
        Full = full;
        Job = job;
        this.release = release;
    }

    /// <summary>The weight-free renderer (its stage timings), or null when the engine has weights.</summary>
    public WeightFreeRenderer? WeightFree { get; }

    /// <summary>The full method's renderer (its stage timings, w+, the predicted mask and motion), or null without weights.</summary>
    public StyleCineGanRenderer? Full { get; }

    /// <summary>What was asked.</summary>
    public CinemagraphJob Job { get; }

    /// <summary>Width of the frames handed out, in pixels.</summary>
    public int Width => WeightFree is not null ? Job.Photo.Width : Full!.Width;

    /// <summary>Height of the frames handed out, in pixels.</summary>
    public int Height => WeightFree is not null ? Job.Photo.Height : Full!.Height;

    /// <summary>Frames in the loop, N.</summary>
    public int FrameCount => WeightFree?.FrameCount ?? Full!.FrameCount;

    /// <summary>The motion the frames follow (the job's, or the predicted one), before <c>flow *= mask · speed</c>.</summary>
    public MotionField Motion => WeightFree is not null ? Job.Motion! : Full!.Motion;

    /// <summary>The mask the frames use (the job's, the predicted one, or everything animated).</summary>
    public AnimationMask Mask => WeightFree is not null ? Job.Mask ?? AnimationMask.All(Job.Motion!.Width, Job.Motion.Height) : Full!.Mask;

    /// <summary>
    /// Renders every frame in order t = 0..N−1, handing each to <paramref name="onFrame"/> as soon as it is made
    /// (3×H×W floats, valid during the call; see <see cref="FrameCallback"/>).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled (checked before each frame).</exception>
    /// <exception cref="ObjectDisposedException">Already disposed.</exception>
    public void Render(FrameCallback onFrame, CancellationToken cancellation = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (WeightFree is not null) WeightFree.Render(onFrame, cancellation);
        else Full!.Render(onFrame, cancellation);
    }

    /// <summary>Every frame in order, each a new <see cref="RgbPlanes"/> clamped to [0, 1].</summary>
    public IEnumerable<RgbPlanes> Frames()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return WeightFree?.Frames() ?? Full!.Frames();
    }

    /// <summary>Returns the built programs to the engine and lets its next photo start.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        try
        {
            WeightFree?.Dispose();
            Full?.Dispose();
        }
        finally
        {
            release();
        }
    }
}
