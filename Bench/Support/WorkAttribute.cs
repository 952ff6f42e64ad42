namespace CineKernel.Bench.Support;

/// <summary>
/// The arithmetic and memory traffic of one call of a benchmark method, so the summary can show
/// achieved GFLOP/s and GB/s next to the time (DESIGN.md "Know the floor").
/// Count FLOPs as 2 per multiply-add; bytes as the minimum a kernel must read and write.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class WorkAttribute : Attribute
{
    public double Flops { get; init; }
    public double Bytes { get; init; }

    /// <summary>
    /// When set, the counts hold only for the benchmark case whose parameters are these, written <c>Name=value</c>
    /// and joined by ", " (e.g. <c>Config=config-f</c>); other cases of the method show "-" for the throughput.
    /// </summary>
    public string? Case { get; init; }
}
