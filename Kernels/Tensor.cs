using ILGPU;
using ILGPU.Runtime;

namespace CineKernel.Kernels;

/// <summary>
/// A float32 tensor on a device: a view into device memory and its NCHW shape.
/// A tensor either owns its buffer or borrows a slice of a larger one (a planned pool).
/// </summary>
public sealed class Tensor : IDisposable
{
    private readonly MemoryBuffer1D<float, Stride1D.Dense>? owned;

    public Tensor(ComputeDevice device, ArrayView<float> view, Shape4 shape)
        : this(device, view, shape, null) { }

    internal Tensor(ComputeDevice device, ArrayView<float> view, Shape4 shape, MemoryBuffer1D<float, Stride1D.Dense>? owned)
    {
        if (view.Length < shape.Length)
            throw new ArgumentException($"a view of {view.Length} elements cannot hold a tensor of shape {shape}");
        Device = device;
        View = view.SubView(0, shape.Length);
        Shape = shape;
        this.owned = owned;
    }

    public ComputeDevice Device { get; }
    public ArrayView<float> View { get; }
    public Shape4 Shape { get; }
    public long Length => Shape.Length;
    public int N => Shape.N;
    public int C => Shape.C;
    public int H => Shape.H;
    public int W => Shape.W;

    /// <summary>The same memory seen with another shape of the same length.</summary>
    public Tensor Reshape(Shape4 shape)
    {
        if (shape.Length != Length) throw new ArgumentException($"cannot reshape {Shape} to {shape}");
        return new Tensor(Device, View, shape);
    }

    /// <summary>Images [first, first+count) of the batch, without copying.</summary>
    public Tensor Batch(int first, int count = 1)
    {
        if (first < 0 || count < 1 || first + count > N) throw new ArgumentOutOfRangeException(nameof(first));
        long len = Shape.ImageLength;
        return new Tensor(Device, View.SubView(first * len, count * len), Shape with { N = count });
    }

    /// <summary>Copies the tensor to the host (waits for the device).</summary>
    public float[] ToArray()
    {
        var data = new float[Length];
        Device.Accelerator.Synchronize();
        View.CopyToCPU(Device.Stream, data);
        Device.Stream.Synchronize();
        return data;
    }

    public void CopyFrom(ReadOnlySpan<float> data)
    {
        if (data.Length != Length) throw new ArgumentException($"{data.Length} values do not fill a tensor of shape {Shape}");
        View.CopyFromCPU(Device.Stream, data);
    }

    public void Fill(float value) => ElementWise.Fill(this, value);

    public override string ToString() => $"Tensor {Shape}";

    public void Dispose() => owned?.Dispose();
}
