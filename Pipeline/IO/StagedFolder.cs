namespace CineKernel.Pipeline.IO;

/// <summary>
/// Files written together into a folder, such as the previews: they go to a hidden <c>.NAME.XXXXXXXX.partial</c>
/// folder beside the destination (<see cref="Path"/>), tracked by <see cref="UnfinishedOutputs"/> so a stopped
/// process removes it, and join the destination folder only at <see cref="Publish"/> (created if missing; files of
/// the same names replaced, others left). Disposing an unpublished folder deletes it.
/// </summary>
public sealed class StagedFolder : IDisposable
{
    private readonly OutputTarget target;
    private bool done;

    private StagedFolder(OutputTarget target) => this.target = target;

    /// <summary>Reserves the hidden folder beside <paramref name="destination"/>.</summary>
    /// <exception cref="MediaFileException">The destination is a file, its parent folder is missing or not writable.</exception>
    /// <exception cref="OperationCanceledException">The process is stopping (<see cref="UnfinishedOutputs.Abandon"/>).</exception>
    public static StagedFolder Create(string destination) => new(OutputTarget.PrepareMerge(destination));

    /// <summary>The hidden folder to write the files into.</summary>
    public string Path => target.TempPath;

    /// <summary>Moves the files into the destination folder.</summary>
    /// <exception cref="MediaFileException">They cannot be moved (the hidden folder is removed).</exception>
    /// <exception cref="OperationCanceledException">The process is stopping.</exception>
    public void Publish()
    {
        ObjectDisposedException.ThrowIf(done, this);
        try
        {
            target.Commit();
        }
        catch
        {
            target.Discard();
            throw;
        }
        finally
        {
            done = true;
        }
    }

    /// <summary>Deletes the hidden folder unless it was published.</summary>
    public void Dispose()
    {
        if (done) return;
        done = true;
        target.Discard();
    }
}
