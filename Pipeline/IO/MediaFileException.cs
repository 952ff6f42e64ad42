namespace CineKernel.Pipeline.IO;

/// <summary>
/// A problem with an image, mask or video file the pipeline reads or writes. The message is one line
/// and names the file, so the command line can print it as it is.
/// </summary>
public sealed class MediaFileException : IOException
{
    public MediaFileException(string filePath, string message, Exception? innerException = null)
        : base(OneLine(message), innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The file (or output directory) the message is about.</summary>
    public string FilePath { get; }

    /// <summary>Collapses a message to one line: library messages sometimes span several (ImageSharp lists its decoders).</summary>
    internal static string OneLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? string.Empty : string.Join(" ", lines);
    }
}
