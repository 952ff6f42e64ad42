using CineKernel.Tests.WeightsLoader;
using CineKernel.Tools;

namespace CineKernel.Tests.Tools;

/// <summary>Runs the CLI in-process and captures what it prints.</summary>
public abstract class CliTestBase : FileTestBase
{
    protected static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = Cli.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
