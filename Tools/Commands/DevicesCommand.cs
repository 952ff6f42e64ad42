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
            stdout.WriteLine($"{d.Kind.ToString().ToLowerInvariant(),-7} {d.Name}  ({d.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, {d.MaxThreadsPerGroup} threads/group)");
        string auto = devices.Any(d => d.Kind == DeviceKind.Cuda) ? "cuda" : devices.Any(d => d.Kind == DeviceKind.OpenCL) ? "opencl" : "cpu";
        stdout.WriteLine($"auto → {auto}");
        return 0;
    }
}
