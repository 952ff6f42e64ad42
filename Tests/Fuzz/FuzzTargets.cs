using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Motion;
using CineKernel.WeightsLoader;

namespace CineKernel.Fuzz;

/// <summary>
/// Every parser of a file a user may have downloaded from a stranger, as a fuzz target. Parsers that do not
/// exist yet get a target here when they are written: <c>.npz</c> archives, <c>.flo</c> optical flow files and
/// the batch manifest.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The targets, with seeds read from the repository at <paramref name="root"/> (the folder of CineKernel.sln).</summary>
    public static IReadOnlyList<FuzzTarget> Create(string root) =>
    [
        new()
        {
            Name = "safetensors",
            Description = "SafetensorsFile.Open (header length, JSON header, dtypes, shapes, offsets), then Read of every float tensor",
            Refusal = typeof(InvalidDataException),
            Parse = ReadSafetensors,
            Seeds = () => SeedFiles.Safetensors(root),
            AllocationPerByte = 32,
        },
        new()
        {
            Name = "npy",
            Description = "MotionField.Load (Pipeline.Motion, as animate reads --motion): NpyReader's header (magic, version, dict literal, dtype, shape) and data, then the motion checks",
            Refusal = typeof(InvalidDataException),
            Parse = path => MotionField.Load(path),
            Seeds = () => SeedFiles.Npy(root),
            AllocationPerByte = 16,
        },
        new()
        {
            Name = "torch-zip",
            Description = "CheckpointConverter.Convert on zip-format checkpoints: the archive, data.pkl, storages, every tensor read",
            Refusal = typeof(InvalidDataException),
            Parse = path => CheckpointConverter.Convert(path),
            Seeds = () => SeedFiles.TorchZip(root),
            AllocationPerByte = 64,
        },
        new()
        {
            Name = "torch-legacy",
            Description = "CheckpointConverter.Convert on legacy checkpoints: the five pickles, storage sizes and offsets, every tensor read",
            Refusal = typeof(InvalidDataException),
            Parse = path => CheckpointConverter.Convert(path),
            Seeds = () => SeedFiles.TorchLegacy(root),
            AllocationPerByte = 64,
        },
        new()
        {
            Name = "pickle",
            Description = "the restricted unpickler: the input is data.pkl of a zip checkpoint with valid storages, then CheckpointConverter.Convert",
            Refusal = typeof(InvalidDataException),
            Parse = path => CheckpointConverter.Convert(path),
            Seeds = () => SeedFiles.Pickles(root),
            Prepare = SeedFiles.PickleWrapper(root),
            AllocationPerByte = 512,
        },
        new()
        {
            Name = "image",
            Description = "ImageInput.Load at 16x16: Identify, the 8192-a-side limit, the PNG/JPEG completeness check, decode, orient, crop, resize",
            Refusal = typeof(MediaFileException),
            Parse = path => ImageInput.Load(path, 16),
            Seeds = () => SeedFiles.Images(root),
            // Pixel buffers come from ImageSharp's allocator, bounded by ImageInput.MemoryBudgetBytes; this bounds the rest.
            AllocationPerByte = 64,
        },
    ];

    private static void ReadSafetensors(string path)
    {
        using var file = SafetensorsFile.Open(path);
        foreach (var entry in file.Entries)
            if (entry.ElementType.IsFloat()) file.Read(entry.Name);
    }
}
