namespace CineKernel.WeightsLoader.Torch;

/// <summary>Where a checkpoint keeps its storages' bytes (a zip entry, a range of a legacy file).</summary>
internal interface IStorageSource
{
    /// <summary>Exactly <c>storage.ElementCount × element size</c> bytes.</summary>
    byte[] Read(TorchStorage storage);
}
