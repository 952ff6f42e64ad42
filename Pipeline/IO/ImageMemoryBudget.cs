using System.Buffers;
using System.Runtime.CompilerServices;
using SixLabors.ImageSharp.Memory;

namespace CineKernel.Pipeline.IO;

/// <summary>
/// An ImageSharp allocator that counts the pixel and scratch buffers it hands out and refuses any that would
/// take their total past a budget, with ImageSharp's <see cref="InvalidMemoryOperationException"/>. Whatever
/// a file claims (a GIF of hundreds of full-screen frames, a WebP animation), decoding it cannot hold more
/// than the budget at once; <see cref="ImageFileReader"/> turns the refusal into a one-line
/// <see cref="MediaFileException"/>. The budget is shared by everything decoded with one instance.
/// </summary>
internal sealed class ImageMemoryBudget(long budgetBytes) : MemoryAllocator
{
    /// <summary>Discontiguous pixel buffers are made of blocks this large (ImageSharp's own pool uses 4 MB).</summary>
    private const int BlockBytes = 4 << 20;

    private readonly MemoryAllocator inner = Create(new MemoryAllocatorOptions { MaximumPoolSizeMegabytes = 0 });
    private long outstanding;
    private long peak;

    public long BudgetBytes { get; } = budgetBytes;

    /// <summary>The most bytes held at once since creation or <see cref="ResetPeak"/>.</summary>
    public long PeakBytes => Interlocked.Read(ref peak);

    /// <summary>Bytes held now.</summary>
    public long OutstandingBytes => Interlocked.Read(ref outstanding);

    public void ResetPeak() => Interlocked.Exchange(ref peak, OutstandingBytes);

    protected override int GetBufferCapacityInBytes() => BlockBytes;

    /// <exception cref="InvalidMemoryOperationException">The buffer would take the total past the budget.</exception>
    public override IMemoryOwner<T> Allocate<T>(int length, AllocationOptions options = AllocationOptions.None)
    {
        long bytes = (long)length * Unsafe.SizeOf<T>();
        long now = Interlocked.Add(ref outstanding, bytes);
        if (now > BudgetBytes)
        {
            // ImageSharp does not dispose the blocks of a pixel buffer whose later block failed; their
            // finalizers give the bytes back. Collect once before refusing, so an earlier failure is not counted.
            Interlocked.Add(ref outstanding, -bytes);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            now = Interlocked.Add(ref outstanding, bytes);
        }
        if (now > BudgetBytes)
        {
            Interlocked.Add(ref outstanding, -bytes);
            throw new InvalidMemoryOperationException(
                $"decoding needs more than the {BudgetBytes >> 20} MB of image memory allowed (a buffer of {bytes >> 20} MB with {(now - bytes) >> 20} MB held)");
        }
        long seen;
        while (now > (seen = Interlocked.Read(ref peak)) && Interlocked.CompareExchange(ref peak, now, seen) != seen) { }
        try
        {
            return new Counted<T>(inner.Allocate<T>(length, options), this, bytes);
        }
        catch
        {
            Interlocked.Add(ref outstanding, -bytes);
            throw;
        }
    }

    public override void ReleaseRetainedResources() => inner.ReleaseRetainedResources();

    private sealed class Counted<T>(IMemoryOwner<T> owner, ImageMemoryBudget budget, long bytes) : IMemoryOwner<T>
    {
        private int disposed;

        public Memory<T> Memory => owner.Memory;

        public void Dispose()
        {
            Release();
            owner.Dispose();
            GC.SuppressFinalize(this);
        }

        /// <summary>A buffer ImageSharp dropped without disposing: the inner owner frees itself the same way.</summary>
        ~Counted() => Release();

        private void Release()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0) Interlocked.Add(ref budget.outstanding, -bytes);
        }
    }
}
