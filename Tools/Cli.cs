using System.CommandLine;
using System.CommandLine.Parsing;
using System.Reflection;

namespace CineKernel.Tools;

/// <summary>
/// The <c>cinekernel</c> command line, parsed by System.CommandLine: each command's syntax is declared in its
/// own file (<see cref="CommandSyntax"/>), help (<c>-h</c>, <c>--help</c>) and <c>--version</c> come from the
/// declarations, and every usage error is one line <c>cinekernel: error: ...</c> on stderr with exit code 2.
/// Other errors (files, formats, devices) are one line with exit code 1.
/// </summary>
public static class Cli
{
    private const string Description =
        "CineKernel: StyleCineGAN cinemagraphs on ILGPU kernels (CUDA, OpenCL, CPU); 'cinekernel COMMAND --help' describes a command's options.";

    /// <summary>The tool's version: the assembly's informational version (e.g. <c>1.0.0+commit</c>).</summary>
    public static string Version { get; } =
        typeof(Cli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Cli).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>Every command, in the order the help lists them. A new command is one line here.</summary>
    private static IEnumerable<Command> Commands(TextWriter stdout, TextWriter stderr) =>
    [
        AnimateCommand.Create(stdout, stderr),
        BatchCommand.Create(stdout, stderr),
        ConvertCommand.Create(stdout),
        DevicesCommand.Create(stdout),
        EvalCommand.Create(stdout),
        InspectCommand.Create(stdout),
        SelftestCommand.Create(stdout, stderr),
        RandomWeightsCommand.Create(stdout),
        Studio.StudioCommand.Create(stdout, stderr),
    ];

    /// <summary>Parses <paramref name="args"/>, runs the command and returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var root = Root(stdout, stderr);
            if (args.Length == 0)
            {
                stdout.WriteLine("usage: cinekernel <command> [options]");
                stdout.WriteLine();
                root.Parse(["--help"], Parsing).Invoke(Invocation(stdout, stderr));
                return 2;
            }
            var result = root.Parse(args, Parsing);
            // Help and version go first: 'animate --help' needs no INPUT.
            if (result.Action is not System.CommandLine.Help.HelpAction && UsageError(result) is { } usage)
                throw new CliException(usage, 2);
            return result.Invoke(Invocation(stdout, stderr));
        }
        catch (CliException e)
        {
            stderr.WriteLine($"cinekernel: error: {OneLine(e.Message)}");
            return e.ExitCode;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException
                                      or ArgumentException or KeyNotFoundException or InvalidOperationException
                                      or FormatException or NotSupportedException)
        {
            stderr.WriteLine($"cinekernel: error: {OneLine(e.Message)}");
            return 1;
        }
    }

    /// <summary>
    /// Parses <paramref name="args"/> as <paramref name="command"/>'s own arguments (a command used on its own, by a
    /// test or an embedding program), with the same usage errors as the command line.
    /// </summary>
    /// <exception cref="CliException">The first usage error (exit code 2).</exception>
    internal static ParseResult ParseCommand(Command command, string[] args)
    {
        var result = command.Parse(args, Parsing);
        if (UsageError(result) is { } usage) throw new CliException(usage, 2);
        return result;
    }

    // No response files: an INPUT may start with '@'.
    private static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    private static InvocationConfiguration Invocation(TextWriter stdout, TextWriter stderr) =>
        new() { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };

    private static Command Root(TextWriter stdout, TextWriter stderr)
    {
        var root = new Command("cinekernel", Description);
        root.Options.Add(new System.CommandLine.Help.HelpOption());
        var version = CliOptions.Flag("--version", "print the version and exit");
        root.Options.Add(version);
        foreach (var command in Commands(stdout, stderr)) root.Subcommands.Add(command);
        root.SetAction(result =>
        {
            if (!result.GetValue(version)) throw new CliException("no command given (run 'cinekernel --help')", 2);
            stdout.WriteLine($"cinekernel {Version}");
            return 0;
        });
        return root;
    }

    /// <summary>
    /// The first usage error of a parse, in our words: an unknown command or option, a missing value, a value that
    /// fails its check (the check's own message), a wrong number of positional arguments (the command's message).
    /// </summary>
    private static string? UsageError(ParseResult result)
    {
        var command = result.CommandResult.Command;
        // An unknown option before the positional argument is taken as the argument: said as what it is.
        if (result.Errors.FirstOrDefault(e => e.SymbolResult is ArgumentResult && e.Message.StartsWith("unknown option '", StringComparison.Ordinal)) is { } unknown)
            return unknown.Message;
        if (result.UnmatchedTokens.Count > 0)
        {
            string token = result.UnmatchedTokens[0];
            if (token.Length > 1 && token.StartsWith('-')) return $"unknown option '{token}'";
            if (command is not CliCommand c) return $"unknown command '{token}' (run 'cinekernel --help')";
            return $"{c.UsageError} (unexpected '{token}')";
        }
        foreach (var error in result.Errors)
        {
            return error.SymbolResult switch
            {
                // A required option left out (System.CommandLine reports it on the option, with no token): said as what to add.
                OptionResult { IdentifierToken: null } missing when missing.Option.Required =>
                    $"{command.Name} needs {missing.Option.Aliases.Append(missing.Option.Name).MinBy(a => a.Length)} {missing.Option.HelpName} ({missing.Option.Description})",
                OptionResult { Tokens.Count: 0 } option when option.Option.Arity.MinimumNumberOfValues > 0 =>
                    $"option {option.IdentifierToken?.Value ?? option.Option.Name} needs a value",
                OptionResult => error.Message, // a value check's own message (CliOptions)
                _ when command is CliCommand c => c.UsageError, // a positional argument missing
                _ => error.Message,
            };
        }
        return null;
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");
}
