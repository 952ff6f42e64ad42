using System.IO.Compression;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.WeightsLoader;

/// <summary>
/// Randomly corrupted checkpoints, pickles, safetensors and .npy files (seeded, so reproducible): every
/// failure must be an <see cref="InvalidDataException"/> naming the file, never a crash, hang or other
/// exception type. Successful reads are fine (a flipped bit in tensor data is still a valid file).
/// </summary>
public class HostileInputTests : FileTestBase
{
    private const int Mutations = 150;

    private static byte[] Mutate(byte[] original, Random rng)
    {
        var bytes = (byte[])original.Clone();
        int edits = rng.Next(1, 4);
        for (int e = 0; e < edits; e++)
        {
            int at = rng.Next(bytes.Length);
            bytes[at] = rng.Next(3) switch
            {
                0 => (byte)rng.Next(256),
                1 => (byte)(bytes[at] ^ (1 << rng.Next(8))),
                _ => 0xff,
            };
        }
        // Sometimes cut the file short as well.
        return rng.Next(4) == 0 ? bytes[..rng.Next(bytes.Length)] : bytes;
    }

    private void Survive(string path, Action read, ref int refused)
    {
        try
        {
            read();
        }
        catch (InvalidDataException e)
        {
            Assert.That(e.Message, Does.StartWith(path + ": "), "the message names the file");
            Assert.That(e.Message, Does.Not.Contain("\n"));
            refused++;
        }
    }

    [Test]
    public void CorruptedPicklesInsideACheckpoint()
    {
        using var zip = new ZipArchive(File.OpenRead(Checkpoint("best_model_number_0.pth")));
        var pickle = Read(zip.GetEntry("best_model_number_0/data.pkl")!);
        var storages = zip.Entries.Where(e => e.FullName.Contains("/data/"))
            .ToDictionary(e => e.FullName[(e.FullName.LastIndexOf('/') + 1)..], Read);
        var rng = new Random(1);
        int refused = 0;
        for (int i = 0; i < Mutations; i++)
        {
            string path = WriteFile($"p{i}.pth", TestFiles.TorchZip("p", Mutate(pickle, rng), storages));
            Survive(path, () => CheckpointConverter.Convert(path), ref refused);
        }
        TestContext.Out.WriteLine($"{refused} of {Mutations} corrupted pickles refused");
        Assert.That(refused, Is.GreaterThan(Mutations / 4));
    }

    [Test]
    public void CorruptedLegacyCheckpoints()
    {
        var original = File.ReadAllBytes(Checkpoint("sg2-tiny-legacy.pt"));
        var rng = new Random(2);
        int refused = 0;
        for (int i = 0; i < Mutations; i++)
        {
            // Aim most edits at the pickles in the first 15 KB, where the structure is.
            var head = Mutate(original[..14400], rng);
            var bytes = head.Concat(original[14400..]).ToArray();
            string path = WriteFile($"l{i}.pt", bytes);
            Survive(path, () => CheckpointConverter.Convert(path), ref refused);
        }
        TestContext.Out.WriteLine($"{refused} of {Mutations} corrupted legacy files refused");
        Assert.That(refused, Is.GreaterThan(Mutations / 4));
    }

    [Test]
    public void CorruptedZipArchives()
    {
        var original = File.ReadAllBytes(Checkpoint("latest_net_G.pth"));
        var rng = new Random(3);
        int refused = 0;
        for (int i = 0; i < Mutations; i++)
        {
            string path = WriteFile($"z{i}.pth", Mutate(original, rng));
            Survive(path, () => CheckpointConverter.Convert(path), ref refused);
        }
        TestContext.Out.WriteLine($"{refused} of {Mutations} corrupted archives refused");
    }

    [Test]
    public void CorruptedSafetensorsAndNpyFiles()
    {
        var safetensors = File.ReadAllBytes(Checkpoint("expected_best_model_number_0.safetensors"));
        var npy = TestFiles.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3, 4), }", new byte[96]);
        var rng = new Random(4);
        int refused = 0;
        for (int i = 0; i < Mutations; i++)
        {
            // Keep the safetensors edits inside the 8-byte length and the JSON header.
            var bytes = safetensors.ToArray();
            var head = Mutate(bytes[..1336], rng);
            string path = WriteFile($"s{i}.safetensors", head.Concat(bytes[1336..]).ToArray());
            Survive(path, () =>
            {
                using var file = SafetensorsFile.Open(path);
                foreach (var name in file.Names) file.Read(name);
            }, ref refused);
            string npyPath = WriteFile($"n{i}.npy", Mutate(npy, rng));
            Survive(npyPath, () => MotionFieldReader.Load(npyPath), ref refused);
        }
        TestContext.Out.WriteLine($"{refused} of {2 * Mutations} corrupted files refused");
        Assert.That(refused, Is.GreaterThan(Mutations / 2));
    }

    private static byte[] Read(ZipArchiveEntry entry)
    {
        using var s = entry.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }
}
