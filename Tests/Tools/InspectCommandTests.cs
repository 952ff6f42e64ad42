using CineKernel.Tests.WeightsLoader;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

public class InspectCommandTests : CliTestBase
{
    [Test]
    public void ListsASafetensorsFile()
    {
        string path = Checkpoint("expected_latest_net_G.safetensors");
        var (exit, stdout, stderr) = Run("inspect", path);
        Assert.That(exit, Is.Zero, stderr);
        var lines = stdout.Split(Environment.NewLine);
        Assert.That(lines[0], Is.EqualTo($"{path}: safetensors, 16 tensors, 34168 bytes of data"));
        Assert.That(lines, Does.Contain("  source: latest_net_G.pth (stored as float16)"));
        Assert.That(lines.Any(l => l.StartsWith("  model.10.conv_block.1.weight") && l.EndsWith("F32   [16, 16, 3, 3]")), stdout);
        Assert.That(lines.Count(l => l.Contains(" F32 ")), Is.EqualTo(16));
    }

    [Test]
    public void ListsANpyArray()
    {
        string path = PathOf("motion.npy");
        NpyWriter.Write(path, new TensorData([1, 2, 3, 4], Enumerable.Range(0, 24).Select(i => i - 5f).ToArray()));
        var (exit, stdout, _) = Run("inspect", path);
        Assert.That(exit, Is.Zero);
        Assert.That(stdout, Is.EqualTo(
            $"{path}: .npy version 1, float32 ('<f4'), shape (1, 2, 3, 4), 24 values{Environment.NewLine}range [-5, 18]{Environment.NewLine}"));
    }

    [Test]
    public void ListsACheckpointsTensorsAndRecords()
    {
        string path = Checkpoint("sg2-tiny.pt");
        var (exit, stdout, stderr) = Run("inspect", path);
        Assert.That(exit, Is.Zero, stderr);
        var lines = stdout.Split(Environment.NewLine);
        Assert.That(lines[0], Is.EqualTo($"{path}: PyTorch checkpoint (zip format), 385 tensors in 385 storages"));
        Assert.That(lines.Any(l => l.StartsWith("  g_ema.style.1.weight ") && l.EndsWith("float32  [32, 32]")), stdout);
        Assert.That(lines.Any(l => l.StartsWith("  args ") && l.EndsWith(
            "argparse.Namespace(size=64, channel_multiplier=2, latent=32, n_mlp=2, iter=800000, path='lhq')")), stdout);
        Assert.That(lines.Any(l => l.StartsWith("  g_optim.param_groups.0.betas ") && l.EndsWith("(0.9, 0.999)")), stdout);
        Assert.That(lines.Any(l => l.StartsWith("  g_optim.param_groups.0.params ") && l.EndsWith("[0, 1, 2, 3, 4, 5, ..., 69] (70 items)")), stdout);

        path = Checkpoint("best_model_number_0.pth");
        (exit, stdout, _) = Run("inspect", path);
        Assert.That(exit, Is.Zero);
        Assert.That(stdout, Does.Contain("model_state_dict.module.layers.2.num_batches_tracked  int64    []"));
    }

    [Test]
    public void RefusesUnknownAndMalformedFiles()
    {
        string junk = WriteFile("junk.bin", "hello world, not a tensor file"u8.ToArray());
        var (exit, stdout, stderr) = Run("inspect", junk);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Is.EqualTo($"cinekernel: error: {junk}: not a safetensors, .npy or PyTorch checkpoint file{Environment.NewLine}"));

        string bad = WriteFile("bad.safetensors", TestFiles.Safetensors("""{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,12]}}""", new byte[12]));
        (exit, _, stderr) = Run("inspect", bad);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Is.EqualTo(
            $"cinekernel: error: {bad}: tensor 'w': data_offsets [0, 12] hold 12 bytes but shape [2, 3] of F32 needs 24{Environment.NewLine}"));

        (exit, _, stderr) = Run("inspect");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("inspect expects one FILE"));
    }
}
