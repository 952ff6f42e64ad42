namespace CineKernel.WeightsLoader;

/// <summary>The header of a <c>.npy</c> file: element type, shape, and where the data starts.</summary>
public sealed record NpyHeader(int MajorVersion, string Descr, ElementType ElementType, long[] Shape, long DataOffset)
{
    public long ElementCount => ElementTypes.ElementCount(Shape, "npy");
}
