using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace CineKernel.Tools;

/// <summary>
/// Factories for the options and arguments of every command (System.CommandLine symbols), so that each command
/// says only its option's name, value name, meaning and check. The rules they give every option: a value option
/// given twice keeps the last value (<see cref="Repeated"/> keeps all); a value that fails its check is a usage
/// error (exit 2) whose message is the check's <see cref="CliException"/> message, e.g.
/// <c>--frames must be between 2 and 10000, got 1</c>.
/// </summary>
internal static class CliOptions
{
    /// <summary>A value option read as text (null when absent).</summary>
    public static Option<string?> Text(string name, string valueName, string description, params string[] aliases) =>
        Parsed<string?>(name, valueName, description, s => s, null, aliases);

    /// <summary>The option made required: the help marks it (REQUIRED), and a command line without it is a usage error.</summary>
    public static Option<T> Required<T>(Option<T> option)
    {
        option.Required = true;
        return option;
    }

    /// <summary>A flag: present or not.</summary>
    public static Option<bool> Flag(string name, string description, params string[] aliases) =>
        new(name, aliases) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>A value option that may be given several times, keeping every value in order (<c>--arrow</c>).</summary>
    public static Option<string[]> Repeated(string name, string valueName, string description) =>
        new(name) { Description = description, HelpName = valueName, Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };

    /// <summary>An integer option in [min, max]; <paramref name="fallback"/> when absent (null: absent stays null).</summary>
    public static Option<int?> Int(string name, string valueName, string description, int? fallback, int min = int.MinValue, int max = int.MaxValue) =>
        Parsed<int?>(name, valueName, description, s => ParseInt(name, s, min, max), fallback);

    /// <summary>One of a few words (case-insensitive), e.g. <c>--loop seamless|official</c>.</summary>
    public static Option<T> Choice<T>(string name, string description, IReadOnlyDictionary<string, T> choices, T fallback)
    {
        var option = Parsed(name, string.Join('|', choices.Keys), description,
            s => choices.TryGetValue(s.ToLowerInvariant(), out var v) ? v
                : throw new CliException($"{name} must be {string.Join(" or ", choices.Keys)}, got '{s}'", 2), fallback);
        return option;
    }

    /// <summary>
    /// A value option converted by <paramref name="parse"/>, which throws <see cref="CliException"/> with the message
    /// the user sees. Absent: <paramref name="fallback"/> (shown in the help as the default when not null).
    /// </summary>
    public static Option<T> Parsed<T>(string name, string valueName, string description, Func<string, T> parse, T fallback, params string[] aliases)
    {
        var option = new Option<T>(name, aliases)
        {
            Description = description,
            HelpName = valueName,
            Arity = ArgumentArity.OneOrMore, // given twice, the last one counts
            AllowMultipleArgumentsPerToken = false,
            CustomParser = result => Convert(result, parse),
        };
        if (fallback is not null) option.DefaultValueFactory = _ => fallback;
        return option;
    }

    /// <summary>
    /// A positional argument: <c>string</c> for one (arity ExactlyOne), <c>string?</c> for an optional one
    /// (ZeroOrOne), <c>string[]</c> for one or more (OneOrMore). A wrong count is said in the command's own words
    /// (<see cref="CliCommand.UsageError"/>); a token that looks like an option is refused as one
    /// (<c>unknown option '--colour'</c>), since an unknown option would otherwise be taken as the argument.
    /// </summary>
    public static Argument<T> Positional<T>(string name, string description, ArgumentArity arity)
    {
        var argument = new Argument<T>(name) { Description = description, Arity = arity };
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
                if (token.Value.Length > 1 && token.Value.StartsWith('-'))
                {
                    result.AddError($"unknown option '{token.Value}'");
                    return;
                }
        });
        return argument;
    }

    /// <summary>A comma-separated list of integers, e.g. <c>0,3,9</c> (System.CommandLine gives an empty array when absent: see <see cref="Given"/>).</summary>
    public static Option<int[]?> IntList(string name, string valueName, string description)
    {
        var option = Parsed<int[]?>(name, valueName, description, s =>
        {
            try
            {
                return s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                throw new CliException($"{name} expects a comma-separated list of integers, got '{s}'", 2);
            }
        }, null);
        return option;
    }

    /// <summary>Whether the option was on the command line (not only its default).</summary>
    public static bool Given(this ParseResult result, Option option) => result.GetResult(option) is { Implicit: false };

    private static int ParseInt(string name, string s, int min, int max)
    {
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new CliException($"{name} expects an integer, got '{s}'", 2);
        if (v < min || v > max) throw new CliException($"{name} must be between {min} and {max}, got {v}", 2);
        return v;
    }

    private static T Convert<T>(ArgumentResult result, Func<string, T> parse)
    {
        if (result.Tokens.Count == 0) return default!; // reported as a missing value (Cli.Describe)
        try
        {
            return parse(result.Tokens[^1].Value);
        }
        catch (CliException e)
        {
            result.AddError(e.Message);
            return default!;
        }
    }
}
