namespace CineKernel.Tools;

/// <summary>
/// The check every output path gets before any work (animate's OUT and --preview DIR): not in the way without
/// --overwrite, its folder exists and can be written. Writes nothing that stays.
/// </summary>
internal static class OutputCheck
{
    /// <param name="path">The output as the user spelled it.</param>
    /// <param name="overwrite">Whether --overwrite was given.</param>
    /// <param name="option">The option that named it, for the message (null: the main output).</param>
    /// <exception cref="CliException">The path is in the way or cannot be written (exit 1).</exception>
    public static void Check(string path, bool overwrite, string? option = null)
    {
        string what = option is null ? path : $"{option} {path}";
        if (string.IsNullOrWhiteSpace(path)) throw new CliException($"{option ?? "-o"}: empty path", 2);
        string full = Path.GetFullPath(Path.TrimEndingDirectorySeparator(path));
        if (option is not null && File.Exists(full)) throw new CliException($"{what} is a file; it must be a folder");
        if (!overwrite && (File.Exists(full) || (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())))
            throw new CliException($"{what} already exists; add --overwrite to replace it");
        string? parent = Path.GetDirectoryName(full);
        if (parent is null) throw new CliException($"{what}: not a file or folder name that can be written");
        if (!Directory.Exists(parent)) throw new CliException($"{what}: the folder '{parent}' does not exist");
        // Previews are written into the folder when it exists, the main output beside it (a hidden temporary first).
        string written = option is not null && Directory.Exists(full) ? full : parent;
        try
        {
            // The only reliable test of write permission (ACLs, read-only mounts): create a file and let it go.
            using var probe = new FileStream(Path.Combine(written, $".cinekernel-{Guid.NewGuid():N}.probe"), FileMode.CreateNew,
                FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{what}: cannot write in '{written}' ({e.Message})");
        }
    }
}
