using System.Diagnostics;
using System.Globalization;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// MP4 (H.264, yuv420p) through the <c>ffmpeg</c> program: raw rgb24 frames are piped to its stdin as
/// they arrive and it writes the temporary file. The conversion to YUV uses the BT.709 matrix with
/// limited range and the stream is tagged so (players assume BT.709 for HD video; ffmpeg's untagged
/// default would be BT.601 and shift colours). <c>+faststart</c> puts the index first, for the web.
/// </summary>
internal sealed class FfmpegEncoder : IFrameEncoder
{
    private const int StderrLinesKept = 20;

    private readonly string destination;
    private readonly Process process;
    private readonly Queue<string> stderrTail = new();
    private Stream stdin = Stream.Null;
    private volatile bool cancelled;

    private FfmpegEncoder(string destination, ProcessStartInfo start)
    {
        this.destination = destination;
        process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) => KeepStderr(e.Data);
        process.OutputDataReceived += (_, _) => { }; // ffmpeg writes nothing there; drained all the same
    }

    /// <summary>Finds ffmpeg and starts it, ready for frames.</summary>
    public static FfmpegEncoder Start(string destination, string tempPath, int width, int height, FrameWriterOptions options)
    {
        string program = RequireProgram(destination, options.FfmpegPath);
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        string fps = options.Fps.ToString("R", CultureInfo.InvariantCulture);
        foreach (string argument in new[]
        {
            "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", $"{width}x{height}", "-framerate", fps, "-i", "pipe:0",
            "-an", "-c:v", "libx264", "-preset", "medium", "-crf", options.Mp4Crf.ToString(CultureInfo.InvariantCulture),
            "-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
            "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
            "-movflags", "+faststart", "-f", "mp4", tempPath,
        })
            start.ArgumentList.Add(argument);

        var encoder = new FfmpegEncoder(destination, start);
        try
        {
            encoder.process.Start();
            UnfinishedOutputs.Add(encoder.process);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            encoder.process.Dispose();
            throw new MediaFileException(destination, $"Cannot write '{destination}': ffmpeg ('{program}') did not start ({e.Message}); or write a .gif instead.", e);
        }
        encoder.stdin = encoder.process.StandardInput.BaseStream;
        encoder.process.BeginErrorReadLine();
        encoder.process.BeginOutputReadLine();
        return encoder;
    }

    public void Encode(byte[] rgb24)
    {
        try
        {
            stdin.Write(rgb24);
        }
        catch (IOException e) when (!cancelled)
        {
            // ffmpeg closed the pipe: it failed, and says why on stderr.
            throw Failure(e);
        }
    }

    public void Finish()
    {
        try
        {
            stdin.Close();
        }
        catch (IOException e)
        {
            throw Failure(e);
        }
        process.WaitForExit(); // also waits for the stderr reader to drain
        if (process.ExitCode != 0) throw Failure(null);
    }

    public void Cancel()
    {
        cancelled = true;
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    public void Dispose()
    {
        if (!cancelled && !HasExited()) Cancel();
        try
        {
            process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }
        UnfinishedOutputs.Remove(process);
        process.Dispose();
    }

    /// <summary>The ffmpeg program's path, or the error that tells the user how to get it.</summary>
    internal static string RequireProgram(string destination, string ffmpegPath) =>
        Locate(ffmpegPath) ?? throw new MediaFileException(destination,
            $"Cannot write '{destination}': the ffmpeg program ('{ffmpegPath}') was not found; install it " +
            "(Debian/Ubuntu package 'ffmpeg': sudo apt install ffmpeg) or write a .gif instead.");

    /// <summary>The program if it can be run: a path that exists, or a name found on PATH.</summary>
    internal static string? Locate(string program)
    {
        if (string.IsNullOrWhiteSpace(program)) return null;
        if (program.Contains(Path.DirectorySeparatorChar) || program.Contains(Path.AltDirectorySeparatorChar))
            return File.Exists(program) ? Path.GetFullPath(program) : null;
        string[] names = OperatingSystem.IsWindows() && !program.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)
            ? [program + ".exe", program]
            : [program];
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (string name in names)
            {
                string candidate = Path.Combine(folder, name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    private bool HasExited()
    {
        try
        {
            return process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private void KeepStderr(string? line)
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        lock (stderrTail)
        {
            stderrTail.Enqueue(line.Trim());
            if (stderrTail.Count > StderrLinesKept) stderrTail.Dequeue();
        }
    }

    /// <summary>One line: ffmpeg's exit code and the last thing it said on stderr.</summary>
    private MediaFileException Failure(Exception? inner)
    {
        process.WaitForExit(); // it closed the pipe or exited: let it finish saying why
        string said;
        lock (stderrTail) said = stderrTail.Count == 0 ? "it printed no message" : stderrTail.Last();
        return new MediaFileException(destination, $"ffmpeg failed writing '{destination}' (exit code {process.ExitCode}): {said}", inner);
    }
}
