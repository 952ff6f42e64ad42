namespace CineKernel.WeightsLoader.Torch;

/// <summary>A tensor of a checkpoint: a strided view of a storage (<c>torch._utils._rebuild_tensor_v2</c>).</summary>
public sealed class TorchTensor
{
    private TorchTensor(TorchStorage storage, long storageOffset, long[] shape, long[] stride, long elementCount, bool requiresGrad)
    {
        Storage = storage;
        StorageOffset = storageOffset;
        Shape = shape;
        Stride = stride;
        ElementCount = elementCount;
        RequiresGrad = requiresGrad;
    }

    /// <summary>The most elements a view with more elements than its storage (an expanded, stride-0 view) may have.</summary>
    public const long MaxRepeatedElements = 1 << 16;

    public TorchStorage Storage { get; }
    public long StorageOffset { get; }
    public long[] Shape { get; }
    public long[] Stride { get; }
    public long ElementCount { get; }
    public bool RequiresGrad { get; }
    public ElementType Type => Storage.Type;

    /// <summary>
    /// Checks a tensor's geometry against its storage before anything trusts it: non-negative sizes,
    /// strides and offset, and every element inside the storage.
    /// </summary>
    internal static TorchTensor Create(string what, TorchStorage storage, long storageOffset, long[] shape, long[] stride, bool requiresGrad)
    {
        string geometry = $"shape {ElementTypes.FormatShape(shape)}, stride {ElementTypes.FormatShape(stride)}, offset {storageOffset}";
        if (shape.Length != stride.Length)
            throw new InvalidDataException($"{what}: {geometry}: shape and stride differ in length");
        if (storageOffset < 0 || shape.Any(d => d < 0) || stride.Any(s => s < 0))
            throw new InvalidDataException($"{what}: {geometry}: negative size, stride or offset");
        long count = ElementTypes.ElementCount(shape, what);
        if (count > 0)
        {
            long last;
            try
            {
                last = storageOffset;
                for (int d = 0; d < shape.Length; d++) last = checked(last + (shape[d] - 1) * stride[d]);
            }
            catch (OverflowException)
            {
                throw new InvalidDataException($"{what}: {geometry}: reaches past any storage");
            }
            if (last >= storage.ElementCount)
                throw new InvalidDataException(
                    $"{what}: {geometry}: reaches element {last} of storage {Printable.Quote(storage.Key)}, which holds {storage.ElementCount}");
            // Stride 0 repeats elements: reading such a view allocates for every repeat, which the file does not back.
            if (count > storage.ElementCount && count > MaxRepeatedElements)
                throw new InvalidDataException(
                    $"{what}: {geometry}: {count} elements repeat the {storage.ElementCount} of storage {Printable.Quote(storage.Key)}; at most {MaxRepeatedElements} are read that way");
        }
        return new TorchTensor(storage, storageOffset, shape, stride, count, requiresGrad);
    }

    /// <summary>True when the elements lie in C order without gaps (the common case: no gather needed).</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (int d = Shape.Length - 1; d >= 0; d--)
            {
                if (Shape[d] != 1 && Stride[d] != expected) return false;
                expected *= Shape[d];
            }
            return true;
        }
    }

    /// <summary>The values as float32 in C order (float16/bfloat16 widened exactly, float64 rounded).</summary>
    /// <exception cref="InvalidDataException">The dtype is not floating, the tensor is too large for one array, or its storage cannot be read.</exception>
    public float[] ReadSingle()
    {
        if (!Type.IsFloat())
            throw new InvalidDataException($"tensor on storage {Printable.Quote(Storage.Key)} has dtype {Type.TorchName()}, which does not read as float32");
        if (ElementCount > Array.MaxLength)
            throw new InvalidDataException($"tensor on storage {Printable.Quote(Storage.Key)} has {ElementCount} elements, more than one array can hold");
        var raw = Storage.ReadBytes();
        var values = new float[ElementCount];
        int size = Type.Size();
        if (IsContiguous)
        {
            ElementTypes.ToSingle(Type, raw.AsSpan((int)(StorageOffset * size), values.Length * size), values);
            return values;
        }
        // A strided view (expanded, transposed or sliced): gather element by element in C order.
        var index = new long[Shape.Length];
        long position = StorageOffset;
        for (int i = 0; i < values.Length; i++)
        {
            ElementTypes.ToSingle(Type, raw.AsSpan((int)(position * size), size), values.AsSpan(i, 1));
            for (int d = Shape.Length - 1; d >= 0; d--)
            {
                position += Stride[d];
                if (++index[d] < Shape[d]) break;
                position -= Stride[d] * Shape[d];
                index[d] = 0;
            }
        }
        return values;
    }

    /// <summary>The tensor as a <see cref="TensorData"/> (its shape and <see cref="ReadSingle"/>).</summary>
    /// <exception cref="InvalidDataException">As <see cref="ReadSingle"/>.</exception>
    public TensorData ToTensorData() => new((long[])Shape.Clone(), ReadSingle());

    public override string ToString() => $"{Type.TorchName()} {ElementTypes.FormatShape(Shape)}";
}
