namespace CineKernel.Kernels;

/// <summary>
/// The one launch rule of the engine's kernels: launch at most the accelerator's thread count and let
/// each thread loop over i, i + stride, … (grid-stride), or over a contiguous run (<see cref="WorkSplit"/>).
/// ILGPU's CPU accelerator pays several µs per launched thread whatever the thread does, so a thread per
/// element makes 1024-level tensors cost minutes on the CPU (README "Performance"); a GPU is filled either way.
/// </summary>
internal static class GridStride
{
    public static int Threads(ComputeDevice device, long count) =>
        (int)Math.Clamp(Math.Min(count, device.Accelerator.MaxNumThreads), 1, int.MaxValue);
}

/// <summary>
/// How a launch splits its work items over kernel threads. ILGPU's CPU accelerator runs each group's
/// kernel threads on as many OS threads and synchronises them after every group, so one thread
/// per element spends most of its time in that barrier; on the CPU each thread therefore takes a
/// contiguous run of items (contiguous, so threads do not share cache lines of the output). GPUs get
/// one item per thread, the usual coalesced mapping.
/// </summary>
internal readonly struct WorkSplit
{
    public readonly int Total, PerThread;

    private WorkSplit(int total, int perThread)
    {
        Total = total;
        PerThread = perThread;
    }

    /// <summary>Kernel threads to launch.</summary>
    public int Threads => (Total + PerThread - 1) / PerThread;

    /// <summary>CPU: four runs per accelerator thread (some balance when threads stall); GPU: one item per thread.</summary>
    public static WorkSplit For(ComputeDevice device, long total)
    {
        if (total > int.MaxValue) throw new ArgumentException($"{total} work items do not fit one launch");
        int n = (int)total;
        if (device.Kind != DeviceKind.Cpu || n == 0) return new WorkSplit(n, 1);
        // Four runs per accelerator thread: some balance when a thread stalls.
        int threads = Math.Max(1, GridStride.Threads(device, n) * 4);
        return new WorkSplit(n, (n + threads - 1) / threads);
    }

    /// <summary>The first item of kernel thread <paramref name="thread"/>.</summary>
    public int Begin(int thread) => thread * PerThread;

    /// <summary>One past the last item of kernel thread <paramref name="thread"/>.</summary>
    public int End(int thread)
    {
        int end = thread * PerThread + PerThread;
        return end < Total ? end : Total;
    }
}

