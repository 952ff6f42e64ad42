using NUnit.Framework;
using CineKernel.Tests.Pipeline.Cinemagraph;
using CineKernel.Tests.Pipeline.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace CineKernel.Tests.Tools;

/// <summary>The System.CommandLine front end: help, version, usage errors in one line, sample folders, output checks.</summary>
public class CliParsingTests : CliTestBase
{
    private (int Exit, string Out, string Err) Animate(string input, string output, params string[] extra) =>
        Run(["animate", input, "-o", output, "--size", "64", "--frames", "4", "--device", "cpu", "--quiet", .. extra]);

    private static void AssertUsageError((int Exit, string Out, string Err) r, string expected)
    {
        Assert.That(r.Exit, Is.EqualTo(2), r.Err);
        Assert.That(r.Err.TrimEnd().Split('\n'), Has.Length.EqualTo(1), $"one line: {r.Err}");
        Assert.That(r.Err.TrimEnd(), Is.EqualTo($"cinekernel: error: {expected}"));
    }

    [TestCase("--help")]
    [TestCase("-h")]
    public void AnimateHelpListsEveryOptionWithItsMeaning(string help)
    {
        var (exit, stdout, stderr) = Run("animate", help);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("cinekernel animate <INPUT> [options]"));
        foreach (var option in new[] { "-o, --output <OUT>", "--mask <PNG>", "--motion <FILE>", "--arrow <x0,y0,x1,y1>", "--frames <N>", "--fps <F>",
                     "--speed <X>", "--loop <seamless|official>", "--size <S>", "--device <D>", "--preview <DIR>", "--overwrite", "-q, --quiet",
                     "--weights <DIR>", "--style <IMAGE>", "--flow-net <sky|fluid>" })
            Assert.That(stdout, Does.Match($@"(?m)^\s+{System.Text.RegularExpressions.Regex.Escape(option)}\s+\S"), $"{option} with its meaning");
        Assert.That(stdout, Does.Contain("frames in the loop, 2..10000 [default: 120]"));
    }

    [TestCase("convert", "CHECKPOINT", "-o, --output <DIR>")]
    [TestCase("eval", "OP", "--inputs <IN.safetensors>")]
    [TestCase("inspect", "FILE", "--graph <PROGRAM>")]
    [TestCase("selftest", null, "--quick")]
    [TestCase("random-weights", "DIR", "--tiny")]
    [TestCase("devices", null, "-h, --help")]
    public void EveryCommandHasHelp(string command, string? argument, string option)
    {
        var (exit, stdout, _) = Run(command, "--help");
        Assert.That(exit, Is.Zero);
        Assert.That(stdout, Does.Contain($"cinekernel {command}"));
        if (argument is not null) Assert.That(stdout, Does.Contain($"<{argument}>"));
        Assert.That(stdout, Does.Contain(option));
        Assert.That(stdout, Does.Not.Contain("--expected"), "undocumented options stay hidden");
    }

    [Test]
    public void RootHelpListsTheCommands()
    {
        var (exit, stdout, _) = Run("--help");
        Assert.That(exit, Is.Zero);
        foreach (var command in new[] { "animate", "convert", "devices", "eval", "inspect", "selftest", "random-weights" })
            Assert.That(stdout, Does.Match($@"(?m)^\s+{command}\b"));
    }

    [Test]
    public void VersionIsTheAssemblysInformationalVersion()
    {
        var (exit, stdout, _) = Run("--version");
        Assert.That(exit, Is.Zero);
        string expected = typeof(CineKernel.Tools.Cli).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;
        Assert.That(stdout.Trim(), Is.EqualTo($"cinekernel {expected}"));
    }

    [Test]
    public void UsageErrorsAreOneLineWithExit2()
    {
        string sample = AnimateSample.Create(Dir), output = PathOf("o.gif");
        AssertUsageError(Animate(sample, output, "--speed"), "option --speed needs a value");
        AssertUsageError(Run("animate", sample, "-o"), "option -o needs a value");
        AssertUsageError(Animate(sample, output, "--frames", "many"), "--frames expects an integer, got 'many'");
        AssertUsageError(Animate(sample, output, "--size", "5"), "--size must be between 8 and 4096, got 5");
        AssertUsageError(Animate(sample, PathOf("o.mp4"), "--size", "101"), "--size 101 is odd; an MP4 (H.264, yuv420p) needs even sides: give 100 or 102");
        AssertUsageError(Animate(sample, output, "--region", "1,2"), "--region must be x,y,side: three integers in photo pixels (the square's top-left corner and its side), got '1,2'");
        AssertUsageError(Animate(sample, output, "--loop", "forever"), "--loop must be seamless or official, got 'forever'");
        AssertUsageError(Run("animate", sample, "-o", output, "--arrow", "50,150,90"), "Motion hint '50,150,90': expected x0,y0,x1,y1: four numbers in input-photo pixels, from where the motion starts to where it goes in one second (e.g. 120,340,180,330); found 3 values.");
        AssertUsageError(Animate(sample, output, "--preview", output), $"--preview {output} is the output itself; give the previews a folder of their own");
        AssertUsageError(Animate(sample, output, "--fps", "0"), "--fps must be a number in (0, 240], got '0'");
        AssertUsageError(Animate(sample, output, "--bogus"), "unknown option '--bogus'");
        AssertUsageError(Run("animate", "--colour", "red", sample, "-o", output), "unknown option '--colour'");
        AssertUsageError(Run("animate", "-o", output), "animate expects one INPUT (an image, or a sample folder NAME/ with NAME.png)");
        AssertUsageError(Run("selftest", "now"), "selftest takes no arguments (unexpected 'now')");
        AssertUsageError(Run("eval", "euler", "--indices", "1,x"), "--indices expects a comma-separated list of integers, got '1,x'");
        AssertUsageError(Run("random-weights", PathOf("w"), "--seed", "-3"), "--seed must be between 0 and 2147483647, got -3");
        Assert.That(File.Exists(output), Is.False);
    }

    [Test]
    public void ARepeatedValueOptionKeepsTheLastAndRepeatedArrowsAreAllUsed()
    {
        string image = PathOf("photo.png");
        using (var i = IoTestFiles.Noise(64, 64, seed: 3)) i.SaveAsPng(image);
        // Two arrows in opposite corners: with only the last one, the first corner would not move as far.
        var r = Run("animate", image, "-o", PathOf("a"), "--arrow", "8,8,40,8", "--arrow", "56,56,56,20", "--size", "64",
            "--frames", "9", "--frames", "4", "--device", "cpu", "--quiet");
        Assert.That(r.Exit, Is.Zero, r.Err);
        Assert.That(Directory.GetFiles(PathOf("a"), "*.png"), Has.Length.EqualTo(4), "the last --frames counts");
        var one = Run("animate", image, "-o", PathOf("b"), "--arrow", "56,56,56,20", "--size", "64", "--frames", "4", "--device", "cpu", "--quiet");
        Assert.That(one.Exit, Is.Zero, one.Err);
        using var withBoth = Image.Load<Rgb24>(Path.Combine(PathOf("a"), "frame_0002.png"));
        using var withLast = Image.Load<Rgb24>(Path.Combine(PathOf("b"), "frame_0002.png"));
        int differ = 0;
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 20; x++)
                if (withBoth[x, y] != withLast[x, y]) differ++;
        Assert.That(differ, Is.GreaterThan(20), "the first arrow moves its corner too");
    }

    [TestCase("SCENE.PNG", "Scene_Mask.png", "scene_MOTION.npy")]
    [TestCase("scene.jpg", "scene_mask.bmp", "scene_motion.npy")]
    [TestCase("scene.webp", "scene_mask.tiff", "scene_motion.npy")]
    [TestCase("scene.tga", "scene_mask.gif", "scene_motion.npy")]
    public void SampleFoldersMatchNamesIgnoringCaseInEveryImageFormat(string photo, string mask, string motion)
    {
        string source = AnimateSample.Create(PathOf("src"));
        string folder = PathOf("scene");
        Directory.CreateDirectory(folder);
        using (var p = Image.Load<Rgb24>(Path.Combine(source, "scene.png"))) p.Save(Path.Combine(folder, photo));
        using (var m = Image.Load<Rgb24>(Path.Combine(source, "scene_mask.png"))) m.Save(Path.Combine(folder, mask));
        File.Copy(Path.Combine(source, "scene_motion.npy"), Path.Combine(folder, motion));
        var r = Animate(folder, PathOf("out"));
        Assert.That(r.Exit, Is.Zero, r.Err);
        // The mask was found: its black half is static (lossless formats give the photo exactly; JPEG stays close).
        using var first = Image.Load<Rgb24>(Path.Combine(PathOf("out"), "frame_0001.png"));
        using var frame = Image.Load<Rgb24>(Path.Combine(folder, photo)).CloneAs<Rgb24>();
        int tolerance = photo.EndsWith(".jpg") ? 40 : 0;
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < AnimateSample.MaskStart(64) - 2; x++)
                Assert.That(Math.Abs(first[x, y].R - frame[x, y].R), Is.LessThanOrEqualTo(tolerance), $"static pixel ({x}, {y})");
        Assert.That(r.Out, Does.Contain(motion), "the sample's motion file was used");
    }

    [Test]
    public void AFolderWithoutAPhotoListsWhatWasLookedFor()
    {
        Directory.CreateDirectory(PathOf("lake"));
        File.WriteAllText(Path.Combine(PathOf("lake"), "notes.txt"), "no photo");
        var r = Run("animate", PathOf("lake"), "-o", PathOf("o.gif"));
        Assert.That(r.Exit, Is.EqualTo(1));
        Assert.That(r.Err.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(r.Err, Does.Contain("has no lake.png: looked for lake.png, lake.jpg, lake.jpeg, lake.bmp, lake.gif, lake.tif, lake.tiff, lake.webp, lake.tga, lake.pbm (ignoring case"));
    }

    [Test]
    public void PreviewPathIsCheckedBeforeAnyWork()
    {
        string sample = AnimateSample.Create(Dir), output = PathOf("o.gif");
        void Refused(string preview, string expected, params string[] extra)
        {
            var r = Animate(sample, output, ["--preview", preview, .. extra]);
            Assert.That(r.Exit, Is.EqualTo(1), r.Err);
            Assert.That(r.Err.TrimEnd().Split('\n'), Has.Length.EqualTo(1), r.Err);
            Assert.That(r.Err, Does.StartWith("cinekernel: error: --preview").And.Contain(expected));
            Assert.That(File.Exists(output), Is.False, "no output");
            Assert.That(Directory.GetFileSystemEntries(Dir, ".*"), Is.Empty, "nothing temporary left");
        }
        Refused(Path.Combine(PathOf("missing"), "prev"), "does not exist");
        Directory.CreateDirectory(PathOf("full"));
        File.WriteAllText(Path.Combine(PathOf("full"), "flow.png"), "old");
        Refused(PathOf("full"), "already exists; add --overwrite");
        File.WriteAllText(PathOf("file"), "x");
        Refused(PathOf("file"), "is a file", "--overwrite");
        Assert.That(File.ReadAllText(Path.Combine(PathOf("full"), "flow.png")), Is.EqualTo("old"));
        if (!OperatingSystem.IsWindows() && Environment.UserName != "root")
        {
            Directory.CreateDirectory(PathOf("locked"));
            File.SetUnixFileMode(PathOf("locked"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
            Refused(Path.Combine(PathOf("locked"), "prev"), "cannot write in");
            File.SetUnixFileMode(PathOf("locked"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Test]
    public void OutputInAMissingFolderIsRefusedBeforeAnyWork()
    {
        string sample = AnimateSample.Create(Dir);
        var r = Animate(sample, Path.Combine(PathOf("nowhere"), "o.gif"));
        Assert.That(r.Exit, Is.EqualTo(1), r.Err);
        Assert.That(r.Err.TrimEnd(), Does.StartWith("cinekernel: error: ").And.Contain("does not exist"));
    }

    [Test]
    public void DevicesPrintsMemoryAndTheEnginesGroupSize()
    {
        var (exit, stdout, _) = Run("devices");
        Assert.That(exit, Is.Zero);
        foreach (var d in CineKernel.Kernels.ComputeDevice.List())
        {
            int group = 1;
            while (group * 2 <= Math.Min(256, d.MaxThreadsPerGroup)) group *= 2;
            string gib = (d.MemoryBytes / (1024.0 * 1024 * 1024)).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
            string limit = group == d.MaxThreadsPerGroup ? "" : $" of at most {d.MaxThreadsPerGroup}";
            Assert.That(stdout, Does.Contain($"{d.Name}  ({gib} GiB, {d.Multiprocessors} ").And.Contain($", {group} threads/group{limit})"));
        }
    }
}
