using System.Runtime.InteropServices;
using CineKernel.Pipeline.IO;

namespace CineKernel.Tools;

/// <summary>What the tool does when a signal asks it to stop (<c>Program.cs</c> registers it for SIGINT and SIGTERM).</summary>
internal static class Interrupts
{
    private static readonly object Gate = new();
    private static readonly List<Action<string>> Reports = [];

    /// <summary>
    /// Stops the encoders, deletes every unfinished output, lets the running command report (<see cref="OnStop"/>) and
    /// exits with 128 + the signal's number.
    /// </summary>
    public static void Stop(PosixSignalContext context)
    {
        context.Cancel = true; // this handler decides how the process ends
        (string name, int number) = context.Signal == PosixSignal.SIGINT ? ("SIGINT", 2) : ("SIGTERM", 15);
        int deleted = UnfinishedOutputs.Abandon();
        Console.Error.WriteLine($"cinekernel: stopped by {name}{(deleted > 0 ? "; the unfinished output was removed" : "")}");
        Report(name);
        Environment.Exit(128 + number);
    }

    /// <summary>
    /// Has <paramref name="report"/> run with the signal's name (<c>SIGTERM</c>) when a signal stops the process, after
    /// the unfinished outputs are removed and before it exits (<c>cinekernel batch</c>: its summary), until disposed.
    /// </summary>
    public static IDisposable OnStop(Action<string> report)
    {
        lock (Gate) Reports.Add(report);
        return new Registration(report);
    }

    /// <summary>Runs every report registered with <see cref="OnStop"/>; one that throws does not keep the others from running.</summary>
    internal static void Report(string signal)
    {
        Action<string>[] reports;
        lock (Gate) reports = [.. Reports];
        foreach (var report in reports)
        {
            try
            {
                report(signal);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The process is exiting; a report that cannot be written is lost, not a reason to stay.
            }
        }
    }

    private sealed class Registration(Action<string> report) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate) Reports.Remove(report);
        }
    }
}
