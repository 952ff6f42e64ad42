using NUnit.Framework;

namespace CineKernel.Tests.Support;

/// <summary>Random inputs and the relative-error comparison every parity test uses.</summary>
public static class Numerics
{
    /// <summary>Uniform values in [-scale, scale), reproducible from the seed.</summary>
    public static float[] Random(int length, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < data.Length; i++) data[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return data;
    }

    public static double[] ToDouble(float[] x) => Array.ConvertAll(x, v => (double)v);

    /// <summary>‖actual − expected‖ / ‖expected‖ (or the absolute norm if expected is zero).</summary>
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = actual[i] - expected[i];
            diff += d * d;
            norm += expected[i] * expected[i];
        }
        return norm == 0 ? Math.Sqrt(diff) : Math.Sqrt(diff / norm);
    }

    /// <summary>
    /// Asserts ‖actual − expected‖/‖expected‖ ≤ tolerance and reports the error and the worst element,
    /// so a failing parity test says where to look.
    /// </summary>
    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double tolerance, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: length");
        for (int i = 0; i < actual.Length; i++)
            Assert.That(float.IsFinite(actual[i]), Is.True, $"{what}: element {i} is {actual[i]}");
        double rel = RelativeError(actual, expected);
        int worst = 0;
        double worstAbs = -1;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = Math.Abs(actual[i] - expected[i]);
            if (d > worstAbs) { worstAbs = d; worst = i; }
        }
        TestContext.Out.WriteLine(
            $"{what}: relative error {rel:E2}, worst element {worst}: {actual[worst]} vs {expected[worst]} (|Δ| {worstAbs:E2})");
        Assert.That(rel, Is.LessThanOrEqualTo(tolerance),
            $"{what}: relative error {rel:E2} > {tolerance:E0}; worst element {worst}: {actual[worst]} vs {expected[worst]}");
    }

    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double tolerance, string what) =>
        AssertClose(actual, Array.ConvertAll(expected.ToArray(), v => (double)v), tolerance, what);
}
