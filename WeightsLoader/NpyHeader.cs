namespace CineKernel.WeightsLoader;

/// <summary>
/// The header of a <c>.npy</c> file: element type and byte order, shape, whether the data is stored in Fortran
/// (column-major) order, and where the data starts (bytes from the start of the file).
/// </summary>
public sealed record NpyHeader(int MajorVersion, string Descr, ElementType ElementType, bool BigEndian, bool FortranOrder, long[] Shape, long DataOffset)
{
    public long ElementCount => ElementTypes.ElementCount(Shape, "npy");
}
