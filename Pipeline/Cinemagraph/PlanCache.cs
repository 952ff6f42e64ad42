namespace CineKernel.Pipeline.Cinemagraph;

/// <summary>
/// Built programs kept between photos by a <see cref="CinemagraphEngine"/>: a graph's plan with its
/// <see cref="Graph.GraphRunner"/> (constants uploaded, arena and op state allocated), or a network object such as the
/// encoder, each under the <see cref="PlanKey"/> that shaped it. A renderer rents one for a photo and returns it when
/// disposed; the next photo with the same key sets new inputs and reruns the hoisted part, skipping the graph build,
/// the scheduler and the uploads. Kernels are compiled once per device already (<see cref="Kernels.ComputeDevice"/>).
/// Not thread-safe: the engine lets one photo at a time use it.
/// </summary>
internal sealed class PlanCache : IDisposable
{
    private readonly Dictionary<PlanKey, IDisposable> idle = new();
    private bool disposed;

    /// <summary>Programs built so far (a rent that found nothing to reuse); tests prove the reuse with it.</summary>
    public int Built { get; private set; }

    /// <summary>Rents that reused a built program.</summary>
    public int Reused { get; private set; }

    /// <summary>Programs waiting for reuse (each holds device memory until <see cref="Dispose"/>).</summary>
    public int IdleCount => idle.Count;

    /// <summary>
    /// The program for <paramref name="key"/>: an idle one from <paramref name="cache"/>, else <paramref name="build"/>'s.
    /// Without a cache the lease owns it and disposes it when disposed (a renderer used on its own).
    /// </summary>
    public static Lease<T> Rent<T>(PlanCache? cache, PlanKey key, Func<T> build) where T : class, IDisposable
    {
        if (cache is null) return new Lease<T>(null, key, build());
        ObjectDisposedException.ThrowIf(cache.disposed, cache);
        if (cache.idle.Remove(key, out var found))
        {
            cache.Reused++;
            return new Lease<T>(cache, key, (T)found);
        }
        var built = build();
        cache.Built++;
        return new Lease<T>(cache, key, built);
    }

    private void Return(PlanKey key, IDisposable item)
    {
        if (disposed || !idle.TryAdd(key, item)) item.Dispose(); // one idle program per key is enough
    }

    /// <summary>Releases every idle program's device memory; programs still rented are released when returned.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var item in idle.Values) item.Dispose();
        idle.Clear();
    }

    /// <summary>A rented program: <see cref="Item"/> until disposed, then back in the cache (or released without one).</summary>
    internal sealed class Lease<T>(PlanCache? cache, PlanKey key, T item) : IDisposable where T : class, IDisposable
    {
        private bool returned;

        public T Item { get; } = item;

        public void Dispose()
        {
            if (returned) return;
            returned = true;
            if (cache is null) Item.Dispose();
            else cache.Return(key, Item);
        }
    }
}
