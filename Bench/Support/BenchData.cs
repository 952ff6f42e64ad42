namespace CineKernel.Bench.Support;

/// <summary>Reproducible random inputs for benchmarks.</summary>
public static class BenchData
{
    /// <summary>Uniform values in [−scale, scale), reproducible from the seed.</summary>
    public static float[] Uniform(int length, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < data.Length; i++) data[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return data;
    }
}
