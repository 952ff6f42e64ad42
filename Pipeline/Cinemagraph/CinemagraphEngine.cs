using System.Diagnostics;
using CineKernel.Kernels;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>
/// Renders any number of photos with one device, one weights folder and one set of built programs: the device is
/// opened and the weights loaded once (<see cref="Open(string, string?, FlowNet)"/>); each program (the weight-free
/// frame program, or the full method's encoder, mask predictor, motion network and frame program) is built and
/// planned the first time a photo needs it and reused by every later photo with the same sizes and settings (new
/// inputs, the hoisted part rerun); kernels are compiled once per device. Per photo: a <see cref="CinemagraphJob"/>
/// with its own options; progress, cancellation, and frames handed out as they are made.
/// <para>
/// Thread-safety: every member may be called from any thread, and renders run one at a time: a
/// <see cref="Render(CinemagraphJob, FrameCallback, IProgress{CinemagraphProgress}?, CancellationToken)"/> or
/// <see cref="Prepare"/> waits until the photo before it is finished (its <see cref="PreparedCinemagraph"/>
/// disposed), because they share the device's stream and the built programs. A thread that holds a
/// <see cref="PreparedCinemagraph"/> and prepares another is refused (it would wait for itself). For photos in
/// parallel, use one engine per device.
/// </para>
/// <para>
/// <see cref="Dispose"/> waits for a render in progress on another thread, then releases every built program's
/// device memory, and the device and weights when the engine opened them.
/// </para>
/// </summary>
public sealed class CinemagraphEngine : IDisposable
{
    private readonly bool ownsDevice, ownsWeights;
    private readonly PlanCache cache = new();
    private readonly SemaphoreSlim gate = new(1, 1);
    private int holder = -1; // managed thread id of the thread that prepared the photo in progress
    private int active, peakActive;
    private bool disposed;

    private CinemagraphEngine(ComputeDevice device, WeightsFolder? weights, bool ownsDevice, bool ownsWeights)
    {
        Device = device;
        Weights = weights;
        this.ownsDevice = ownsDevice;
        this.ownsWeights = ownsWeights;
    }

    /// <summary>Where everything runs.</summary>
    public ComputeDevice Device { get; }

    /// <summary>The full method's weights, or null for the weight-free renderer.</summary>
    public WeightsFolder? Weights { get; }

    /// <summary>Programs built (graph, plan, runner, uploads) so far; a reused one is not counted again.</summary>
    internal int ProgramsBuilt => cache.Built;

    /// <summary>Photos' programs that were reused instead of built.</summary>
    internal int ProgramsReused => cache.Reused;

    /// <summary>Built programs waiting for the next photo.</summary>
    internal int IdlePrograms => cache.IdleCount;

    /// <summary>The most photos ever in progress at once (1 by construction; the thread-safety test reads it).</summary>
    internal int PeakConcurrentRenders => Volatile.Read(ref peakActive);

    /// <summary>An engine on a device (and weights folder) the caller opened and keeps: disposing the engine leaves them open.</summary>
    /// <param name="device">Where to compute.</param>
    /// <param name="weights">The full method's checked weights folder, or null for the weight-free renderer.</param>
    public static CinemagraphEngine Open(ComputeDevice device, WeightsFolder? weights = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        return new CinemagraphEngine(device, weights, ownsDevice: false, ownsWeights: false);
    }

    /// <summary>Opens the device (and the weights folder) for an engine that owns them.</summary>
    /// <param name="device">auto, cuda, opencl or cpu (<see cref="ComputeDevice.Open"/>).</param>
    /// <param name="weightsDirectory">The converted weights (weights.md), or null for the weight-free renderer. The
    /// generator and the encoder are loaded now; the classifiers and the flow network on the first photo that needs them.</param>
    /// <param name="flowNet">The motion network (and mask class) used when a photo's motion or mask is predicted.</param>
    /// <exception cref="InvalidOperationException">The device is not available.</exception>
    /// <exception cref="DirectoryNotFoundException">The weights folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The generator or the encoder is missing.</exception>
    public static CinemagraphEngine Open(string device = "auto", string? weightsDirectory = null, FlowNet flowNet = FlowNet.Sky)
    {
        var weights = weightsDirectory is null ? null : WeightsFolder.Open(weightsDirectory, flowNet);
        try
        {
            return new CinemagraphEngine(ComputeDevice.Open(device), weights, ownsDevice: true, ownsWeights: weights is not null);
        }
        catch
        {
            weights?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Does one photo's once-per-cinemagraph work (with weights: inversion, the mask and the motion when not given,
    /// the frame program's hoisted part; without: the pyramid and the displacement fields) and returns it ready to
    /// render. Waits while another photo is in progress.
    /// </summary>
    /// <exception cref="ArgumentException">The job does not fit the renderer (see <see cref="WeightFreeRenderer.Create(ComputeDevice, RgbPlanes, Motion.MotionField, Mask.AnimationMask?, CinemagraphOptions?)"/>
    /// and <see cref="StyleCineGanRenderer.Create(ComputeDevice, WeightsFolder, StyleCineGanInputs, CinemagraphOptions?, int?)"/>), e.g. no motion without weights.</exception>
    /// <exception cref="InvalidOperationException">This thread already holds a prepared photo of this engine.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting.</exception>
    /// <exception cref="ObjectDisposedException">The engine is disposed.</exception>
    public PreparedCinemagraph Prepare(CinemagraphJob job, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ObjectDisposedException.ThrowIf(disposed, this);
        CheckJob(job);
        if (Volatile.Read(ref holder) == Environment.CurrentManagedThreadId)
            throw new InvalidOperationException("this thread already holds a prepared cinemagraph of this engine: dispose it before preparing the next");
        gate.Wait(cancellation);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            holder = Environment.CurrentManagedThreadId;
            int now = Interlocked.Increment(ref active);
            if (now > peakActive) Volatile.Write(ref peakActive, now);
            var prepared = Weights is null
                ? new PreparedCinemagraph(WeightFreeRenderer.CreateReusing(Device, job.Photo, job.Motion!, job.Mask, job.Options, cache), null, job, Release)
                : new PreparedCinemagraph(null, StyleCineGanRenderer.CreateReusing(Device, Weights, Inputs(job, Weights), job.Options, job.OutputSize, cache), job, Release);
            return prepared;
        }
        catch
        {
            Release();
            throw;
        }
    }

    /// <summary>
    /// Renders one photo: prepares it, then hands every frame to <paramref name="onFrame"/> in order as soon as it is
    /// made (3×H×W floats, valid during the call), reporting progress after the preparation and after each frame.
    /// </summary>
    /// <returns>The frames' width and height.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled (checked before each frame).</exception>
    /// <exception cref="ArgumentException">The job does not fit the renderer (see <see cref="Prepare"/>).</exception>
    public (int Width, int Height) Render(CinemagraphJob job, FrameCallback onFrame, IProgress<CinemagraphProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(onFrame);
        var clock = Stopwatch.StartNew();
        using var prepared = Prepare(job, cancellation);
        Render(prepared, onFrame, progress, clock, cancellation);
        return (prepared.Width, prepared.Height);
    }

    /// <summary>
    /// Renders one photo into a file: <c>.gif</c>, <c>.mp4</c>, or a folder of PNG frames (<see cref="FrameWriter.Create"/>),
    /// written atomically (nothing appears at <paramref name="output"/> unless every frame was written).
    /// </summary>
    /// <exception cref="MediaFileException">The output cannot be written (it exists without overwriting, its folder is missing, ...).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the partial output is removed.</exception>
    public void Render(CinemagraphJob job, string output, FrameWriterOptions? writerOptions = null, IProgress<CinemagraphProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var clock = Stopwatch.StartNew();
        using var prepared = Prepare(job, cancellation);
        using var writer = FrameWriter.Create(output, prepared.Width, prepared.Height, writerOptions);
        Render(prepared, (t, rgb) => writer.Write(rgb), progress, clock, cancellation);
        writer.Complete();
    }

    private static void Render(PreparedCinemagraph prepared, FrameCallback onFrame, IProgress<CinemagraphProgress>? progress, Stopwatch clock,
        CancellationToken cancellation)
    {
        int n = prepared.FrameCount;
        progress?.Report(new CinemagraphProgress(0, n, clock.Elapsed.TotalSeconds));
        prepared.Render((t, rgb) =>
        {
            onFrame(t, rgb);
            progress?.Report(new CinemagraphProgress(t + 1, n, clock.Elapsed.TotalSeconds));
        }, cancellation);
    }

    private void CheckJob(CinemagraphJob job)
    {
        if (Weights is not null) return; // the full method's renderer checks its inputs itself
        if (job.Motion is null)
            throw new ArgumentException("cinemagraph: the weight-free renderer needs a motion field (only the full method predicts one)", nameof(job));
        if (job.Style is not null || job.OutputSize is not null || job.GridSize is not null || job.Background is not null || job.Placement is not null)
            throw new ArgumentException("cinemagraph: a style image, an output size, a grid size and a background need the full method (an engine with weights)", nameof(job));
    }

    private static StyleCineGanInputs Inputs(CinemagraphJob job, WeightsFolder weights) => new()
    {
        Photo = job.Photo,
        GridSize = job.GridSize ?? job.Motion?.Width ?? weights.GeneratorConfig.Size / 2,
        Motion = job.Motion,
        Mask = job.Mask,
        Style = job.Style,
        Background = job.Background,
        Placement = job.Placement,
    };

    private void Release()
    {
        holder = -1;
        Interlocked.Decrement(ref active);
        gate.Release();
    }

    /// <summary>
    /// Waits for a photo in progress on another thread, then releases every built program's device memory, and the
    /// device and the weights folder when <see cref="Open(string, string?, FlowNet)"/> opened them. Later calls throw
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        if (disposed) return;
        bool mine = Volatile.Read(ref holder) == Environment.CurrentManagedThreadId;
        if (!mine) gate.Wait();
        try
        {
            disposed = true;
            cache.Dispose();
            if (ownsWeights) Weights!.Dispose();
            if (ownsDevice) Device.Dispose();
        }
        finally
        {
            if (!mine) gate.Release();
        }
    }
}
