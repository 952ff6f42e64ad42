using System.Net;

namespace CineKernel.Tools.Studio;

/// <summary>
/// What <c>cinekernel studio [--port N] [--host ADDR] [--weights DIR] [--device D]</c> was asked, checked once
/// before the server starts. The limits below the command-line options are fixed for the tool and settable by tests.
/// </summary>
public sealed record StudioOptions
{
    /// <summary>The usage line of the command.</summary>
    public const string Usage = "studio [--port N] [--host ADDR] [--weights DIR] [--device D]";

    /// <summary>The port when --port is not given.</summary>
    public const int DefaultPort = 8765;

    /// <summary>TCP port to listen on, 0..65535 (0: any free port, printed at start).</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>The address to bind: loopback (127.0.0.1) unless --host says otherwise; an IP address or <c>localhost</c>.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>--weights: the StyleCineGAN weights folder (the full method and the Predict buttons), or null for the weight-free renderer.</summary>
    public string? WeightsDir { get; init; }

    /// <summary>--device, resolved like every command's (<see cref="DeviceOption.Resolve"/>).</summary>
    public string Device { get; init; } = "auto";

    /// <summary>The largest request body the server reads (a photo or a mask upload), in bytes; default 64 MiB.</summary>
    public long MaxUploadBytes { get; init; } = 64L << 20;

    /// <summary>Side of Preview's frames (at most the chosen export size), a power of two; default 256.</summary>
    public int PreviewSize { get; init; } = 256;

    /// <summary>Most frames Preview renders (a longer loop is previewed by its first frames at the same speed); default 48.</summary>
    public int PreviewMaxFrames { get; init; } = 48;

    /// <summary>Parses the command's arguments (today's <see cref="Options"/> parser).</summary>
    /// <exception cref="CliException">A usage error (exit 2): an unknown option, a port out of range, a host that is not an address.</exception>
    public static StudioOptions Parse(string[] args)
    {
        var o = Options.Parse(args, new HashSet<string> { "port", "host", "weights", "device" });
        if (o.Positional.Count > 0) throw new CliException($"studio takes no positional arguments, got '{o.Positional[0]}' (usage: cinekernel {Usage})", 2);
        string host = (o.Get("host") ?? "127.0.0.1").Trim();
        if (!host.Equals("localhost", StringComparison.OrdinalIgnoreCase) && !IPAddress.TryParse(host, out _))
            throw new CliException($"--host must be an IP address (e.g. 127.0.0.1, 0.0.0.0) or localhost, got '{host}'", 2);
        string? weights = o.Get("weights");
        if (weights is not null && !Directory.Exists(weights)) throw new CliException($"weights folder not found: {weights}");
        return new StudioOptions
        {
            Port = o.GetInt("port", DefaultPort, 0, 65535),
            Host = host,
            WeightsDir = weights,
            Device = DeviceOption.Resolve(o.Get("device")),
        };
    }
}
