using System.Security.Cryptography;
using CineKernel.Kernels;
using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Mask;
using CineKernel.Pipeline.Motion;
using CineKernel.Pipeline.Weights;

namespace CineKernel.Tools.Studio;

/// <summary>
/// The studio's state: its private temporary folder (uploads and results; created owner-only, removed on
/// dispose and at process exit), the device and weights opened once, the current photo and predictions, and the
/// one job slot (one render at a time). Thread-safe.
/// </summary>
internal sealed class StudioSession : IDisposable
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, RenderJob> jobs = new();
    private readonly Dictionary<string, RenderJob> lastOfKind = new();
    private RenderJob? running;
    private UploadedPhoto? photo;
    private MotionField? predictedMotion;
    private AnimationMask? predictedMask;
    private bool disposed;

    public StudioSession(StudioOptions options, ComputeDevice device, WeightsFolder? weights)
    {
        Options = options;
        Device = device;
        Weights = weights;
        // CreateTempSubdirectory makes the folder readable by its owner only (0700 on Unix).
        Folder = Directory.CreateTempSubdirectory("cinekernel-studio-").FullName;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public StudioOptions Options { get; }
    public ComputeDevice Device { get; }

    /// <summary>The weights folder (--weights), or null: the weight-free renderer, no predictions.</summary>
    public WeightsFolder? Weights { get; }

    /// <summary>The private folder every file of the session lives in.</summary>
    public string Folder { get; }

    /// <summary>The mask and motion grid: the original's 512 without weights (as animate), G/2 with them.</summary>
    public int GridSize => Weights is null ? MaskInput.DefaultSize : Weights.GeneratorConfig.Size / 2;

    /// <summary>The export size when the page does not choose one: animate's default (1024, or G with weights).</summary>
    public int DefaultSize => Weights?.GeneratorConfig.Size ?? ImageInput.DefaultSize;

    public UploadedPhoto? Photo
    {
        get { lock (gate) return photo; }
    }

    /// <summary>The last Predict motion's field on the grid (before the mask), cleared by a new photo.</summary>
    public MotionField? PredictedMotion
    {
        get { lock (gate) return predictedMotion; }
        set { lock (gate) predictedMotion = value; }
    }

    /// <summary>The last Predict mask's mask on the grid, cleared by a new photo.</summary>
    public AnimationMask? PredictedMask
    {
        get { lock (gate) return predictedMask; }
        set { lock (gate) predictedMask = value; }
    }

    /// <summary>A new file name in the session's folder (random, so nothing the browser sends names a file).</summary>
    public string NewPath(string prefix, string extension = "") =>
        Path.Combine(Folder, $"{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}{extension}");

    /// <summary>Replaces the photo (deleting the previous file) and forgets the predictions made for the old one.</summary>
    /// <exception cref="StudioException">409 while a job runs (it reads the photo).</exception>
    public void SetPhoto(UploadedPhoto next)
    {
        UploadedPhoto? old;
        lock (gate)
        {
            if (running is not null && !running.IsFinal) throw new StudioException(409, "a render is running; cancel it or wait before opening another photo");
            old = photo;
            photo = next;
            predictedMotion = null;
            predictedMask = null;
        }
        if (old is not null) TryDelete(old.Path);
    }

    /// <summary>Takes the job slot for a new job of <paramref name="kind"/> and gives it its folder.</summary>
    /// <exception cref="StudioException">409 when a job is running (one render at a time).</exception>
    public RenderJob Begin(string kind)
    {
        lock (gate)
        {
            if (disposed) throw new StudioException(503, "the studio is shutting down");
            if (running is not null && !running.IsFinal)
                throw new StudioException(409, $"a {running.Kind} is already running; wait for it or press Cancel");
            string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            var job = new RenderJob(id, kind, Directory.CreateDirectory(Path.Combine(Folder, "job-" + id)).FullName);
            // Keep the last result of each kind (the page shows the preview while an export runs); forget the older.
            if (lastOfKind.Remove(kind, out var older))
            {
                jobs.Remove(older.Id);
                TryDeleteFolder(older.Folder);
            }
            jobs[id] = lastOfKind[kind] = running = job;
            return job;
        }
    }

    public RenderJob? Find(string id)
    {
        lock (gate) return jobs.GetValueOrDefault(id);
    }

    /// <summary>Asks the running job to stop; false when none runs.</summary>
    public bool Cancel()
    {
        RenderJob? job;
        lock (gate) job = running is { IsFinal: false } ? running : null;
        if (job is null) return false;
        job.Cancellation.Cancel();
        return true;
    }

    /// <summary>Replaces the session's paths in a message with what the user knows them as (the uploaded file's name).</summary>
    public string Scrub(string message)
    {
        var current = Photo;
        if (current is not null) message = message.Replace(current.Path, current.Name, StringComparison.Ordinal);
        return message.Replace(Folder + Path.DirectorySeparatorChar, "", StringComparison.Ordinal).Replace(Folder, "(studio folder)", StringComparison.Ordinal);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static void TryDeleteFolder(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private void OnProcessExit(object? sender, EventArgs e) => TryDeleteFolder(Folder);

    /// <summary>Stops a running job and removes the private folder with everything in it.</summary>
    public void Dispose()
    {
        RenderJob? job;
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            job = running;
        }
        if (job is not null)
        {
            job.Cancellation.Cancel();
            // The frame loop checks the token between frames; the device must outlive the job.
            try { job.Work.Wait(TimeSpan.FromSeconds(30)); }
            catch (AggregateException) { }
        }
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        TryDeleteFolder(Folder);
    }
}
