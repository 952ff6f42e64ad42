namespace CineKernel.Tools.SelfTest;

/// <summary>
/// How a check's output is compared with its expectation b (both of n values):
/// <list type="bullet">
/// <item>max relative error = max |a − b| / max |b| (over all elements; 1e-30 when b is all zero), the worst element
/// measured against the tensor's scale, so a small value's rounding does not count as a large relative error;</item>
/// <item>rms relative error = ‖a − b‖₂ / ‖b‖₂ (‖a − b‖₂ when b is zero), the measure every parity test of the
/// project asserts (Tests/Support/Numerics.RelativeError).</item>
/// </list>
/// A check passes when every value is finite, the lengths agree, and both errors are at most its tolerance
/// (with tolerance 0: the same bits). Requiring both is never looser than the tests, which assert the rms one.
/// </summary>
public readonly record struct SelfTestComparison(double MaxRelativeError, double RmsRelativeError, bool Passed, string? Problem)
{
    /// <summary>Compares <paramref name="actual"/> with <paramref name="expected"/> under <paramref name="tolerance"/> (≥ 0).</summary>
    public static SelfTestComparison Of(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double tolerance)
    {
        if (actual.Length != expected.Length)
            return new(double.NaN, double.NaN, false, $"{actual.Length} values, the expectation has {expected.Length}");
        double maxDiff = 0, maxExpected = 0, sumDiff = 0, sumExpected = 0;
        int nonFinite = -1;
        for (int i = 0; i < actual.Length; i++)
        {
            if (!float.IsFinite(actual[i]) && nonFinite < 0) nonFinite = i;
            double d = Math.Abs((double)actual[i] - expected[i]);
            maxDiff = Math.Max(maxDiff, d);
            maxExpected = Math.Max(maxExpected, Math.Abs((double)expected[i]));
            sumDiff += d * d;
            sumExpected += (double)expected[i] * expected[i];
        }
        if (nonFinite >= 0) return new(double.NaN, double.NaN, false, $"value {nonFinite} is {actual[nonFinite]}");
        double max = maxDiff / Math.Max(maxExpected, 1e-30);
        double rms = sumExpected == 0 ? Math.Sqrt(sumDiff) : Math.Sqrt(sumDiff / sumExpected);
        bool passed = tolerance == 0 ? actual.SequenceEqual(expected) : max <= tolerance && rms <= tolerance;
        return new(max, rms, passed, null);
    }
}
