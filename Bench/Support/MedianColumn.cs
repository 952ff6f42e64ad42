using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace CineKernel.Bench.Support;

/// <summary>
/// A custom summary column computed from a benchmark case's median time (GFLOP/s, photos per hour, ...): the
/// BenchmarkDotNet plumbing once, the figure in <see cref="Value"/>.
/// </summary>
public abstract class MedianColumn(string id, string name, string legend) : IColumn
{
    public string Id => id;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;

    /// <summary>The column's text for a case that has a median of <paramref name="seconds"/>; "-" where it does not apply.</summary>
    protected abstract string Value(BenchmarkCase benchmarkCase, double seconds);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        summary[benchmarkCase]?.ResultStatistics is { } stats ? Value(benchmarkCase, stats.Median * 1e-9) : "-";

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
