using System.CommandLine;

namespace CineKernel.Tools;

/// <summary>A <c>cinekernel</c> command: a System.CommandLine command that knows its own usage message.</summary>
internal sealed class CliCommand(string name, string description, string usageError) : Command(name, description)
{
    /// <summary>
    /// What is said when the positional arguments are missing or too many, e.g.
    /// <c>animate expects one INPUT (an image, or a sample folder NAME/ with NAME.png)</c>.
    /// </summary>
    public string UsageError { get; } = usageError;
}
