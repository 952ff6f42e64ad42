using System.Text.Json;
using CineKernel.Pipeline.Cinemagraph;
using CineKernel.Pipeline.Weights;
using CineKernel.Tests.Pipeline.Cinemagraph;
using CineKernel.Tests.Pipeline.IO;
using CineKernel.WeightsLoader;
using NUnit.Framework;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp;

namespace CineKernel.Tests.Tools;

/// <summary><c>cinekernel animate --weights</c> (the full method) on the tiny weights folder, and every bad folder it must refuse.</summary>
public class AnimateWeightsTests : TinyWeightsCliTestBase
{
    /// <summary>The sample layout at the generator's size: photo, right-half mask, constant drift (M = 256).</summary>
    private string Sample => AnimateSample.Create(Dir, size: G);

    private (int Exit, string Out, string Err) Animate(string input, string output, params string[] extra) =>
        Run(["animate", input, "-o", output, "--weights", WeightsDir, "--frames", "3", "--device", "cpu", "--quiet", .. extra]);

    private static JsonElement Report(string stdout) => JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]).RootElement;

    private static List<Image<Rgb24>> LoadFrames(string folder) =>
        Directory.GetFiles(folder, "*.png").Order().Select(Image.Load<Rgb24>).ToList();

    [Test]
    public void GifHasTheFramesAndPngFramesKeepThePhotoOutsideTheMask()
    {
        string sample = Sample, gif = PathOf("x.gif");
        var r = Animate(sample, gif);
        Assert.That(r.Exit, Is.Zero, r.Err);
        using (var decoded = Image.Load<Rgba32>(gif)) Assert.That(decoded.Frames.Count, Is.EqualTo(3));
        var report = Report(r.Out);
        foreach (var stage in new[] { "load", "inversion", "mask", "motion", "once_per_cinemagraph", "frames", "encode", "total" })
            Assert.That(report.GetProperty("seconds").TryGetProperty(stage, out _), Is.True, stage);
        Assert.That(report.GetProperty("seconds").GetProperty("inversion").GetDouble(), Is.GreaterThan(0));
        Assert.That(report.GetProperty("size").GetInt32(), Is.EqualTo(G));
        Assert.That(report.GetProperty("mask").GetString(), Does.EndWith("scene_mask.png"));

        // PNG frames are lossless: where the mask (at G, no resize) is 0, every frame is the photo exactly.
        string folder = PathOf("frames");
        Assert.That(Animate(sample, folder).Exit, Is.Zero);
        using var photo = Image.Load<Rgb24>(Path.Combine(sample, "scene.png"));
        var frames = LoadFrames(folder);
        try
        {
            Assert.That(frames, Has.Count.EqualTo(3));
            int start = AnimateSample.MaskStart(G), changed = 0;
            for (int y = 0; y < G; y++)
                for (int x = 0; x < G; x++)
                {
                    if (x < start)
                    {
                        foreach (var f in frames)
                            if (f[x, y] != photo[x, y]) Assert.Fail($"static pixel ({x}, {y}) is {f[x, y]}, the input has {photo[x, y]}");
                    }
                    else if (frames[0][x, y] != photo[x, y]) changed++;
                }
            Assert.That(changed, Is.GreaterThan(start * G / 2), "the animated half is the generator's, not the photo");
        }
        finally
        {
            foreach (var f in frames) f.Dispose();
        }
    }

    [Test]
    public void MaskIsPredictedWithoutOneAndReadWithOne()
    {
        string sample = Sample;
        string image = Path.Combine(sample, "scene.png"), motion = Path.Combine(sample, "scene_motion.npy");
        var predicted = Animate(image, PathOf("predicted"), "--motion", motion);
        Assert.That(predicted.Exit, Is.Zero, predicted.Err);
        Assert.That(Report(predicted.Out).GetProperty("mask").GetString(), Is.EqualTo("predicted"));
        Assert.That(Report(predicted.Out).GetProperty("seconds").GetProperty("mask").GetDouble(), Is.GreaterThan(0));

        var given = Animate(image, PathOf("given"), "--motion", motion, "--mask", Path.Combine(sample, "scene_mask.png"));
        Assert.That(given.Exit, Is.Zero, given.Err);
        Assert.That(Report(given.Out).GetProperty("mask").GetString(), Does.EndWith("scene_mask.png"));
    }

    [Test]
    public void MotionIsPredictedWithoutOneAndChangesTheFrames()
    {
        string sample = Sample;
        string image = Path.Combine(sample, "scene.png"), mask = Path.Combine(sample, "scene_mask.png");
        var given = Animate(image, PathOf("given"), "--mask", mask, "--motion", Path.Combine(sample, "scene_motion.npy"));
        var predicted = Animate(image, PathOf("predicted"), "--mask", mask, "--loop", "seamless", "--flow-net", "fluid");
        Assert.That(given.Exit, Is.Zero, given.Err);
        Assert.That(predicted.Exit, Is.Zero, predicted.Err);
        Assert.That(Report(predicted.Out).GetProperty("motion").GetString(), Is.EqualTo("predicted"));
        Assert.That(Report(predicted.Out).GetProperty("flow_net").GetString(), Is.EqualTo("fluid"));
        Assert.That(Report(given.Out).GetProperty("motion").GetString(), Does.EndWith("scene_motion.npy"));
        AssertFramesDiffer(PathOf("given"), PathOf("predicted"), frame: 1);
    }

    [Test]
    public void StyleRunsAndChangesTheFrames()
    {
        string sample = Sample;
        string styleImage = PathOf("style.png");
        using (var s = IoTestFiles.Noise(G, G, seed: 99)) s.SaveAsPng(styleImage);
        var plain = Animate(sample, PathOf("plain"), "--loop", "official");
        var styled = Animate(sample, PathOf("styled"), "--loop", "official", "--style", styleImage);
        Assert.That(plain.Exit, Is.Zero, plain.Err);
        Assert.That(styled.Exit, Is.Zero, styled.Err);
        Assert.That(Report(styled.Out).GetProperty("style").GetString(), Is.EqualTo(styleImage));
        AssertFramesDiffer(PathOf("plain"), PathOf("styled"), frame: 2);
    }

    [Test]
    public void SizeIsTheOutputSide()
    {
        string folder = PathOf("small");
        var r = Animate(Sample, folder, "--size", "128");
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(Report(r.Out).GetProperty("size").GetInt32(), Is.EqualTo(128));
        Assert.That(Report(r.Out).GetProperty("generator_size").GetInt32(), Is.EqualTo(G));
        var frames = LoadFrames(folder);
        Assert.That(frames.Select(f => (f.Width, f.Height)), Is.All.EqualTo((128, 128)));
        foreach (var f in frames) f.Dispose();
    }

    private static void AssertFramesDiffer(string a, string b, int frame)
    {
        var x = LoadFrames(a);
        var y = LoadFrames(b);
        try
        {
            int differing = 0;
            for (int row = 0; row < G; row++)
                for (int col = 0; col < G; col++)
                    if (x[frame][col, row] != y[frame][col, row]) differing++;
            Assert.That(differing, Is.GreaterThan(100), $"frame {frame} of {a} and {b}");
        }
        finally
        {
            foreach (var f in x.Concat(y)) f.Dispose();
        }
    }

    [Test]
    public void MissingClassifierIsNamedOnlyWhenTheMaskIsPredicted()
    {
        string broken = TinyWeightsFolder.Copy(WeightsDir, PathOf("broken"));
        File.Delete(Path.Combine(broken, WeightsFolder.ClassifierFile(7)));
        string sample = Sample, output = PathOf("out.gif");
        var r = Run(["animate", Path.Combine(sample, "scene.png"), "-o", output, "--motion", Path.Combine(sample, "scene_motion.npy"),
            "--weights", broken, "--frames", "3", "--device", "cpu", "--quiet"]);
        AssertRefused(r, output, "best_model_number_7.safetensors", "--mask");
        var given = Run(["animate", sample, "-o", output, "--weights", broken, "--frames", "3", "--device", "cpu", "--quiet"]);
        Assert.That(given.Exit, Is.Zero, "a given mask opens no classifier: " + given.Err);
    }

    [Test]
    public void MotionNetworkOfTheChosenFlowNetMustExistWhenTheMotionIsPredicted()
    {
        string broken = TinyWeightsFolder.Copy(WeightsDir, PathOf("broken"));
        File.Delete(Path.Combine(broken, WeightsFolder.FlowNetFile(FlowNet.Fluid)));
        string sample = Sample, output = PathOf("out.gif");
        string[] imageAndMask = [Path.Combine(sample, "scene.png"), "-o", output, "--mask", Path.Combine(sample, "scene_mask.png")];
        AssertRefused(Run(["animate", .. imageAndMask, "--weights", broken, "--flow-net", "fluid", "--frames", "3", "--device", "cpu", "--quiet"]),
            output, Path.Combine("flow-fluid", "latest_net_G.safetensors"), "--motion", "--arrow");
        Assert.That(Run(["animate", .. imageAndMask, "--weights", broken, "--flow-net", "sky", "--frames", "3", "--device", "cpu", "--quiet"]).Exit,
            Is.Zero, "sky does not need the fluid network");
        Assert.That(Animate(sample, PathOf("given.gif"), "--flow-net", "fluid").Exit, Is.Zero, "a given motion opens no flow network");
    }

    /// <summary>The public release's folder: the generator and the encoder, nothing else (issue: release weights).</summary>
    [Test]
    public void GeneratorAndEncoderAloneRenderGivenMaskAndMotionAndArrows()
    {
        string minimal = TinyWeightsFolder.Create(PathOf("minimal"), PredictedInputs.None);
        string sample = Sample;
        var files = Run(["animate", sample, "-o", PathOf("files.gif"), "--weights", minimal, "--frames", "3", "--device", "cpu", "--quiet"]);
        Assert.That(files.Exit, Is.Zero, files.Err);
        Assert.That(Report(files.Out).GetProperty("mask").GetString(), Does.EndWith("scene_mask.png"));
        Assert.That(Report(files.Out).GetProperty("motion").GetString(), Does.EndWith("scene_motion.npy"));

        string frames = PathOf("arrows");
        var arrows = Run(["animate", Path.Combine(sample, "scene.png"), "-o", frames, "--mask", Path.Combine(sample, "scene_mask.png"),
            "--arrow", "200,128,230,128", "--weights", minimal, "--frames", "3", "--device", "cpu", "--quiet"]);
        Assert.That(arrows.Exit, Is.Zero, arrows.Err);
        Assert.That(Report(arrows.Out).GetProperty("motion").GetString(), Is.EqualTo("arrows"));
        var rendered = LoadFrames(frames);
        try
        {
            Assert.That(rendered, Has.Count.EqualTo(3));
            int differing = 0;
            for (int y = 0; y < G; y++)
                for (int x = 0; x < G; x++)
                    if (rendered[0][x, y] != rendered[1][x, y]) differing++;
            Assert.That(differing, Is.GreaterThan(100), "the arrow moves the animated region");
        }
        finally
        {
            foreach (var f in rendered) f.Dispose();
        }
    }

    [Test]
    public void GeneratorAndEncoderAloneRefuseToPredictTheMaskNamingTheClassifiersAndTheAlternatives()
    {
        string minimal = TinyWeightsFolder.Create(PathOf("minimal"), PredictedInputs.None);
        string sample = Sample, output = PathOf("out.gif");
        var r = Run(["animate", Path.Combine(sample, "scene.png"), "-o", output, "--motion", Path.Combine(sample, "scene_motion.npy"),
            "--weights", minimal, "--frames", "3", "--device", "cpu", "--quiet"]);
        AssertRefused(r, output, "best_model_number_0.safetensors … best_model_number_9.safetensors", "--mask", "weights.md");
    }

    [Test]
    public void ClassifiersWithoutAFlowNetworkRefuseToPredictTheMotionNamingItAndTheAlternatives()
    {
        string noFlow = TinyWeightsFolder.Create(PathOf("classifiers"), PredictedInputs.Mask);
        string output = PathOf("out.gif");
        var r = Run(["animate", Path.Combine(Sample, "scene.png"), "-o", output, "--weights", noFlow, "--frames", "3", "--device", "cpu", "--quiet"]);
        AssertRefused(r, output, Path.Combine("flow-sky", "latest_net_G.safetensors"), "--motion", "--arrow", "weights.md");
    }

    [Test]
    public void EverythingMissingIsNamedInOneLine()
    {
        string minimal = TinyWeightsFolder.Create(PathOf("minimal"), PredictedInputs.None);
        string output = PathOf("out.gif");
        AssertRefused(Run(["animate", Path.Combine(Sample, "scene.png"), "-o", output, "--weights", minimal, "--frames", "3", "--device", "cpu", "--quiet"]),
            output, "best_model_number_0.safetensors … best_model_number_9.safetensors", Path.Combine("flow-sky", "latest_net_G.safetensors"), "--mask", "--motion");

        string empty = PathOf("empty");
        Directory.CreateDirectory(empty);
        AssertRefused(Run(["animate", Sample, "-o", output, "--weights", empty, "--quiet"]), output,
            WeightsFolder.GeneratorFile + " and " + WeightsFolder.EncoderFile);
    }

    [Test]
    public void UnconvertedCheckpointsAreNamedWithTheWayToConvertThem()
    {
        string release = PathOf("pretrained_models");
        Directory.CreateDirectory(Path.Combine(release, "stylegan2-pytorch"));
        File.Copy(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "checkpoints", "sg2-tiny.pt"),
            Path.Combine(release, "stylegan2-pytorch", "sg2-lhq-1024.pt"));
        string output = PathOf("out.gif");
        AssertRefused(Run(["animate", Sample, "-o", output, "--weights", release, "--quiet"]), output,
            Path.Combine("stylegan2-pytorch", "sg2-lhq-1024.pt"), "cinekernel convert");

        foreach (var checkpoint in new[] { "sg2-tiny.pt", "sg2-tiny-legacy.pt" })
        {
            string renamed = TinyWeightsFolder.Copy(WeightsDir, PathOf("renamed-" + checkpoint));
            File.Copy(Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "checkpoints", checkpoint),
                Path.Combine(renamed, WeightsFolder.GeneratorFile), overwrite: true);
            AssertRefused(Run(["animate", Sample, "-o", output, "--weights", renamed, "--quiet"]), output,
                "PyTorch checkpoint, not safetensors", "cinekernel convert");
        }
    }

    [Test]
    public void GeneratorWithoutItsConfigurationIsToBeConvertedAgain()
    {
        string bare = TinyWeightsFolder.Copy(WeightsDir, PathOf("bare"));
        string path = Path.Combine(bare, WeightsFolder.GeneratorFile);
        Dictionary<string, TensorData> tensors;
        using (var file = SafetensorsFile.Open(path)) tensors = file.Names.ToDictionary(n => n, file.Read);
        SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["source"] = "an old conversion" });
        string output = PathOf("out.gif");
        AssertRefused(Run(["animate", Sample, "-o", output, "--weights", bare, "--quiet"]), output,
            WeightsFolder.GeneratorFile, "convert the checkpoint again");
    }

    [Test]
    public void AFileGivenAsTheFolderIsSaidToBeAFile()
    {
        string output = PathOf("out.gif");
        AssertRefused(Run(["animate", Sample, "-o", output, "--weights", Path.Combine(WeightsDir, WeightsFolder.EncoderFile), "--quiet"]),
            output, "is a file");
    }

    [Test]
    public void FlowNetWithMaskAndMotionGivenIsNotedAsHavingNoEffect()
    {
        var r = Animate(Sample, PathOf("given.gif"), "--flow-net", "fluid");
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(r.Err, Does.Contain("--flow-net has no effect"));
    }

    [TestCase(WeightsFolder.GeneratorFile, "convs.9.conv.weight")]
    [TestCase(WeightsFolder.EncoderFile, "block_2.0.conv2.weight")]
    [TestCase("best_model_number_3.safetensors", "layers.0.weight")]
    [TestCase("flow-sky/latest_net_G.safetensors", "model.1.weight")]
    public void TensorOfTheWrongShapeIsNamedWithItsFile(string file, string tensor)
    {
        string broken = TinyWeightsFolder.Copy(WeightsDir, PathOf("broken"));
        TinyWeightsFolder.ReplaceTensor(Path.Combine(broken, file), tensor, new TensorData([2, 3], new float[6]));
        string output = PathOf("out.gif");
        // The photo alone: mask and motion are predicted, so every network of the folder is opened and checked.
        var r = Run(["animate", Path.Combine(Sample, "scene.png"), "-o", output, "--weights", broken, "--frames", "3", "--device", "cpu", "--quiet"]);
        AssertRefused(r, output, Path.GetFileName(file), $"'{tensor}'", "[2, 3]");
    }

    [Test]
    public void EncoderThatDoesNotMatchTheGeneratorIsRefused()
    {
        string broken = TinyWeightsFolder.Copy(WeightsDir, PathOf("broken"));
        var narrow = new CineKernel.Pipeline.Inversion.FeatureStyleEncoderConfig(3, 5, [4, 6, 8, 7], [1, 1, 1, 1], 9, 32, TinyWeightsFolder.Latents, TinyWeightsFolder.StyleDim);
        SafetensorsWriter.Write(Path.Combine(broken, WeightsFolder.EncoderFile), RandomWeights.Encoder(narrow, 1));
        string output = PathOf("out.gif");
        AssertRefused(Run(["animate", Sample, "-o", output, "--weights", broken, "--frames", "3", "--device", "cpu", "--quiet"]),
            output, "enc.safetensors", "content_layer.4.weight", "32 channels");
    }

    [Test]
    public void StyleAndFlowNetNeedWeights()
    {
        string output = PathOf("out.gif");
        AssertRefused(Run(["animate", Sample, "-o", output, "--style", Path.Combine(Sample, "scene.png"), "--quiet"]), output, "--style needs --weights");
        AssertRefused(Run(["animate", Sample, "-o", output, "--flow-net", "fluid", "--quiet"]), output, "--flow-net needs --weights");
        AssertRefused(Animate(Sample, output, "--flow-net", "lava"), output, "--flow-net must be sky or fluid");
        AssertRefused(Run(["animate", Sample, "-o", output, "--weights", PathOf("nowhere"), "--quiet"]), output, "weights folder not found");
    }
}
