namespace CineKernel.Kernels;

/// <summary>How <see cref="Linear"/> maps its work onto threads (see there); Auto picks by device and size.</summary>
public enum LinearMapping
{
    Auto,

    /// <summary>One thread computes one output, looping over the input features (no barriers).</summary>
    ThreadPerOutput,

    /// <summary>One group computes one output, its threads striding along the input features.</summary>
    GroupPerOutput,

    /// <summary>Shared-memory tiles, a 4×4 block of outputs per thread.</summary>
    Tiled,
}
