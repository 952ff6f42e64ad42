using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CineKernel.Tools;

/// <summary>
/// A <c>cinekernel batch</c> run's progress: its JSON lines on stdout, its counts, and its summary, said once, at the
/// end or from the signal handler when SIGINT or SIGTERM stops the run (with the rows done so far). Thread-safe: the
/// handler runs on another thread while a row may still be reporting, and no line follows the summary. Its seconds are
/// <paramref name="clock"/>'s, started with the run (the engine's opening included).
/// </summary>
internal sealed class BatchProgress(BatchShard shard, int rows, Stopwatch clock, TextWriter stdout, TextWriter stderr)
{
    // Our own lines are read by people and log tools, not put in HTML: an apostrophe stays an apostrophe, not \u0027.
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly object gate = new();
    private readonly List<(BatchRow Row, string Error)> failed = [];
    private int rendered, skipped;
    private bool summarized;

    /// <summary>Writes one JSON line (none after the summary).</summary>
    public void Emit(JsonObject line)
    {
        lock (gate)
        {
            if (summarized) return;
            stdout.WriteLine(line.ToJsonString(Json));
            stdout.Flush();
        }
    }

    /// <summary>Counts a rendered row and writes its line.</summary>
    public void Rendered(JsonObject line) => Count(line, () => rendered++);

    /// <summary>Counts a row whose output was already there and writes its line.</summary>
    public void Skipped(JsonObject line) => Count(line, () => skipped++);

    /// <summary>Counts a failed row and writes its error line on stderr and its JSON line.</summary>
    public void Failed(BatchRow row, string error, string errorLine, JsonObject line) => Count(line, () =>
    {
        failed.Add((row, error));
        stderr.WriteLine(errorLine);
    });

    /// <summary>
    /// Writes the summary, JSON on stdout and one line on stderr, unless it was written already, and returns the exit
    /// code of a finished run: 0, or 1 when a row failed.
    /// </summary>
    /// <param name="signal">The signal that stopped the run (its summary says so), or null at the end of the rows.</param>
    public int Summarize(string? signal)
    {
        lock (gate)
        {
            if (!summarized)
            {
                double seconds = clock.Elapsed.TotalSeconds;
                var failures = new JsonArray(failed.Select(f => (JsonNode)new JsonObject { ["row"] = f.Row.Number, ["line"] = f.Row.Line, ["error"] = f.Error }).ToArray());
                Emit(new JsonObject
                {
                    ["event"] = "summary", ["shard"] = shard.ToString(), ["rows"] = rows, ["rendered"] = rendered, ["skipped"] = skipped,
                    ["failed"] = failed.Count, ["failures"] = failures, ["interrupted"] = signal, ["seconds"] = Math.Round(seconds, 3),
                    ["photos_per_hour"] = rendered == 0 ? 0 : Math.Round(rendered * 3600 / seconds, 1),
                });
                summarized = true;
                stderr.WriteLine($"cinekernel: batch shard {shard}{(signal is null ? "" : $" stopped by {signal}")}: {rendered} rendered, {skipped} already done, "
                                 + $"{failed.Count} failed of {rows} rows in {seconds:F1} s"
                                 + (failed.Count == 0 ? "" : $" (failed rows: {string.Join(", ", failed.Select(f => f.Row.Number))})"));
            }
            return failed.Count == 0 ? 0 : 1;
        }
    }

    private void Count(JsonObject line, Action count)
    {
        lock (gate)
        {
            if (summarized) return;
            count();
            Emit(line);
        }
    }
}
