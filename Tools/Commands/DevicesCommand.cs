using System.Globalization;
using CineKernel.Kernels;

namespace CineKernel.Tools;

/// <summary><c>cinekernel devices</c>: what ILGPU finds, and which one <c>auto</c> picks.</summary>
public static class DevicesCommand
{
    public static int Run(string[] args, TextWriter stdout)
    {
        Options.Parse(args, new HashSet<string>());
        var devices = ComputeDevice.List();
        foreach (var d in devices)
            stdout.WriteLine($"{d.Kind.ToString().ToLowerInvariant(),-7} {d.Name}  ({(d.MemoryBytes / (1024.0 * 1024 * 1024)).ToString("F1", CultureInfo.InvariantCulture)} GiB, "
                + $"{d.Multiprocessors} {(d.Kind == DeviceKind.Cpu ? "cores" : "multiprocessors")}, {d.MaxThreadsPerGroup} threads/group)");
        stdout.WriteLine($"auto → {ComputeDevice.AutoKind().ToString().ToLowerInvariant()}");
        return 0;
    }
}
