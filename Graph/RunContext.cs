using CineKernel.Kernels;

namespace CineKernel.Graph;

/// <summary>What ops see while they run: the device, the frame count fixed for the runner and the frame being rendered.</summary>
public sealed class RunContext(ComputeDevice device, int frameCount)
{
    public ComputeDevice Device { get; } = device;

    /// <summary>The frame index t in [0, FrameCount), or -1 in the once-per-cinemagraph phase.</summary>
    public int Frame { get; internal set; } = -1;

    /// <summary>Frames in the loop (N ≥ 1), fixed when the <see cref="GraphRunner"/> is built (1 for a plain network).</summary>
    public int FrameCount { get; } = frameCount;
}
