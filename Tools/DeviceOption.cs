using System.CommandLine;
using CineKernel.Kernels;

namespace CineKernel.Tools;

/// <summary>
/// The --device option every command shares: the name given, else CINEKERNEL_DEVICE, else auto.
/// Checked before any file is touched; an absent device is an error, never a fallback.
/// </summary>
public static class DeviceOption
{
    /// <summary>The <c>--device D</c> option (null when not given; <see cref="Resolve"/> applies the default).</summary>
    public static Option<string?> Create() => CliOptions.Text("--device", "D",
        $"{string.Join(", ", ComputeDevice.Names)} (default: ${ComputeDevice.EnvironmentVariable}, else auto: CUDA, then OpenCL, then the CPU)");

    public static string Resolve(string? option)
    {
        string name = option ?? Environment.GetEnvironmentVariable(ComputeDevice.EnvironmentVariable) ?? "auto";
        if (!ComputeDevice.Names.Contains(name.Trim().ToLowerInvariant()))
            throw new CliException($"unknown device '{name}' (expected one of: {string.Join(", ", ComputeDevice.Names)})", 2);
        return name.Trim();
    }

    public static ComputeDevice Open(string name)
    {
        try
        {
            return ComputeDevice.Open(name);
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(e.Message);
        }
    }
}
