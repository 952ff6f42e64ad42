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
}
