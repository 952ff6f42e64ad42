using System.Runtime.InteropServices;
using CineKernel.Pipeline.IO;

namespace CineKernel.Tools;

/// <summary>What the tool does when a signal asks it to stop (<c>Program.cs</c> registers it for SIGINT and SIGTERM).</summary>
internal static class Interrupts
{
    /// <summary>Stops the encoders, deletes every unfinished output and exits with 128 + the signal's number.</summary>
    public static void Stop(PosixSignalContext context)
    {
        context.Cancel = true; // this handler decides how the process ends
        (string name, int number) = context.Signal == PosixSignal.SIGINT ? ("SIGINT", 2) : ("SIGTERM", 15);
        int deleted = UnfinishedOutputs.Abandon();
        Console.Error.WriteLine($"cinekernel: stopped by {name}{(deleted > 0 ? "; the unfinished output was removed" : "")}");
        Environment.Exit(128 + number);
    }
}
