namespace CineKernel.WeightsLoader;

/// <summary>The description of one tensor in a safetensors header (offsets relative to the data section).</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    /// <summary>The parsed dtype; every entry of an opened file has a known one.</summary>
    public ElementType ElementType => ElementTypes.TryParseSafetensors(DType, out var t)
        ? t : throw new InvalidOperationException($"tensor {Printable.Quote(Name)}: unknown dtype {Printable.Quote(DType)}");

    public long ElementCount => ElementTypes.ElementCount(Shape, Name);
}
