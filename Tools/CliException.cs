namespace CineKernel.Tools;

/// <summary>A user error: reported as one line, exit code 2 for usage and 1 otherwise.</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
