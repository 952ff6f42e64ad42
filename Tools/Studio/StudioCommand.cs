using System.CommandLine;
using Microsoft.Extensions.Hosting;

namespace CineKernel.Tools.Studio;

/// <summary>
/// <c>cinekernel studio</c>: starts the studio's web server (<see cref="StudioServer"/>), prints its URL, and serves
/// until the process is stopped (Ctrl-C); the private folder of uploads and results is removed on the way out.
/// </summary>
public static class StudioCommand
{
    /// <summary>The <c>studio</c> command.</summary>
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var s = new StudioOptions.Syntax();
        return s.Build("studio",
            "Start a local web page to make a cinemagraph by hand: brush the moving region, draw the motion, preview the loop, export.",
            $"studio takes no arguments (usage: cinekernel {StudioOptions.Usage})",
            r => Run(s.From(r), stdout, stderr));
    }

    /// <summary>Runs the server until the process stops; returns 0 after a clean shutdown.</summary>
    /// <exception cref="CliException">The device or the weights folder cannot be opened, or the address is taken.</exception>
    public static int Run(StudioOptions options, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(options);
        var server = StudioServer.Create(options);
        try
        {
            try
            {
                server.StartAsync().GetAwaiter().GetResult();
            }
            catch (IOException e)
            {
                throw new CliException($"cannot listen on {options.Host}:{options.Port}: {e.Message.ReplaceLineEndings(" ")} (choose another --port)");
            }
            foreach (string url in server.Urls) stdout.WriteLine($"cinekernel studio: open {url}/ in a browser (Ctrl-C stops)");
            if (!System.Net.IPAddress.TryParse(options.Host, out var address) || !System.Net.IPAddress.IsLoopback(address))
                if (!options.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
                    stderr.WriteLine($"cinekernel: warning: the studio listens on {options.Host}, not only this computer: anyone who can reach it can upload photos and run renders");
            stdout.Flush();
            server.App.WaitForShutdownAsync().GetAwaiter().GetResult();
            return 0;
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
