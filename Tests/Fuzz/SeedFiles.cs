using System.IO.Compression;
using System.Text;
using CineKernel.WeightsLoader;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace CineKernel.Fuzz;

/// <summary>
/// The fuzzers' starting corpora, made from the repository's own valid files (Tests/Data, samples/) at run
/// time, so no fuzz input is committed. Large files are cut down to a few elements or pixels: a fuzzer
/// mutates a 2 KB seed far more usefully than a 2 MB one, and the structure is what it needs.
/// </summary>
internal static class SeedFiles
{
    public static string Data(string root, params string[] parts) => Path.Combine([root, "Tests", "Data", .. parts]);

    public static string Sample(string root, string name) => Path.Combine(root, "samples", "0002268", name);

    /// <summary>Each repository safetensors file with every tensor shrunk to at most 2 per dimension (names, dtypes, metadata kept), and one of mixed dtypes.</summary>
    public static IEnumerable<(string, byte[])> Safetensors(string root)
    {
        string[] sources =
        [
            Data(root, "checkpoints", "expected_latest_net_G.safetensors"),
            Data(root, "checkpoints", "expected_best_model_number_0.safetensors"),
            Data(root, "mask_mlp_subset.safetensors"),
            Data(root, "motion", "motion_tiny.safetensors"),
        ];
        foreach (string source in sources)
        {
            using var file = SafetensorsFile.Open(source);
            var tensors = file.Entries.Take(16).Select(e =>
            {
                long[] shape = e.Shape.Select(d => Math.Min(d, 2)).ToArray();
                long count = shape.Aggregate(1L, (a, d) => a * d);
                return new KeyValuePair<string, TensorData>(e.Name, new TensorData(shape, Enumerable.Range(1, (int)count).Select(i => i / 8f).ToArray()));
            }).ToList();
            yield return (Path.GetFileNameWithoutExtension(source), WrittenBy(path => SafetensorsWriter.Write(path, tensors, file.Metadata)));
        }
        // F16, BF16 and F64 read as float32 too; the writer only writes F32, so this header is written here.
        string header = ("{'__metadata__':{'kind':'mixed'},'h':{'dtype':'F16','shape':[2],'data_offsets':[0,4]}," +
                         "'b':{'dtype':'BF16','shape':[1,2],'data_offsets':[4,8]},'d':{'dtype':'F64','shape':[],'data_offsets':[8,16]}," +
                         "'i':{'dtype':'I64','shape':[1],'data_offsets':[16,24]}}").Replace('\'', '"');
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + 24];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)json.Length);
        json.CopyTo(bytes, 8);
        for (int i = 8 + json.Length; i < bytes.Length; i++) bytes[i] = (byte)(i * 37);
        yield return ("mixed-dtypes", bytes);
    }

    /// <summary>The sample motion field cut to 4×3 (H×W): two planes, x then y.</summary>
    private static float[] MotionCut(string root, out int height, out int width)
    {
        var motion = NpyReader.Read(Sample(root, "0002268_motion.npy"));
        long h = motion.Shape[2], w = motion.Shape[3];
        (height, width) = (4, 3);
        var cut = new float[2 * height * width];
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++) cut[(c * height + y) * width + x] = motion.Data[(c * h + y) * w + x];
        return cut;
    }

    /// <summary>The sample motion field cut to 4×3, in every layout, dtype, byte order, memory order and header version the reader accepts.</summary>
    public static IEnumerable<(string, byte[])> Npy(string root)
    {
        var cut = MotionCut(root, out int h, out int w);
        byte[] v1 = Npy(new TensorData([1, 2, h, w], cut));
        yield return ("motion-1x2x4x3", v1);
        yield return ("motion-v2", WidenHeaderLength(v1, 2));
        yield return ("motion-v3", WidenHeaderLength(v1, 3));
        yield return ("motion-f8", Float64(v1));
        foreach (string layout in MotionFiles.Layouts.Skip(1))
            yield return ($"motion-{layout.Replace(',', 'x')}", MotionFiles.Npy(MotionFiles.Arrange(cut, h, w, layout)));
        yield return ("motion-f2-fortran", MotionFiles.Npy(MotionFiles.Arrange(cut, h, w, "H,W,2"), "<f2", fortran: true));
        yield return ("motion-big-endian-f4", MotionFiles.Npy(MotionFiles.Arrange(cut, h, w, "2,H,W"), ">f4"));
    }

    /// <summary>The sample motion field cut to 4×3 in .npz archives: one array stored, one deflated, and two arrays (read by name).</summary>
    public static IEnumerable<(string, byte[])> Npz(string root)
    {
        var cut = MotionCut(root, out int h, out int w);
        byte[] npy = MotionFiles.Npy(MotionFiles.Arrange(cut, h, w, "1,2,H,W"));
        byte[] flow = MotionFiles.Npy(MotionFiles.Arrange(cut, h, w, "H,W,2"), ">f8", fortran: true);
        yield return ("stored.npz", MotionFiles.Npz([("arr_0", npy)]));
        yield return ("deflated.npz", MotionFiles.Npz([("flow", flow)], CompressionLevel.Optimal));
        yield return ("two-arrays.npz", MotionFiles.Npz([("forward", npy), ("backward", flow)], CompressionLevel.Fastest));
    }

    /// <summary>The sample motion field cut to 4×3 as a Middlebury .flo file.</summary>
    public static IEnumerable<(string, byte[])> Flo(string root)
    {
        var cut = MotionCut(root, out int h, out int w);
        yield return ("motion.flo", MotionFiles.Flo(w, h, MotionFiles.Arrange(cut, h, w, "H,W,2").Data));
    }

    private static byte[] Npy(TensorData tensor) => WrittenBy(path => NpyWriter.Write(path, tensor));

    /// <summary>Versions 2 and 3 have a 4-byte header length where version 1 has 2 bytes.</summary>
    private static byte[] WidenHeaderLength(byte[] v1, byte major)
    {
        var bytes = new byte[v1.Length + 2];
        v1.AsSpan(0, 8).CopyTo(bytes);
        bytes[6] = major;
        bytes[8] = v1[8];
        bytes[9] = v1[9];
        v1.AsSpan(10).CopyTo(bytes.AsSpan(12));
        return bytes;
    }

    /// <summary>The same array stored as '&lt;f8'.</summary>
    private static byte[] Float64(byte[] v1)
    {
        int headerEnd = 10 + BitConverter.ToUInt16(v1, 8);
        string header = Encoding.Latin1.GetString(v1, 10, headerEnd - 10).Replace("<f4", "<f8");
        using var ms = new MemoryStream();
        ms.Write(v1.AsSpan(0, 10));
        ms.Write(Encoding.Latin1.GetBytes(header));
        for (int i = headerEnd; i < v1.Length; i += 4) ms.Write(BitConverter.GetBytes((double)BitConverter.ToSingle(v1, i)));
        return ms.ToArray();
    }

    public static IEnumerable<(string, byte[])> TorchZip(string root) =>
        new[] { "latest_net_G.pth", "best_model_number_0.pth" }.Select(n => (n, File.ReadAllBytes(Data(root, "checkpoints", n))));

    public static IEnumerable<(string, byte[])> TorchLegacy(string root) =>
        [("sg2-tiny-legacy.pt", File.ReadAllBytes(Data(root, "checkpoints", "sg2-tiny-legacy.pt")))];

    /// <summary>The data.pkl of each zip checkpoint in Tests/Data.</summary>
    public static IEnumerable<(string, byte[])> Pickles(string root)
    {
        foreach (string name in new[] { "best_model_number_0.pth", "latest_net_G.pth", "sg2-tiny.pt" })
        {
            using var zip = ZipFile.OpenRead(Data(root, "checkpoints", name));
            var entry = zip.Entries.Single(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal));
            yield return (name + ".data.pkl", ReadEntry(entry));
        }
    }

    /// <summary>
    /// Wraps a pickle as the data.pkl of a copy of best_model_number_0.pth (same folder, same storages), so the
    /// unpickler runs as the checkpoint reader runs it, persistent ids and tensor rebuilds included.
    /// </summary>
    public static Func<byte[], byte[]> PickleWrapper(string root)
    {
        using var zip = ZipFile.OpenRead(Data(root, "checkpoints", "best_model_number_0.pth"));
        var entries = zip.Entries.Where(e => !e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal))
            .Select(e => (e.FullName, Bytes: ReadEntry(e))).ToList();
        string pickleName = zip.Entries.Single(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)).FullName;
        return pickle =>
        {
            using var ms = new MemoryStream();
            using (var archive = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var (name, bytes) in entries.Prepend((pickleName, pickle)))
                {
                    using var s = archive.CreateEntry(name, CompressionLevel.NoCompression).Open();
                    s.Write(bytes);
                }
            }
            return ms.ToArray();
        };
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry)
    {
        using var s = entry.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>The sample photo and mask at 16×16, in every format ImageSharp 2.1 decodes.</summary>
    public static IEnumerable<(string, byte[])> Images(string root)
    {
        using var photo = Image.Load<Rgb24>(Sample(root, "0002268.png"));
        photo.Mutate(x => x.Resize(16, 16));
        using var mask = Image.Load<L8>(Sample(root, "0002268_mask.png"));
        mask.Mutate(x => x.Resize(16, 16));
        yield return ("photo.png", Encoded(s => photo.SaveAsPng(s)));
        yield return ("photo.jpg", Encoded(s => photo.SaveAsJpeg(s)));
        yield return ("photo.gif", Encoded(s => photo.SaveAsGif(s)));
        yield return ("photo.bmp", Encoded(s => photo.SaveAsBmp(s)));
        yield return ("photo.tga", Encoded(s => photo.SaveAsTga(s)));
        yield return ("photo.tiff", Encoded(s => photo.SaveAsTiff(s)));
        yield return ("photo-lossy.webp", Encoded(s => photo.SaveAsWebp(s)));
        yield return ("photo-lossless.webp", Encoded(s => photo.SaveAsWebp(s, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless })));
        yield return ("photo.ppm", Encoded(s => photo.SaveAsPbm(s)));
        yield return ("mask.png", Encoded(s => mask.SaveAsPng(s)));
    }

    private static byte[] Encoded(Action<Stream> save)
    {
        using var ms = new MemoryStream();
        save(ms);
        return ms.ToArray();
    }

    /// <summary>The bytes a writer that takes a path produces.</summary>
    private static byte[] WrittenBy(Action<string> write)
    {
        string path = Path.Combine(Path.GetTempPath(), $"cinekernel-seed-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            write(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
