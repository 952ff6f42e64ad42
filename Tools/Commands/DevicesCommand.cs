using System.CommandLine;
using System.Globalization;
using CineKernel.Kernels;

namespace CineKernel.Tools;

/// <summary><c>cinekernel devices</c>: what ILGPU finds, and which one <c>auto</c> picks.</summary>
public static class DevicesCommand
{
    private sealed class Syntax : CommandSyntax;

    /// <summary>The <c>devices</c> command.</summary>
    public static Command Create(TextWriter stdout) => new Syntax().Build("devices",
        "List the accelerators ILGPU finds, as the engine opens them (memory, compute units, the work-group size the engine's kernels use), and which one auto picks.",
        "devices takes no arguments", _ => Run(stdout));

    private static int Run(TextWriter stdout)
    {
        var devices = ComputeDevice.List();
        foreach (var d in devices)
            stdout.WriteLine($"{d.Kind.ToString().ToLowerInvariant(),-7} {d.Name}  ({(d.MemoryBytes / (1024.0 * 1024 * 1024)).ToString("F1", CultureInfo.InvariantCulture)} GiB, "
                + $"{d.Multiprocessors} {(d.Kind == DeviceKind.Cpu ? "cores" : "multiprocessors")}, {d.EngineGroupSize} threads/group"
                + (d.MaxThreadsPerGroup != d.EngineGroupSize ? $" of at most {d.MaxThreadsPerGroup}" : "") + ")");
        stdout.WriteLine($"auto → {ComputeDevice.AutoKind().ToString().ToLowerInvariant()}");
        return 0;
    }
}
