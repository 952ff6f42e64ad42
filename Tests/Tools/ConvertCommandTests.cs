using CineKernel.Tests.WeightsLoader;
using CineKernel.WeightsLoader;
using NUnit.Framework;

namespace CineKernel.Tests.Tools;

public class ConvertCommandTests : CliTestBase
{
    [Test]
    public void ConvertsEveryGoldenCheckpointToItsExpectedFile()
    {
        string output = PathOf("out");
        var (exit, stdout, stderr) = Run("convert", Checkpoint("sg2-tiny.pt"), Checkpoint("sg2-tiny-legacy.pt"),
            Checkpoint("best_model_number_0.pth"), Checkpoint("latest_net_G.pth"), "-o", output);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(stderr, Is.Empty);
        Assert.That(Directory.GetFiles(output).Select(Path.GetFileName).Order(), Is.EqualTo(new[]
        {
            "best_model_number_0.safetensors", "latest_net_G.safetensors", "sg2-tiny-legacy.safetensors", "sg2-tiny.safetensors",
        }));
        foreach (var (converted, expected) in new[]
                 {
                     ("sg2-tiny", "expected_sg2-tiny"), ("sg2-tiny-legacy", "expected_sg2-tiny"),
                     ("best_model_number_0", "expected_best_model_number_0"), ("latest_net_G", "expected_latest_net_G"),
                 })
        {
            using var file = SafetensorsFile.Open(Path.Combine(output, converted + ".safetensors"));
            using var want = SafetensorsFile.Open(Checkpoint(expected + ".safetensors"));
            CheckpointConverterTests.AssertSameTensors(file.Names.Select(n => new KeyValuePair<string, TensorData>(n, file.Read(n))).ToList(), want);
            Assert.That(file.Metadata["source"], Does.StartWith(converted));
        }
        Assert.That(stdout, Does.Contain("sg2-tiny.safetensors: 88 tensors"));
        Assert.That(stdout, Does.Contain("stylegan2-generator, size 64, style_dim 32, n_mlp 2"));
        Assert.That(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(4));
    }

    [Test]
    public void AFailingCheckpointLeavesNoOutputAtAll()
    {
        var hostile = new PickleBuilder().Proto().EmptyDict().Str("w")
            .Global("os", "system").Str("echo pwned").Tuple1().Reduce().SetItem().Stop();
        string bad = WriteFile("bad.pt", TestFiles.TorchZip("bad", hostile.ToArray(), new Dictionary<string, byte[]>()));
        string output = PathOf("out");
        // The good checkpoint converts first; it must still not appear, since the batch failed.
        var (exit, stdout, stderr) = Run("convert", Checkpoint("latest_net_G.pth"), bad, "-o", output);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Is.EqualTo($"cinekernel: error: {bad}: pickle global 'os.system' is not allowed{Environment.NewLine}"));
        Assert.That(stdout, Is.Empty);
        Assert.That(Directory.Exists(output), Is.False, "the directory the command created is removed again");

        Directory.CreateDirectory(output);
        (exit, _, _) = Run("convert", Checkpoint("latest_net_G.pth"), bad, "-o", output);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(Directory.GetFileSystemEntries(output), Is.Empty, "no file, no temporary file");
    }

    [Test]
    public void ATruncatedCheckpointFailsWithOneLine()
    {
        var bytes = File.ReadAllBytes(Checkpoint("sg2-tiny-legacy.pt"));
        string cut = WriteFile("cut.pt", bytes[..(bytes.Length / 2)]);
        var (exit, _, stderr) = Run("convert", cut, "-o", Dir);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Does.StartWith($"cinekernel: error: {cut}: file is truncated in storage '"));
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(Directory.GetFiles(Dir), Is.EqualTo(new[] { cut }));
    }

    [TestCase("/x/sg2-lhq-1024.pt", "sg2-lhq-1024.safetensors")]
    [TestCase("best_model_number_3.pth", "best_model_number_3.safetensors")]
    [TestCase("logs/lhq_k10/enc.pth.tar", "enc.safetensors")]
    [TestCase("model.ckpt", "model.safetensors")]
    [TestCase("weights.v2", "weights.safetensors")]
    public void NamesOutputsAfterTheCheckpoint(string checkpoint, string expected) =>
        Assert.That(CineKernel.Tools.ConvertCommand.OutputName(checkpoint), Is.EqualTo(expected));

    [Test]
    public void UsageErrorsExitWithTwo()
    {
        var (exit, _, stderr) = Run("convert", Checkpoint("latest_net_G.pth"));
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("convert needs an output directory: -o DIR"));

        (exit, _, stderr) = Run("convert", "-o", Dir);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("convert expects at least one checkpoint"));

        (exit, _, stderr) = Run("convert", Checkpoint("latest_net_G.pth"), "-o", Dir, "--fp16");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("unknown option '--fp16'"));
    }

    [Test]
    public void RefusesMissingInputsAndCollidingOutputs()
    {
        string missing = PathOf("missing.pt");
        var (exit, _, stderr) = Run("convert", missing, "-o", Dir);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Is.EqualTo($"cinekernel: error: no such file: {missing}{Environment.NewLine}"));

        string copy = Path.Combine(Directory.CreateDirectory(PathOf("other")).FullName, "latest_net_G.pth");
        File.Copy(Checkpoint("latest_net_G.pth"), copy);
        string output = PathOf("out");
        (exit, _, stderr) = Run("convert", Checkpoint("latest_net_G.pth"), copy, "--output", output);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain($"would both be written to {Path.Combine(output, "latest_net_G.safetensors")}"));
        Assert.That(Directory.Exists(output), Is.False);

        string file = WriteFile("plain", [1]);
        (exit, _, stderr) = Run("convert", Checkpoint("latest_net_G.pth"), "-o", file);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain($"output directory {file} is a file"));
    }
}
