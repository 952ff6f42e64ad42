using System.Diagnostics;
using System.Text.Json;
using CineKernel.Kernels;

namespace CineKernel.Tools;

/// <summary>
/// The report of one <c>animate</c> run: the summary line on stderr (unless quiet) and the JSON line on stdout
/// with the fields every run has (output, frames, size, loop, speed, device and device_kind, motion), the renderer's own fields, and
/// the seconds of each stage (README "Progress and timings").
/// </summary>
internal sealed class AnimateReport(AnimateRequest request, int size, ComputeDevice device)
{
    private readonly Dictionary<string, object> fields = new()
    {
        ["output"] = request.Output,
        ["frames"] = request.Frames,
        ["size"] = size,
        ["loop"] = request.Loop.ToString().ToLowerInvariant(),
        ["speed"] = request.Speed,
        ["device"] = device.Name,
        ["device_kind"] = device.Kind.ToString().ToLowerInvariant(),
    };

    /// <summary>Seconds per stage, in the order they ran.</summary>
    public Dictionary<string, double> Seconds { get; } = new();

    /// <summary>Sets a field of the JSON line.</summary>
    public AnimateReport Set(string key, object value)
    {
        fields[key] = value;
        return this;
    }

    /// <summary>Adds the total and writes the summary line and the JSON line.</summary>
    public void Write(Stopwatch total, TextWriter stdout, TextWriter stderr)
    {
        Seconds["total"] = total.Elapsed.TotalSeconds;
        fields["seconds"] = Seconds.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 3));
        if (!request.Quiet)
            stderr.WriteLine($"cinekernel: wrote {request.Output} ({request.Frames} frames, {(fields.TryGetValue("width", out var w) ? w : fields["size"])}x{(fields.TryGetValue("height", out var h) ? h : fields["size"])}) in {Seconds["total"]:F1} s");
        stdout.WriteLine(JsonSerializer.Serialize(fields));
    }
}
