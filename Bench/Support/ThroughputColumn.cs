using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace CineKernel.Bench.Support;

/// <summary>GFLOP/s or GB/s from a method's <see cref="WorkAttribute"/> and its median time.</summary>
public sealed class ThroughputColumn(string name, Func<WorkAttribute, double> amount, string unit) : IColumn
{
    public static readonly IColumn GFlops = new ThroughputColumn("GFLOP/s", w => w.Flops, "GFLOP/s");
    public static readonly IColumn GBytes = new ThroughputColumn("GB/s", w => w.Bytes, "GB/s");

    public string Id => nameof(ThroughputColumn) + name;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"Achieved {unit} at the median time (from the [Work] attribute)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var work = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<WorkAttribute>();
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (work is null || stats is null || amount(work) <= 0) return "-";
        if (work.Case is not null && work.Case != string.Join(", ", benchmarkCase.Parameters.Items.Select(p => $"{p.Name}={p.Value}"))) return "-";
        double seconds = stats.Median * 1e-9;
        return (amount(work) / seconds / 1e9).ToString("F2");
    }

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
