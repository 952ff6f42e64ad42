using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;


namespace CineKernel.Kernels;

/// <summary>
/// Launchers for explicitly grouped kernels (shared memory, barriers), cached per device and kernel
/// method like <see cref="ComputeDevice.Load{T1}"/> caches the implicitly grouped ones. The op families
/// that reduce within a group (Linear, Normalization) use it.
/// </summary>
internal static class GroupedKernels
{
    /// <summary>The largest group any of our grouped kernels uses.</summary>
    public const int MaxGroupSize = 256;

    private static readonly ConditionalWeakTable<ComputeDevice, ConcurrentDictionary<MethodInfo, object>> caches = new();

    /// <summary>
    /// The group size a reduction kernel runs with on this device: the largest power of two that is at
    /// most <see cref="MaxGroupSize"/> and the accelerator's limit (2 on our CPU device: ComputeDevice.CpuDeviceForThisMachine).
    /// </summary>
    public static int ReductionGroupSize(ComputeDevice device) => ReductionGroupSizeFor(device.Accelerator.MaxNumThreadsPerGroup);

    /// <summary>The reduction group size on a device whose largest group is <paramref name="maxThreadsPerGroup"/> (also what <c>cinekernel devices</c> prints).</summary>
    public static int ReductionGroupSizeFor(int maxThreadsPerGroup)
    {
        int limit = Math.Min(MaxGroupSize, maxThreadsPerGroup);
        int size = 1;
        while (size * 2 <= limit) size *= 2;
        return size;
    }

    public static Action<KernelConfig, T1, T2, T3> Load<T1, T2, T3>(ComputeDevice device, Action<T1, T2, T3> kernel)
        where T1 : struct where T2 : struct where T3 : struct =>
        Cached(device, kernel.Method, () => device.Accelerator.LoadStreamKernel(kernel));

    public static Action<KernelConfig, T1, T2, T3, T4> Load<T1, T2, T3, T4>(ComputeDevice device, Action<T1, T2, T3, T4> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct =>
        Cached(device, kernel.Method, () => device.Accelerator.LoadStreamKernel(kernel));

    public static Action<KernelConfig, T1, T2, T3, T4, T5> Load<T1, T2, T3, T4, T5>(ComputeDevice device, Action<T1, T2, T3, T4, T5> kernel)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct =>
        Cached(device, kernel.Method, () => device.Accelerator.LoadStreamKernel(kernel));

    private static TDelegate Cached<TDelegate>(ComputeDevice device, MethodInfo method, Func<TDelegate> compile) where TDelegate : class =>
        (TDelegate)caches.GetOrCreateValue(device).GetOrAdd(method, _ => compile());

    /// <summary>
    /// Sum of one value per thread over the group, returned to every thread. <paramref name="scratch"/> is shared
    /// memory of at least the group size that belongs to this one reduction: a kernel that reduces several
    /// times gives each reduction its own slice (<see cref="ReductionScratch"/>), never the same memory twice.
    /// The group size must be a power of two (<see cref="ReductionGroupSize"/>).
    /// </summary>
    /// <remarks>
    /// Why no reuse: ILGPU 1.5.3's O2 code placement sinks a load to just before its first use and does not
    /// check the first barrier or store of the block it moves within, so the final <c>scratch[0]</c> read lands
    /// after any barrier that follows it. With one scratch reused by the next reduction, thread 0's next write
    /// raced with the other threads' late reads of the total (OpenCL: instance norm off by up to 5.2; the PTX
    /// showed the same order). Each reduction's scratch being written by no later code makes the read's
    /// position irrelevant; the loads inside the tree are used before the barrier that ends their step.
    /// </remarks>
    public static float GroupSum(float value, ArrayView<float> scratch)
    {
        int tid = Group.IdxX;
        scratch[tid] = value;
        Group.Barrier();
        for (int half = Group.DimX / 2; half > 0; half /= 2)
        {
            if (tid < half) scratch[tid] += scratch[tid + half];
            Group.Barrier();
        }
        return scratch[0];
    }

    /// <summary>The scratch of reduction <paramref name="reduction"/> out of a shared allocation of n·<see cref="MaxGroupSize"/> floats.</summary>
    public static ArrayView<float> ReductionScratch(ArrayView<float> shared, int reduction) =>
        shared.SubView(reduction * MaxGroupSize, MaxGroupSize);
}
