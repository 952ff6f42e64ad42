using CineKernel.Pipeline.IO;
using CineKernel.Pipeline.Motion;
using CineKernel.WeightsLoader;

namespace CineKernel.Fuzz;

/// <summary>
/// Every parser of a file a user may have downloaded from a stranger, as a fuzz target. Parsers that do not
/// exist yet get a target here when they are written: the batch manifest.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The targets, with seeds read from the repository at <paramref name="root"/> (the folder of CineKernel.sln).</summary>
    public static IReadOnlyList<FuzzTarget> Create(string root) =>
    [
        Weights("safetensors", "SafetensorsFile.Open (header length, JSON header, dtypes, shapes, offsets), then Read of every float tensor",
            ReadSafetensors, () => SeedFiles.Safetensors(root), allocationPerByte: 32),
        Weights("npy", "MotionField.Load (Pipeline.Motion, as animate reads --motion): NpyReader's header (magic, version, dict literal, dtype, shape) and data, then the motion checks",
            path => MotionField.Load(path), () => SeedFiles.Npy(root), allocationPerByte: 16),
        Weights("npz", "MotionField.Load on .npz archives (the zip directory, entry sizes, stored and deflated entries, each .npy); with several arrays, each by name",
            ReadNpz, () => SeedFiles.Npz(root), allocationPerByte: 64),
        Weights("flo", "MotionField.Load on Middlebury .flo files: magic, width and height against the file's length, the (u, v) data, the motion checks",
            path => MotionField.Load(path), () => SeedFiles.Flo(root), allocationPerByte: 16),
        Weights("torch-zip", "CheckpointConverter.Convert on zip-format checkpoints: the archive, data.pkl, storages, every tensor read",
            Convert, () => SeedFiles.TorchZip(root), allocationPerByte: 64),
        Weights("torch-legacy", "CheckpointConverter.Convert on legacy checkpoints: the five pickles, storage sizes and offsets, every tensor read",
            Convert, () => SeedFiles.TorchLegacy(root), allocationPerByte: 64),
        Weights("pickle", "the restricted unpickler: the input is data.pkl of a zip checkpoint with valid storages, then CheckpointConverter.Convert",
            Convert, () => SeedFiles.Pickles(root), allocationPerByte: 512, SeedFiles.PickleWrapper(root)),
        new()
        {
            Name = "image",
            Description = "ImageInput.Load at 16x16: Identify, the 8192-a-side limit, the PNG/JPEG completeness check, decode, orient, crop, resize",
            Refusal = typeof(MediaFileException),
            Parse = path => ImageInput.Load(path, 16),
            Seeds = () => SeedFiles.Images(root),
            // Pixel buffers come from ImageSharp's allocator, bounded by ImageInput.MemoryBudgetBytes; this bounds the rest.
            // The decoders' fixed scratch (the WebP decoder's is 1 MB) may be allocated afresh on any call.
            AllocationPerByte = 64,
            AllocationSlack = 8 << 20,
        },
    ];

    /// <summary>A target of the weights loaders, whose documented refusal is <see cref="InvalidDataException"/>.</summary>
    private static FuzzTarget Weights(string name, string description, Action<string> parse,
        Func<IEnumerable<(string, byte[])>> seeds, int allocationPerByte, Func<byte[], byte[]>? prepare = null) => new()
    {
        Name = name,
        Description = description,
        Refusal = typeof(InvalidDataException),
        Parse = parse,
        Seeds = seeds,
        AllocationPerByte = allocationPerByte,
        Prepare = prepare ?? (bytes => bytes),
    };

    /// <summary>As animate reads --motion FILE.npz, or FILE.npz:NAME for each array when there are several.</summary>
    private static void ReadNpz(string path)
    {
        var names = NpzReader.ArrayNames(path);
        if (names.Count == 1) MotionField.Load(path);
        else foreach (string name in names) MotionFieldReader.Load(path, name);
    }

    private static void Convert(string path) => CheckpointConverter.Convert(path);

    private static void ReadSafetensors(string path)
    {
        using var file = SafetensorsFile.Open(path);
        foreach (var entry in file.Entries)
            if (entry.ElementType.IsFloat()) file.Read(entry.Name);
    }
}
