namespace CineKernel.WeightsLoader;

/// <summary>A float32 tensor in host memory: its shape (PyTorch order) and its values, C order.</summary>
public sealed class TensorData
{
    public TensorData(long[] shape, float[] data)
    {
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension in shape [{string.Join(", ", shape)}]");
            count *= d;
        }
        if (count != data.Length)
            throw new ArgumentException($"{data.Length} values do not match shape [{string.Join(", ", shape)}]");
        Shape = shape;
        Data = data;
    }

    public long[] Shape { get; }
    public float[] Data { get; }

    public override string ToString() => $"[{string.Join(", ", Shape)}]";
}
