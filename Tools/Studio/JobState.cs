namespace CineKernel.Tools.Studio;

/// <summary>Where a render (or a prediction) stands; the last three are final.</summary>
internal enum JobState
{
    /// <summary>Frames are being rendered.</summary>
    Running,

    /// <summary>Every frame is rendered; the output is being finished (GIF/MP4 trailer, the zip of PNG frames).</summary>
    Encoding,

    /// <summary>Finished; the result can be downloaded.</summary>
    Done,

    /// <summary>Stopped with an error (<see cref="RenderJob.Error"/>); nothing was kept.</summary>
    Failed,

    /// <summary>Stopped by Cancel; nothing was kept.</summary>
    Cancelled,
}
