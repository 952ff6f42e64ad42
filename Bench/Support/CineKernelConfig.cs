using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;

namespace CineKernel.Bench.Support;

/// <summary>The config every CineKernel benchmark uses: median, ratio to the baseline, throughput.</summary>
public sealed class CineKernelConfig : ManualConfig
{
    public CineKernelConfig()
    {
        AddColumn(StatisticColumn.Median, ThroughputColumn.GFlops, ThroughputColumn.GBytes);
        HideColumns(Column.Error, Column.StdDev);
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }
}
