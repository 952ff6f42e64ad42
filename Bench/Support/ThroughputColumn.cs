using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Running;

namespace CineKernel.Bench.Support;

/// <summary>GFLOP/s or GB/s from a method's <see cref="WorkAttribute"/> and its median time.</summary>
public sealed class ThroughputColumn(string name, Func<WorkAttribute, double> amount, string unit)
    : MedianColumn(nameof(ThroughputColumn) + name, name, $"Achieved {unit} at the median time (from the [Work] attribute)")
{
    public static readonly IColumn GFlops = new ThroughputColumn("GFLOP/s", w => w.Flops, "GFLOP/s");
    public static readonly IColumn GBytes = new ThroughputColumn("GB/s", w => w.Bytes, "GB/s");

    protected override string Value(BenchmarkCase benchmarkCase, double seconds)
    {
        var work = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<WorkAttribute>();
        if (work is null || amount(work) <= 0) return "-";
        if (work.Case is not null && work.Case != string.Join(", ", benchmarkCase.Parameters.Items.Select(p => $"{p.Name}={p.Value}"))) return "-";
        return (amount(work) / seconds / 1e9).ToString("F2");
    }
}
