using System.Collections.Concurrent;
using System.Reflection;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace CineKernel.Kernels;

/// <summary>
/// One accelerator and the kernels compiled for it. This is the only place that picks an
/// accelerator: <c>auto</c> (CUDA, then OpenCL, then CPU), <c>cuda</c>, <c>opencl</c> or <c>cpu</c>.
/// A device that is asked for by name and absent is an error, never a silent fallback.
/// Kernels are compiled on first use and cached per device.
/// </summary>
public sealed class ComputeDevice : IDisposable
{
    /// <summary>The environment variable that tests and tools read when no device is named.</summary>
    public const string EnvironmentVariable = "CINEKERNEL_DEVICE";

    private readonly ConcurrentDictionary<MethodInfo, object> kernels = new();
    private readonly Context context;

    private ComputeDevice(Context context, Accelerator accelerator, DeviceKind kind)
    {
        this.context = context;
        Accelerator = accelerator;
        Kind = kind;
    }

    public Accelerator Accelerator { get; }

    /// <summary>The accelerator's kind.</summary>
    public DeviceKind Kind { get; }

    /// <summary>
    /// Whether the device is a GPU: CUDA always, OpenCL when the driver says so (PoCL on a CPU is OpenCL but not a
    /// GPU). Kernels with a GPU shape (shared-memory tiles, thousands of threads) are chosen by this, not by the kind.
    /// </summary>
    public bool IsGpu => Kind == DeviceKind.Cuda
        || (Accelerator.Device is ILGPU.Runtime.OpenCL.CLDevice cl
            && (cl.DeviceType & ILGPU.Runtime.OpenCL.CLDeviceType.CL_DEVICE_TYPE_GPU) != 0);

    public string Name => Accelerator.Name;

    public AcceleratorStream Stream => Accelerator.DefaultStream;

    public static IReadOnlyList<string> Names { get; } = ["auto", "cuda", "opencl", "cpu"];

    /// <summary>Opens the device named by <see cref="EnvironmentVariable"/>, or <c>auto</c>.</summary>
    public static ComputeDevice OpenFromEnvironment()
    {
        string? name = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return Open(string.IsNullOrWhiteSpace(name) ? "auto" : name.Trim());
    }

    /// <summary>
    /// Opens a device by name: <c>auto</c> (CUDA, then OpenCL, then the CPU; <see cref="OpenFromEnvironment"/> reads
    /// <see cref="EnvironmentVariable"/> instead), <c>cuda</c>, <c>opencl</c> or <c>cpu</c>. Dispose it to release
    /// the accelerator and every kernel compiled for it.
    /// </summary>
    /// <param name="name">One of <see cref="Names"/>, any case.</param>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    /// <exception cref="InvalidOperationException">No device of that kind is present.</exception>
    public static ComputeDevice Open(string name)
    {
        string key = name.ToLowerInvariant();
        if (!Names.Contains(key))
            throw new ArgumentException($"unknown device '{name}' (expected one of: {string.Join(", ", Names)})");

        var context = CreateContext();
        try
        {
            Device? chosen = key switch
            {
                "cuda" => First(context, AcceleratorType.Cuda),
                "opencl" => First(context, AcceleratorType.OpenCL),
                "cpu" => First(context, AcceleratorType.CPU),
                _ => First(context, AutoChoice(context.Devices.Select(d => d.AcceleratorType))),
            };
            if (chosen is null)
                throw new InvalidOperationException($"no {key} device was found (run 'cinekernel devices' to list what is available)");
            if (chosen.AcceleratorType == AcceleratorType.CPU) chosen = CpuDeviceForThisMachine();
            return new ComputeDevice(context, chosen.CreateAccelerator(context), KindOf(chosen.AcceleratorType));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Every accelerator ILGPU can see, each as <see cref="Open"/> would open it.</summary>
    public static IReadOnlyList<DeviceDescription> List()
    {
        using var context = CreateContext();
        return context.Devices.Select(Describe).ToList();
    }

    /// <summary>What <c>auto</c> opens on this machine: CUDA, then OpenCL (a CPU OpenCL driver such as PoCL counts), then the CPU.</summary>
    public static DeviceKind AutoKind()
    {
        using var context = CreateContext();
        return KindOf(AutoChoice(context.Devices.Select(d => d.AcceleratorType)));
    }

    private static AcceleratorType AutoChoice(IEnumerable<AcceleratorType> present)
    {
        var types = present.ToHashSet();
        return types.Contains(AcceleratorType.Cuda) ? AcceleratorType.Cuda
            : types.Contains(AcceleratorType.OpenCL) ? AcceleratorType.OpenCL
            : AcceleratorType.CPU;
    }

    private static DeviceDescription Describe(Device device)
    {
        if (device.AcceleratorType != AcceleratorType.CPU)
            return new DeviceDescription(KindOf(device.AcceleratorType), device.Name, device.MemorySize,
                device.MaxNumThreadsPerGroup, device.NumMultiprocessors);
        var cpu = CpuDeviceForThisMachine();
        return new DeviceDescription(DeviceKind.Cpu, cpu.Name, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
            cpu.MaxNumThreadsPerGroup, cpu.NumMultiprocessors);
    }

    /// <summary>The context settings every accelerator and the all-backends compile test use (O2, algorithms).</summary>
    internal static Context CreateContext() =>
        Context.Create(builder => builder.Default().EnableAlgorithms().Optimize(OptimizationLevel.O2));

    /// <summary>
    /// ILGPU's default CPU device simulates one multiprocessor of 16 threads (4 warps of 4): on a 2-core machine
    /// 16 OS threads take turns on 2 cores and meet at a barrier after every group. Ours has one multiprocessor
    /// per core with 2-thread groups (the smallest warp ILGPU allows), so each launch runs 2 threads per core.
    /// Kernels loop over their share (GridStride), so the thread count is all that changes (README "Performance"
    /// has the measured effect).
    /// </summary>
    private static CPUDevice CpuDeviceForThisMachine() =>
        new(numThreadsPerWarp: 2, numWarpsPerMultiprocessor: 1, numMultiprocessors: Math.Max(1, Environment.ProcessorCount));

    private static Device? First(Context context, AcceleratorType type) =>
        context.Devices.FirstOrDefault(d => d.AcceleratorType == type);

    private static DeviceKind KindOf(AcceleratorType type) => type switch
    {
        AcceleratorType.Cuda => DeviceKind.Cuda,
        AcceleratorType.OpenCL => DeviceKind.OpenCL,
        _ => DeviceKind.Cpu,
    };

    /// <summary>Allocates an owned tensor, zero-filled.</summary>
    public Tensor Allocate(Shape4 shape)
    {
        if (shape.Length <= 0) throw new ArgumentException($"cannot allocate an empty tensor of shape {shape}");
        var buffer = AllocateFloats(shape.Length);
        return new Tensor(this, buffer.View, shape, buffer);
    }

    /// <summary>
    /// Allocates <paramref name="count"/> zero-filled floats (a graph's arena, a tensor's storage). On the CPU, large
    /// buffers are advised to use huge pages before the zero-fill first touches them (<see cref="HostMemory"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    public MemoryBuffer1D<float, Stride1D.Dense> AllocateFloats(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var buffer = Accelerator.Allocate1D<float>(count);
        if (Kind == DeviceKind.Cpu) HostMemory.AdviseHugePages(buffer.NativePtr, buffer.LengthInBytes);
        buffer.MemSetToZero(Stream);
        return buffer;
    }

    public Tensor Allocate(int n, int c, int h, int w) => Allocate(new Shape4(n, c, h, w));

    /// <summary>Allocates a tensor and copies host data into it.</summary>
    public Tensor Upload(ReadOnlySpan<float> data, Shape4 shape)
    {
        var t = Allocate(shape);
        t.CopyFrom(data);
        return t;
    }

    public void Synchronize() => Accelerator.Synchronize();

    // Kernel loading: each op family calls Load(SomeKernel) on every launch; the compiled launcher
    // is cached per device, keyed by the kernel method, so compilation happens once.
    public Action<Index1D, T1> Load<T1>(Action<Index1D, T1> k)
        where T1 : struct => Cached(k.Method, () => Accelerator.LoadAutoGroupedStreamKernel(k));

    public Action<Index1D, T1, T2> Load<T1, T2>(Action<Index1D, T1, T2> k)
        where T1 : struct where T2 : struct => Cached(k.Method, () => Accelerator.LoadAutoGroupedStreamKernel(k));

    public Action<Index1D, T1, T2, T3> Load<T1, T2, T3>(Action<Index1D, T1, T2, T3> k)
        where T1 : struct where T2 : struct where T3 : struct =>
        Cached(k.Method, () => Accelerator.LoadAutoGroupedStreamKernel(k));

    public Action<Index1D, T1, T2, T3, T4> Load<T1, T2, T3, T4>(Action<Index1D, T1, T2, T3, T4> k)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct =>
        Cached(k.Method, () => Accelerator.LoadAutoGroupedStreamKernel(k));

    public Action<Index1D, T1, T2, T3, T4, T5> Load<T1, T2, T3, T4, T5>(Action<Index1D, T1, T2, T3, T4, T5> k)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct =>
        Cached(k.Method, () => Accelerator.LoadAutoGroupedStreamKernel(k));

    public Action<Index1D, T1, T2, T3, T4, T5, T6> Load<T1, T2, T3, T4, T5, T6>(Action<Index1D, T1, T2, T3, T4, T5, T6> k)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct =>
        Cached(k.Method, () => Accelerator.LoadAutoGroupedStreamKernel(k));

    public Action<Index1D, T1, T2, T3, T4, T5, T6, T7> Load<T1, T2, T3, T4, T5, T6, T7>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7> k)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct =>
        Cached(k.Method, () => Accelerator.LoadAutoGroupedStreamKernel(k));

    public Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8> Load<T1, T2, T3, T4, T5, T6, T7, T8>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8> k)
        where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct =>
        Cached(k.Method, () => Accelerator.LoadAutoGroupedStreamKernel(k));

    /// <summary>How many distinct kernels this device has compiled (tests check the cache works).</summary>
    public int CompiledKernelCount => kernels.Count;

    private TDelegate Cached<TDelegate>(MethodInfo method, Func<TDelegate> compile) where TDelegate : class =>
        (TDelegate)kernels.GetOrAdd(method, _ => compile());

    public void Dispose()
    {
        kernels.Clear();
        Accelerator.Dispose();
        context.Dispose();
    }
}
