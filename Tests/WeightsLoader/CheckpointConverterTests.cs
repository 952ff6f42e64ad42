using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.WeightsLoader;

/// <summary>Every golden checkpoint converts to exactly the tensors of its expected_*.safetensors.</summary>
public class CheckpointConverterTests : FileTestBase
{
    [TestCase("sg2-tiny.pt", "expected_sg2-tiny.safetensors")]
    [TestCase("sg2-tiny-legacy.pt", "expected_sg2-tiny.safetensors")]
    [TestCase("best_model_number_0.pth", "expected_best_model_number_0.safetensors")]
    [TestCase("latest_net_G.pth", "expected_latest_net_G.safetensors")]
    public void ConvertsBitExactlyToTheExpectedTensors(string checkpoint, string expectedFile)
    {
        var converted = CheckpointConverter.Convert(Checkpoint(checkpoint));
        using var expected = SafetensorsFile.Open(Checkpoint(expectedFile));
        AssertSameTensors(converted.Tensors, expected);
        // The expected files' 'source' names the checkpoint they came from; the legacy copy holds the same tensors.
        string source = expected.Metadata["source"].Replace("sg2-tiny.pt", checkpoint);
        Assert.That(converted.Metadata["source"], Is.EqualTo(source));
    }

    internal static void AssertSameTensors(IReadOnlyList<KeyValuePair<string, TensorData>> actual, SafetensorsFile expected)
    {
        Assert.That(actual.Select(t => t.Key), Is.EqualTo(expected.Names), "names, in state_dict order");
        foreach (var (name, tensor) in actual)
        {
            var want = expected.Read(name);
            Assert.That(tensor.Shape, Is.EqualTo(want.Shape), $"{name}: shape");
            Assert.That(tensor.Data.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(want.Data.Select(BitConverter.SingleToInt32Bits)),
                $"{name}: values (bit-exact)");
        }
    }

    [Test]
    public void InfersTheGeneratorConfiguration()
    {
        var m = CheckpointConverter.Convert(Checkpoint("sg2-tiny.pt")).Metadata;
        Assert.That(m["kind"], Is.EqualTo("stylegan2-generator"));
        Assert.That(m["size"], Is.EqualTo("64"));
        Assert.That(m["style_dim"], Is.EqualTo("32"));
        Assert.That(m["n_mlp"], Is.EqualTo("2"));
        Assert.That(m["channels"], Is.EqualTo("""{"4": 16, "8": 16, "16": 16, "32": 16, "64": 16}"""));
        Assert.That(m["lr_mlp"], Is.EqualTo("0.01"));
        Assert.That(m["args"], Is.EqualTo("""{"size":64,"channel_multiplier":2,"latent":32,"n_mlp":2,"iter":800000,"path":"lhq"}"""));
        Assert.That(CheckpointConverter.Convert(Checkpoint("sg2-tiny-legacy.pt")).Metadata.ContainsKey("args"), Is.False,
            "the legacy copy holds no argparse record");
    }

    [Test]
    public void InfersTheClassifierAndMotionGeneratorConfigurations()
    {
        var classifier = CheckpointConverter.Convert(Checkpoint("best_model_number_0.pth")).Metadata;
        Assert.That(classifier["kind"], Is.EqualTo("pixel-classifier"));
        Assert.That(classifier["numpy_class"], Is.EqualTo("3"));
        Assert.That(classifier["dim"], Is.EqualTo("24"));

        var motion = CheckpointConverter.Convert(Checkpoint("latest_net_G.pth")).Metadata;
        Assert.That(motion["kind"], Is.EqualTo("pix2pixhd-global-generator"));
        Assert.That((motion["input_nc"], motion["output_nc"], motion["ngf"]), Is.EqualTo(("3", "2", "4")));
        Assert.That((motion["n_downsampling"], motion["n_blocks"], motion["norm"]), Is.EqualTo(("2", "1", "instance")));
    }

    [Test]
    public void RefusesIntegerTensorsOtherThanBatchNormCounters()
    {
        var p = new PickleBuilder().Proto().EmptyDict().Mark()
            .Str("module.w").Tensor("FloatStorage", "0", 2, 0, [2], [1])
            .Str("module.bn.num_batches_tracked").Tensor("LongStorage", "1", 1, 0, [], [])
            .SetItems().Stop();
        var storages = new Dictionary<string, byte[]> { ["0"] = TestFiles.Floats(1, 2), ["1"] = new byte[8] };
        string path = WriteFile("ok.pth", TestFiles.TorchZip("ok", p.ToArray(), storages));
        var converted = CheckpointConverter.Convert(path);
        Assert.That(converted.Tensors.Select(t => t.Key), Is.EqualTo(new[] { "w" }));
        Assert.That(converted.Metadata["source"], Is.EqualTo("ok.pth: 'module.' prefixes stripped; num_batches_tracked dropped"));

        p = new PickleBuilder().Proto().EmptyDict().Mark()
            .Str("w").Tensor("FloatStorage", "0", 2, 0, [2], [1])
            .Str("labels").Tensor("LongStorage", "1", 1, 0, [], [])
            .SetItems().Stop();
        path = WriteFile("int.pth", TestFiles.TorchZip("int", p.ToArray(), storages));
        var e = Assert.Throws<InvalidDataException>(() => CheckpointConverter.Convert(path));
        Assert.That(e!.Message, Is.EqualTo($"{path}: tensor 'labels' has dtype int64; only floating tensors convert to float32"));
    }

    [Test]
    public void ALoneMeanLatentBecomesLatentAvg()
    {
        // sg2-lhq-1024-mean.pt of the release is torch.save(tensor): the pickle is just the rebuilt tensor.
        var p = new PickleBuilder().Proto().Tensor("HalfStorage", "0", 3, 0, [1, 3], [3, 1]).Stop();
        string path = WriteFile("mean.pt", TestFiles.TorchZip("mean", p.ToArray(),
            new Dictionary<string, byte[]> { ["0"] = TestFiles.UInt16s(0x3C00, 0xC000, 0x3800) }));
        var converted = CheckpointConverter.Convert(path);
        Assert.That(converted.Tensors.Select(t => t.Key), Is.EqualTo(new[] { "latent_avg" }));
        Assert.That(converted.Tensors[0].Value.Shape, Is.EqualTo(new long[] { 1, 3 }));
        Assert.That(converted.Tensors[0].Value.Data, Is.EqualTo(new[] { 1f, -2f, 0.5f }));
        Assert.That(converted.Metadata["source"], Is.EqualTo("mean.pt: a single tensor (stored as float16)"));
        Assert.That(converted.Kind, Is.EqualTo("mean-latent"));

        p = new PickleBuilder().Proto().Tensor("FloatStorage", "0", 3, 0, [3, 1, 1], [1, 1, 1]).Stop();
        path = WriteFile("cube.pt", TestFiles.TorchZip("cube", p.ToArray(), new Dictionary<string, byte[]> { ["0"] = TestFiles.Floats(1, 2, 3) }));
        converted = CheckpointConverter.Convert(path);
        Assert.That(converted.Tensors.Select(t => t.Key), Is.EqualTo(new[] { "tensor" }));
        Assert.That(converted.Kind, Is.EqualTo("unknown"));
    }

    [Test]
    public void RefusesCheckpointsWithoutAStateDict()
    {
        var p = new PickleBuilder().Proto().EmptyDict().Mark()
            .Str("epoch").Int(3).Str("w").Tensor("FloatStorage", "0", 2, 0, [2], [1]).SetItems().Stop();
        string path = WriteFile("odd.pth", TestFiles.TorchZip("odd", p.ToArray(), new Dictionary<string, byte[]> { ["0"] = TestFiles.Floats(1, 2) }));
        var e = Assert.Throws<InvalidDataException>(() => CheckpointConverter.Convert(path));
        Assert.That(e!.Message, Is.EqualTo(
            $"{path}: entry 'epoch' is an int, not a tensor (known layouts: a state_dict, or a dict with g_ema, model_state_dict or state_dict)"));

        p = new PickleBuilder().Proto().EmptyList().Stop();
        path = WriteFile("list.pth", TestFiles.TorchZip("list", p.ToArray(), new Dictionary<string, byte[]>()));
        e = Assert.Throws<InvalidDataException>(() => CheckpointConverter.Convert(path));
        Assert.That(e!.Message, Is.EqualTo($"{path}: the checkpoint holds a list, not a dict of tensors"));

        p = new PickleBuilder().Proto().EmptyDict().Str("model_state_dict").EmptyList().SetItem().Stop();
        path = WriteFile("msd.pth", TestFiles.TorchZip("msd", p.ToArray(), new Dictionary<string, byte[]>()));
        e = Assert.Throws<InvalidDataException>(() => CheckpointConverter.Convert(path));
        Assert.That(e!.Message, Is.EqualTo($"{path}: 'model_state_dict' is a list, not a state_dict"));
    }
}
