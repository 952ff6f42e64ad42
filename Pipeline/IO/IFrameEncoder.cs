namespace CineKernel.Pipeline.IO;

/// <summary>
/// The format-specific half of a frame writer. <see cref="Encode"/> and <see cref="Finish"/> run on the
/// writer's background thread (Finish after the last Encode); <see cref="Cancel"/> may be called from
/// another thread while Encode runs, and must make it return soon.
/// </summary>
internal interface IFrameEncoder : IDisposable
{
    /// <summary>One frame, interleaved rgb24 (H×W×3 bytes). The buffer is reused after the call.</summary>
    void Encode(byte[] rgb24);

    /// <summary>All frames are in: complete the output at the temporary path.</summary>
    void Finish();

    /// <summary>Abandon the output: stop any work in progress.</summary>
    void Cancel();
}
