using System.CommandLine;
using System.Reflection;

namespace CineKernel.Tools;

/// <summary>
/// A command's syntax: a subclass declares each argument and option once, as a readonly field made with
/// <see cref="CliOptions"/> (its name, value name, meaning for the help, and value check), and
/// <see cref="Build"/> turns the fields, in declaration order, into the System.CommandLine command. Adding an
/// option is one field here and one line where the command reads it from the <see cref="ParseResult"/>.
/// </summary>
internal abstract class CommandSyntax
{
    /// <summary>
    /// The command named <paramref name="name"/> with every field of this syntax and its action;
    /// <paramref name="usageError"/> is the message for a wrong number of positional arguments.
    /// </summary>
    public CliCommand Build(string name, string description, string usageError, Func<ParseResult, int> action)
    {
        var command = new CliCommand(name, description, usageError);
        var fields = GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(f => typeof(Symbol).IsAssignableFrom(f.FieldType))
            .OrderBy(f => f.MetadataToken);
        foreach (var field in fields)
        {
            switch (field.GetValue(this))
            {
                case Argument argument: command.Arguments.Add(argument); break;
                case Option option: command.Options.Add(option); break;
            }
        }
        command.SetAction(action);
        return command;
    }
}
