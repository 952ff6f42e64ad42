using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace CineKernel.Bench.Support;

/// <summary>Photos per hour at a benchmark's median time, for benchmarks whose one operation renders <c>photos</c> photos.</summary>
public sealed class PhotosPerHourColumn(int photos) : IColumn
{
    public string Id => nameof(PhotosPerHourColumn);
    public string ColumnName => "photos/h";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"Photos per hour: {photos} photos per operation at the median time";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        summary[benchmarkCase]?.ResultStatistics is { } stats ? (photos * 3600.0 / (stats.Median * 1e-9)).ToString("F0") : "-";

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
