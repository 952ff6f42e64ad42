using System.Diagnostics;

namespace CineKernel.Bench.Support;

/// <summary>The built <c>cinekernel</c> tool run as a process, as a user runs it (process start and kernel compilation included).</summary>
public static class ToolProcess
{
    /// <summary>
    /// The tool to run: <c>$CINEKERNEL_TOOL</c> (another build, to compare in one run), else Tools/bin/Release under
    /// <paramref name="root"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">The tool is not built.</exception>
    public static string Find(string root)
    {
        string tool = Environment.GetEnvironmentVariable("CINEKERNEL_TOOL") ?? Path.Combine(root, "Tools", "bin", "Release", "net10.0", "cinekernel.dll");
        return File.Exists(tool) ? tool : throw new FileNotFoundException($"build the tool first (dotnet build -c Release CineKernel.sln): {tool} is missing");
    }

    /// <summary>Runs <paramref name="tool"/> (a .dll through dotnet, or an executable) with the arguments and waits for it.</summary>
    /// <exception cref="InvalidOperationException">It exited non-zero; the message holds its stderr.</exception>
    public static void Run(string tool, IEnumerable<string> arguments)
    {
        bool dll = tool.EndsWith(".dll", StringComparison.Ordinal);
        var start = new ProcessStartInfo(dll ? "dotnet" : tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (dll) start.ArgumentList.Add(tool);
        foreach (string a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"cinekernel {string.Join(' ', start.ArgumentList.Skip(dll ? 1 : 0).Take(1))} failed ({process.ExitCode}): {stderr.Result}");
    }
}
