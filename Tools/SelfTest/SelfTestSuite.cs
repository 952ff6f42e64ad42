using System.Diagnostics;
using CineKernel.Kernels;
using CineKernel.Tools.SelfTest.Checks;

namespace CineKernel.Tools.SelfTest;

/// <summary>
/// Every check of <c>cinekernel selftest</c>, kernel families first, then the networks; <see cref="Run"/> runs them
/// on one device against one expectations file.
/// </summary>
public static class SelfTestSuite
{
    /// <summary>The checks in the order they run; names are unique.</summary>
    public static IReadOnlyList<SelfTestCheck> All { get; } =
    [
        .. Conv2dCheck.All(), .. TransposedConv2dCheck.All(), .. ModulatedConv2dCheck.All(), .. Upfirdn2dCheck.All(),
        .. ResizeCheck.All(), .. PaddingCheck.All(), .. PoolingCheck.All(), .. LinearCheck.All(), .. NormalizationCheck.All(),
        .. ElementWiseCheck.All(), .. EulerCheck.All(), .. SplatCheck.All(), .. HoleFillCheck.All(), .. WarpLevelCheck.All(),
        new MappingCheck(), new GeneratorFrameCheck(), new MotionCheck(), new MaskMlpCheck(), new EncoderCheck(),
    ];

    /// <summary>The checks of a run: all, or with <paramref name="quick"/> those marked <see cref="SelfTestCheck.Quick"/>.</summary>
    public static IReadOnlyList<SelfTestCheck> Select(bool quick) => quick ? All.Where(c => c.Quick).ToList() : All;

    /// <summary>
    /// Runs <paramref name="checks"/> on <paramref name="device"/> in order and compares each with its expectation in
    /// <paramref name="data"/>. A check that throws (a kernel that fails to compile on this device, a missing
    /// expectation) fails with the exception's message and the run goes on. <paramref name="onResult"/> sees each
    /// result as soon as it is known.
    /// </summary>
    public static IReadOnlyList<SelfTestResult> Run(ComputeDevice device, SelfTestData data, IEnumerable<SelfTestCheck> checks,
        Action<SelfTestResult>? onResult = null)
    {
        var results = new List<SelfTestResult>();
        foreach (var check in checks)
        {
            var result = RunOne(device, data, check);
            results.Add(result);
            onResult?.Invoke(result);
        }
        return results;
    }

    private static SelfTestResult RunOne(ComputeDevice device, SelfTestData data, SelfTestCheck check)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var actual = check.Run(device, data);
            device.Synchronize();
            double ms = clock.Elapsed.TotalMilliseconds;
            var comparison = SelfTestComparison.Of(actual, data.Expected(check.Name).Data, check.Tolerance);
            return new SelfTestResult(check, comparison.MaxRelativeError, comparison.RmsRelativeError, comparison.Passed, ms, comparison.Problem);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Anything a device can throw (ILGPU compilation and runtime errors included) fails this check only.
            return new SelfTestResult(check, double.NaN, double.NaN, false, clock.Elapsed.TotalMilliseconds,
                $"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}
