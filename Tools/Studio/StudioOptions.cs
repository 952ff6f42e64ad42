using System.CommandLine;
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

    /// <summary>The command's options for System.CommandLine (<see cref="CommandSyntax"/>).</summary>
    internal sealed class Syntax : CommandSyntax
    {
        public readonly Option<int?> Port = CliOptions.Int("--port", "N", "TCP port to listen on (0: any free port, printed at start)", DefaultPort, 0, 65535);
        public readonly Option<string?> Host = CliOptions.Parsed<string?>("--host", "ADDR",
            "address to bind: 127.0.0.1 (this computer only) unless given; an IP address or localhost", CheckHost, "127.0.0.1");
        public readonly Option<string?> Weights = CliOptions.Text("--weights", "DIR",
            "StyleCineGAN weights folder: the full method, and the Predict mask / Predict motion buttons (weights.md)");
        public readonly Option<string?> Device = DeviceOption.Create();

        /// <summary>The options as a checked record.</summary>
        /// <exception cref="CliException">The weights folder does not exist (exit 1) or the device is unknown (exit 2).</exception>
        public StudioOptions From(ParseResult r)
        {
            string? weights = r.GetValue(Weights);
            if (weights is not null && !Directory.Exists(weights)) throw new CliException($"weights folder not found: {weights}");
            return new StudioOptions
            {
                Port = r.GetValue(Port) ?? DefaultPort,
                Host = r.GetValue(Host) ?? "127.0.0.1",
                WeightsDir = weights,
                Device = DeviceOption.Resolve(r.GetValue(Device)),
            };
        }
    }

    private static string CheckHost(string text)
    {
        string host = text.Trim();
        if (!host.Equals("localhost", StringComparison.OrdinalIgnoreCase) && !IPAddress.TryParse(host, out _))
            throw new CliException($"--host must be an IP address (e.g. 127.0.0.1, 0.0.0.0) or localhost, got '{host}'", 2);
        return host;
    }

    /// <summary>Parses the command's arguments as <c>cinekernel studio ARGS</c> does (for tests and embedding).</summary>
    /// <exception cref="CliException">A usage error (exit 2): an unknown option, a port out of range, a host that is not an address.</exception>
    public static StudioOptions Parse(string[] args)
    {
        var syntax = new Syntax();
        var command = syntax.Build("studio", "", $"studio takes no arguments (usage: cinekernel {Usage})", _ => 0);
        return syntax.From(Cli.ParseCommand(command, args));
    }
}
