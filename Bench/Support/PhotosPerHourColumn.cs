using BenchmarkDotNet.Running;

namespace CineKernel.Bench.Support;

/// <summary>Photos per hour at a benchmark's median time, for benchmarks whose one operation renders <c>photos</c> photos.</summary>
public sealed class PhotosPerHourColumn(int photos)
    : MedianColumn(nameof(PhotosPerHourColumn), "photos/h", $"Photos per hour: {photos} photos per operation at the median time")
{
    protected override string Value(BenchmarkCase benchmarkCase, double seconds) => (photos * 3600.0 / seconds).ToString("F0");
}
