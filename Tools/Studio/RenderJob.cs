namespace CineKernel.Tools.Studio;

/// <summary>
/// One render or prediction: its progress (frames done of all), its state and its result file. Written by the
/// job's thread, read by the API's requests (fields are published with volatile/locked writes).
/// </summary>
internal sealed class RenderJob
{
    private volatile int frame;
    private volatile JobState state = JobState.Running;

    public RenderJob(string id, string kind, string folder)
    {
        Id = id;
        Kind = kind;
        Folder = folder;
    }

    /// <summary>A random hex id (the result's URL holds it).</summary>
    public string Id { get; }

    /// <summary><c>preview</c>, <c>export</c>, <c>predict-mask</c> or <c>predict-motion</c>.</summary>
    public string Kind { get; }

    /// <summary>The job's own folder under the session's, removed when the job is forgotten.</summary>
    public string Folder { get; }

    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>The job's work on the thread pool (awaited when the studio stops, before the device goes).</summary>
    public Task Work { get; set; } = Task.CompletedTask;

    /// <summary>Frames in the loop being rendered (0 until known).</summary>
    public int Frames { get; set; }

    public int Frame => frame;

    public JobState State => state;

    public bool IsFinal => state is JobState.Done or JobState.Failed or JobState.Cancelled;

    public string? Error { get; private set; }

    public IReadOnlyList<string> Warnings { get; set; } = [];

    /// <summary>The finished output (set before the state becomes Done).</summary>
    public string? ResultPath { get; private set; }

    public string ResultContentType { get; private set; } = "application/octet-stream";

    /// <summary>The name the browser saves the result under (exports), or null to show it inline (previews).</summary>
    public string? DownloadName { get; private set; }

    public void Progress(int framesDone) => frame = framesDone;

    public void Encoding() => state = JobState.Encoding;

    public void Finish(string path, string contentType, string? downloadName)
    {
        ResultPath = path;
        ResultContentType = contentType;
        DownloadName = downloadName;
        state = JobState.Done;
    }

    public void Fail(string error)
    {
        Error = error;
        state = JobState.Failed;
    }

    public void Cancelled() => state = JobState.Cancelled;

    /// <summary>What the API says about the job (JSON).</summary>
    public object Snapshot() => new
    {
        id = Id,
        kind = Kind,
        state = State.ToString().ToLowerInvariant(),
        frame = Frame,
        frames = Frames,
        error = Error,
        warnings = Warnings,
        result = State == JobState.Done ? $"/api/jobs/{Id}/result" : null,
        events = $"/api/jobs/{Id}/events",
    };
}
