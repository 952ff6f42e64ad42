namespace CineKernel.WeightsLoader;

/// <summary>A file written under a temporary name: <see cref="Commit"/> renames it into place, Dispose removes what was not committed.</summary>
public sealed class StagedFile(string path, string temporaryPath) : IDisposable
{
    private bool committed;

    public string Path { get; } = path;
    public string TemporaryPath { get; } = temporaryPath;

    public void Commit()
    {
        if (committed) return;
        File.Move(TemporaryPath, Path, overwrite: true);
        committed = true;
    }

    public void Dispose()
    {
        if (!committed && File.Exists(TemporaryPath)) File.Delete(TemporaryPath);
    }
}
