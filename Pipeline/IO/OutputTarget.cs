using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// A destination and the hidden temporary path beside it that is written first and renamed onto the
/// destination at the end. Beside, not in /tmp, so the rename stays within one file system and is one
/// atomic rename(2): readers see the old destination or the complete new one, never a partial file.
/// </summary>
internal sealed partial class OutputTarget
{
    private OutputTarget(string destination, string fullPath, string tempPath, bool isDirectory, bool overwrite, bool merge = false)
    {
        Merge = merge;
        Destination = destination;
        FullPath = fullPath;
        TempPath = tempPath;
        IsDirectory = isDirectory;
        Overwrite = overwrite;
    }

    /// <summary>The destination as the caller spelled it, for messages.</summary>
    public string Destination { get; }

    public string FullPath { get; }

    /// <summary><c>DIR/.NAME.XXXXXXXX.partial</c>: hidden, and obviously unfinished if a crash leaves it behind.</summary>
    public string TempPath { get; }

    public bool IsDirectory { get; }

    public bool Overwrite { get; }

    /// <summary>A folder whose files join the destination folder at the commit (<see cref="PrepareMerge"/>).</summary>
    public bool Merge { get; }

    /// <summary>
    /// Checks the destination can be written (its folder exists; it is not in the way, see
    /// <see cref="FrameWriterOptions.Overwrite"/>) and reserves the temporary path (creating it for a directory).
    /// </summary>
    public static OutputTarget Prepare(string destination, bool isDirectory, bool overwrite) =>
        Prepare(destination, isDirectory, overwrite, merge: false);

    /// <summary>
    /// Reserves a hidden temporary folder beside <paramref name="destination"/> whose files are moved into that folder
    /// at the commit (creating it, replacing files of the same names, leaving its other files): outputs such as the
    /// previews that join a folder rather than replace it.
    /// </summary>
    public static OutputTarget PrepareMerge(string destination) => Prepare(destination, isDirectory: true, overwrite: true, merge: true);

    private static OutputTarget Prepare(string destination, bool isDirectory, bool overwrite, bool merge)
    {
        if (string.IsNullOrWhiteSpace(destination))
            throw new MediaFileException(destination ?? string.Empty, "Output: no destination given.");
        string full = Path.GetFullPath(Path.TrimEndingDirectorySeparator(destination));
        string? parent = Path.GetDirectoryName(full);
        string name = Path.GetFileName(full);
        if (parent is null || name.Length == 0)
            throw new MediaFileException(destination, $"Output '{destination}': not a file or folder name that can be written.");
        if (!Directory.Exists(parent))
            throw new MediaFileException(destination, $"Output '{destination}': the folder '{parent}' does not exist.");
        if (merge)
        {
            if (File.Exists(full)) throw new MediaFileException(destination, $"Output '{destination}': a file of that name exists; a folder is needed.");
        }
        else
        {
            CheckExisting(destination, full, isDirectory, overwrite);
        }

        string temp = Path.Combine(parent, $".{name}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}.partial");
        try
        {
            if (isDirectory) Directory.CreateDirectory(temp);
            else File.WriteAllBytes(temp, []); // claims the name and proves the folder is writable
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MediaFileException(destination, $"Output '{destination}': cannot write in '{parent}' ({e.Message}).", e);
        }
        var target = new OutputTarget(destination, full, temp, isDirectory, overwrite, merge);
        UnfinishedOutputs.Add(target);
        return target;
    }

    /// <summary>Renames the finished temporary output onto the destination (not once the outputs are abandoned).</summary>
    /// <exception cref="OperationCanceledException">The process is stopping (<see cref="UnfinishedOutputs.Abandon"/>).</exception>
    public void Commit() => UnfinishedOutputs.Commit(this, MoveIntoPlace);

    private void MoveIntoPlace()
    {
        try
        {
            if (!IsDirectory)
            {
                if (Directory.Exists(FullPath))
                    throw new MediaFileException(Destination, $"Output '{Destination}': a directory appeared there while writing.");
                if (!Overwrite && File.Exists(FullPath))
                    throw new MediaFileException(Destination, $"Output '{Destination}': a file appeared there while writing; not replaced.");
                File.Move(TempPath, FullPath, overwrite: Overwrite);
                return;
            }

            if (Merge)
            {
                Directory.CreateDirectory(FullPath);
                foreach (string file in Directory.GetFiles(TempPath))
                    File.Move(file, Path.Combine(FullPath, Path.GetFileName(file)), overwrite: true);
                Directory.Delete(TempPath, recursive: true);
                return;
            }
            CheckExisting(Destination, FullPath, isDirectory: true, Overwrite);
            if (!Directory.Exists(FullPath))
            {
                Directory.Move(TempPath, FullPath);
                return;
            }
            // An empty folder, or an earlier run's frames with overwriting allowed. A directory cannot be
            // renamed over a non-empty one, so the old one steps aside first and is deleted afterwards.
            string aside = TempPath[..^".partial".Length] + ".old";
            Directory.Move(FullPath, aside);
            try
            {
                Directory.Move(TempPath, FullPath);
            }
            catch
            {
                Directory.Move(aside, FullPath);
                throw;
            }
            Directory.Delete(aside, recursive: true);
        }
        catch (Exception e) when (e is IOException and not MediaFileException or UnauthorizedAccessException)
        {
            throw new MediaFileException(Destination, $"Output '{Destination}': cannot move the finished output into place ({e.Message}).", e);
        }
    }

    /// <summary>Deletes the temporary output, best effort (it is hidden and named .partial if this fails).</summary>
    public void Discard()
    {
        UnfinishedOutputs.Remove(this);
        try
        {
            if (IsDirectory)
            {
                // A frame-writer thread may still add a file while the folder goes (a signal does not wait for it):
                // try again briefly until the folder stays gone.
                for (int attempt = 0; Directory.Exists(TempPath); attempt++)
                {
                    try
                    {
                        Directory.Delete(TempPath, recursive: true);
                    }
                    catch (IOException) when (attempt < 20)
                    {
                        Thread.Sleep(25);
                    }
                }
            }
            else if (File.Exists(TempPath))
            {
                File.Delete(TempPath);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing better to do while already failing; the destination itself was never touched.
        }
    }

    /// <summary>
    /// Writes a single file atomically (the previews): the content goes to a temporary file beside the
    /// destination and is renamed onto it, replacing an existing file.
    /// </summary>
    public static void WriteFile(string path, Action<Stream> write)
    {
        var target = Prepare(path, isDirectory: false, overwrite: true);
        try
        {
            using (var stream = new FileStream(target.TempPath, FileMode.Create, FileAccess.Write, FileShare.None))
                write(stream);
            target.Commit();
        }
        catch
        {
            target.Discard();
            throw;
        }
    }

    private static void CheckExisting(string destination, string full, bool isDirectory, bool overwrite)
    {
        if (isDirectory)
        {
            if (File.Exists(full))
                throw new MediaFileException(destination, $"Output '{destination}': a file of that name exists; PNG frames need a directory.");
            if (!Directory.Exists(full)) return;
            string[] entries = Directory.GetFileSystemEntries(full);
            if (entries.Length == 0) return;
            if (!overwrite)
                throw new MediaFileException(destination, $"Output '{destination}': the directory exists and is not empty; allow overwriting to replace it.");
            string? stranger = entries.FirstOrDefault(e => !FrameFileName().IsMatch(Path.GetFileName(e)) || Directory.Exists(e));
            if (stranger is not null)
                throw new MediaFileException(destination,
                    $"Output '{destination}': the directory holds '{Path.GetFileName(stranger)}', not only frame_NNNN.png files; not replacing it.");
        }
        else
        {
            if (Directory.Exists(full))
                throw new MediaFileException(destination, $"Output '{destination}': is a directory.");
            if (File.Exists(full) && !overwrite)
                throw new MediaFileException(destination, $"Output '{destination}': the file exists; allow overwriting to replace it.");
        }
    }

    [GeneratedRegex(@"^frame_\d{4,}\.png$")]
    private static partial Regex FrameFileName();
}
