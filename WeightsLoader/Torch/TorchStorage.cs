namespace CineKernel.WeightsLoader.Torch;

/// <summary>
/// A typed storage of a checkpoint, as named by a pickle persistent id: its key, element type and
/// element count. The bytes stay in the file until a tensor is read.
/// </summary>
public sealed class TorchStorage
{
    private readonly IStorageSource source;

    internal TorchStorage(string key, ElementType type, long elementCount, string location, IStorageSource source,
        long viewOffset = 0)
    {
        Key = key;
        Type = type;
        ElementCount = elementCount;
        Location = location;
        ViewOffset = viewOffset;
        this.source = source;
    }

    public string Key { get; }
    public ElementType Type { get; }
    public long ElementCount { get; }

    /// <summary>The device it was saved from (<c>cpu</c>, <c>cuda:0</c>); informational only.</summary>
    public string Location { get; }

    /// <summary>For a legacy-format storage view: its first element in the root storage <see cref="Key"/>.</summary>
    public long ViewOffset { get; }

    public long ByteLength => ElementCount * Type.Size();

    public byte[] ReadBytes() => source.Read(this);
}
