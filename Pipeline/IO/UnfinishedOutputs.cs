using System.Diagnostics;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// The outputs being written and the encoder processes writing them, so that a process stopped by a signal can
/// remove them before it exits (a host registers <see cref="Abandon"/> with its signal handling, as the
/// <c>cinekernel</c> tool does for SIGINT and SIGTERM). Thread-safe.
/// </summary>
public static class UnfinishedOutputs
{
    private static readonly object Gate = new();
    private static readonly HashSet<OutputTarget> Targets = [];
    private static readonly HashSet<Process> Processes = [];
    private static bool abandoned;

    /// <summary>
    /// Stops every encoder process (ffmpeg, with its children) and deletes every temporary output that has not been
    /// moved into place. Later outputs are refused: call it only when the process is about to exit.
    /// </summary>
    /// <returns>How many temporary outputs were deleted.</returns>
    public static int Abandon()
    {
        lock (Gate)
        {
            abandoned = true;
            foreach (var p in Processes)
            {
                try
                {
                    if (!p.HasExited) p.Kill(entireProcessTree: true);
                }
                catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // Exited meanwhile, or cannot be signalled: nothing more to do.
                }
            }
            foreach (var p in Processes)
            {
                try
                {
                    p.WaitForExit(2000); // so it stops writing before its file goes
                }
                catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                }
            }
            Processes.Clear();
            int deleted = Targets.Count;
            foreach (var t in Targets) t.Discard();
            Targets.Clear();
            return deleted;
        }
    }

    /// <summary>Tracks a temporary output from its creation to its commit or discard.</summary>
    /// <exception cref="OperationCanceledException">The outputs were abandoned (the process is exiting).</exception>
    internal static void Add(OutputTarget target)
    {
        lock (Gate)
        {
            if (abandoned)
            {
                target.Discard();
                throw new OperationCanceledException("the process is stopping: no new output");
            }
            Targets.Add(target);
        }
    }

    /// <summary>Stops tracking a target (committed or discarded).</summary>
    internal static void Remove(OutputTarget target)
    {
        lock (Gate) Targets.Remove(target);
    }

    /// <summary>
    /// Commits a target unless the outputs were abandoned; holding the lock, so a signal cannot delete an output
    /// halfway through being moved into place.
    /// </summary>
    /// <exception cref="OperationCanceledException">The outputs were abandoned.</exception>
    internal static void Commit(OutputTarget target, Action commit)
    {
        lock (Gate)
        {
            if (abandoned) throw new OperationCanceledException("the process is stopping: output not moved into place");
            commit();
            Targets.Remove(target);
        }
    }

    /// <summary>Tracks an encoder process while it runs.</summary>
    internal static void Add(Process process)
    {
        lock (Gate) Processes.Add(process);
    }

    /// <summary>Stops tracking an encoder process.</summary>
    internal static void Remove(Process process)
    {
        lock (Gate) Processes.Remove(process);
    }
}
